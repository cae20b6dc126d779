/**
 * Decompression of the chunks of a compressed hibernation stream (§5.6) by thaw's own LZO1X and LZ4 decoders
 * (assembly/compress/), in an engine memory of its own (the image is read before any machine exists), on worker
 * threads as the kernel does (up to three decompression threads and a CRC thread): each worker serves one slot,
 * decompresses the chunk the main thread put there and checksums it; the main thread combines the checksums in
 * stream order. With no workers the main thread decompresses itself, in slot 0.
 *
 * ╒═════════ pool memory ═════════╕
 * │ engine static data, CTX      │ 0
 * │ slot 0: control | in | out   │ ARENA_START
 * │ slot 1 …                     │ + SLOT_BYTES each
 * └───────────────────────────────┘
 * ╒════ slot control (Int32 words) ════╕
 * │ STATE   IDLE, WORK, DONE, EXIT     │ 0
 * │ ALGO    0 LZO, 1 LZ4               │ 1
 * │ CMP_LEN compressed bytes           │ 2
 * │ RESULT  unc_len or negative code   │ 3
 * │ CRC     crc32_le of the output     │ 4
 * │ ERR_POS, ERR_VALUE on failure      │ 5, 6
 * └─────────────────────────────────────┘
 */
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as L from "../../assembly/portable/layout.js";
import * as C from "../../assembly/portable/compress.js";
import { instantiateEngine, packageRoot, defaultFlavour, type EngineExports } from "../wasm/engine.js";
import { ImageFormatError } from "../errors.js";
import { crc32Le } from "../util/crc32.js";

/** Compression algorithms of hibernation images. */
export type Compression = "lzo" | "lz4";

const WORDS = { STATE: 0, ALGO: 1, CMP_LEN: 2, RESULT: 3, CRC: 4, ERR_POS: 5, ERR_VALUE: 6, COUNT: 16, IDLE: 0, WORK: 1, DONE: 2, EXIT: 3 };
const CONTROL_BYTES = 64;
const INPUT_BYTES = C.CMP_PAGES * 4096;
const SLOT_BYTES = CONTROL_BYTES + INPUT_BYTES + C.UNC_SIZE;
/** Most workers a pool starts: the kernel's CMP_THREADS. */
export const MAX_DECOMPRESSION_WORKERS = 3;

/**
 * defaultWorkers - The kernel's choice, clamp(CPUs - 1, 1, 3), on machines with more than two CPUs; none on one or
 * two CPUs, where measurements show the main thread (reading the device, handing pages out) is the bottleneck and a
 * worker only adds hand-off cost (bench/RESULTS.md).
 */
export function defaultWorkers(): number {
  const cpus = availableParallelism();
  return cpus > 2 ? Math.min(MAX_DECOMPRESSION_WORKERS, cpus - 1) : 0;
}

const MESSAGES: Record<number, string> = {
  [C.DECOMP_E_ARGS]: "bad buffer arguments",
  [C.LZO_E_ERROR]: "malformed end-of-stream marker",
  [C.LZO_E_INPUT_OVERRUN]: "input overrun",
  [C.LZO_E_OUTPUT_OVERRUN]: "output overrun (more than 32 pages)",
  [C.LZO_E_LOOKBEHIND_OVERRUN]: "lookbehind overrun (a match reaches before the chunk)",
  [C.LZO_E_INPUT_NOT_CONSUMED]: "bytes after the end-of-stream marker",
  [C.LZO_E_BITSTREAM_VERSION]: "an LZO-RLE stream, which hibernation never writes",
  [C.LZ4_E_INPUT_OVERRUN]: "input overrun",
  [C.LZ4_E_OUTPUT_OVERRUN]: "output overrun (more than 32 pages)",
  [C.LZ4_E_LOOKBEHIND_OVERRUN]: "a match reaches before the chunk",
  [C.LZ4_E_OFFSET_ZERO]: "a match offset of 0",
  [C.LZ4_E_END_MISSING]: "the block does not end with literals",
};

/** What a finished chunk gave. */
export interface ChunkResult {
  uncLen: number;
  /** crc32_le(0, output). */
  crc: number;
}

/**
 * ChunkPool - Slots for chunks in flight and the workers that decompress them.
 */
export class ChunkPool {
  readonly memory: WebAssembly.Memory;
  readonly slots: number;
  private readonly engine: EngineExports;
  private readonly workers: Worker[];
  private readonly control: Int32Array[];

  private constructor(memory: WebAssembly.Memory, engine: EngineExports, workers: Worker[], slots: number) {
    this.memory = memory;
    this.engine = engine;
    this.workers = workers;
    this.slots = slots;
    this.control = Array.from({ length: slots }, (_, i) => new Int32Array(memory.buffer, ChunkPool.base(i), WORDS.COUNT));
  }

  private static base(slot: number): number {
    return L.ARENA_START + slot * SLOT_BYTES;
  }

  /** create - A pool with @workers decompression workers (0: decompress on the calling thread). */
  static async create(workers = defaultWorkers()): Promise<ChunkPool> {
    const slots = Math.max(1, workers);
    const pages = Math.ceil((L.ARENA_START + slots * SLOT_BYTES) / L.WASM_PAGE_SIZE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const { exports, module } = await instantiateEngine(memory);
    const root = packageRoot();
    const started: Worker[] = [];
    for (let i = 0; i < workers; i++) {
      const worker = new Worker(join(root, "src", "workers", "chunkWorker.js"), {
        workerData: {
          module, memory, bindings: pathToFileURL(join(root, "build", `${defaultFlavour()}.js`)).href,
          control: ChunkPool.base(i), input: ChunkPool.base(i) + CONTROL_BYTES, output: ChunkPool.base(i) + CONTROL_BYTES + INPUT_BYTES,
          outputBytes: C.UNC_SIZE, words: WORDS, ctxDecomp: L.CTX_START + L.CTX_DECOMP_IN_POS,
        },
      });
      started.push(worker);
    }
    await Promise.all(started.map((worker) => new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
    })));
    for (const worker of started) worker.unref();
    return new ChunkPool(memory, exports, started, slots);
  }

  /** input - Slot @slot's input region: an 8-byte cmp_len and the compressed bytes. */
  input(slot: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ChunkPool.base(slot) + CONTROL_BYTES, INPUT_BYTES);
  }

  /** output - The first @length decompressed bytes of slot @slot. */
  output(slot: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ChunkPool.base(slot) + CONTROL_BYTES + INPUT_BYTES, length);
  }

  /** submit - Decompress the @cmpLen bytes in slot @slot's input with @algorithm (asynchronously with workers). */
  submit(slot: number, algorithm: Compression, cmpLen: number): void {
    const ctl = this.control[slot]!;
    ctl[WORDS.ALGO] = algorithm === "lz4" ? 1 : 0;
    ctl[WORDS.CMP_LEN] = cmpLen;
    if (this.workers.length === 0) {
      const src = ChunkPool.base(slot) + CONTROL_BYTES + C.CMP_HEADER;
      const out = ChunkPool.base(slot) + CONTROL_BYTES + INPUT_BYTES;
      const ret = algorithm === "lz4" ? this.engine.lz4DecompressSafe(src, cmpLen, out, C.UNC_SIZE) : this.engine.lzo1xDecompressSafe(src, cmpLen, out, C.UNC_SIZE);
      ctl[WORDS.RESULT] = ret;
      if (ret < 0) {
        const ctx = new Uint32Array(this.memory.buffer, L.CTX_START + L.CTX_DECOMP_IN_POS, 3);
        ctl[WORDS.ERR_POS] = ctx[0]!;
        ctl[WORDS.ERR_VALUE] = ctx[2]!;
      } else ctl[WORDS.CRC] = crc32Le(this.output(slot, ret)) | 0;
      ctl[WORDS.STATE] = WORDS.DONE;
      return;
    }
    Atomics.store(ctl, WORDS.STATE, WORDS.WORK);
    Atomics.notify(ctl, WORDS.STATE);
  }

  /**
   * wait - The result of slot @slot's chunk, once done.
   * @where: words for an error, e.g. "chunk 3 (map entry 97)".
   * @throws ImageFormatError (EINVAL) saying what was wrong and where in the chunk.
   */
  wait(slot: number, algorithm: Compression, where: string): ChunkResult {
    const ctl = this.control[slot]!;
    while (Atomics.load(ctl, WORDS.STATE) === WORDS.WORK) Atomics.wait(ctl, WORDS.STATE, WORDS.WORK);
    Atomics.store(ctl, WORDS.STATE, WORDS.IDLE);
    const ret = ctl[WORDS.RESULT]!;
    if (ret < 0) {
      const at = ctl[WORDS.ERR_POS]! >>> 0;
      const cmpLen = ctl[WORDS.CMP_LEN]!;
      throw new ImageFormatError("EINVAL", `${algorithm.toUpperCase()} ${where}: ${MESSAGES[ret] ?? `error ${ret}`} at byte ${at} of ${cmpLen} (value ${ctl[WORDS.ERR_VALUE]! >>> 0})`, { kind: "bytes", value: at, limit: cmpLen });
    }
    return { uncLen: ret, crc: ctl[WORDS.CRC]! >>> 0 };
  }

  /** drain - Wait for every slot's chunk and forget them (a reader that stopped early leaves some in flight). */
  drain(): void {
    for (const ctl of this.control) {
      while (Atomics.load(ctl, WORDS.STATE) === WORDS.WORK) Atomics.wait(ctl, WORDS.STATE, WORDS.WORK);
      Atomics.store(ctl, WORDS.STATE, WORDS.IDLE);
    }
  }

  /** close - Stop the workers (idempotent). */
  close(): void {
    this.drain();
    this.workers.forEach((worker, i) => {
      const ctl = this.control[i]!;
      Atomics.store(ctl, WORDS.STATE, WORDS.EXIT);
      Atomics.notify(ctl, WORDS.STATE);
      void worker.terminate();
    });
    this.workers.length = 0;
  }
}
