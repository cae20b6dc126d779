/**
 * Decompression of the chunks of a compressed hibernation stream (kernel/power/swap.c) by thaw's own LZO1X and LZ4
 * decoders (assembly/compress/), in an engine memory of its own (the image is read before any machine exists), on
 * worker threads as the kernel does (up to three decompression threads and a CRC thread): each worker serves
 * CHUNKS_PER_WORKER slots, decompresses the chunks the main thread put there, oldest first, and checksums them; the
 * main thread reads the next chunks from the device meanwhile and combines the checksums in stream order. With no
 * workers the main thread decompresses itself, in slot 0.
 *
 * ╒═════════ pool memory ═════════╕
 * │ engine static data, CTX      │ 0
 * │ slot 0 (chunkSlot.ts)        │ ARENA_START
 * │ slot 1 …                     │ + SLOT_BYTES each
 * └───────────────────────────────┘
 */

import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import * as C from "../../../assembly/portable/compress.js";
import { ArenaBuilder, EngineMemory } from "../../engine/memory.js";
import { startWorker, workerReady } from "../../engine/worker.js";
import { ImageFormatError } from "../../errors.js";
import { crc32Le } from "../../util/crc32.js";
import { ALGO, CONTROL_BYTES, decompressSlot, INPUT_BYTES, SLOT, SLOT_BYTES } from "./chunkSlot.js";

/** Compression algorithms of hibernation images. */
export type Compression = "lzo" | "lz4";

/** Most workers a pool starts: the kernel's CMP_THREADS. */
export const MAX_DECOMPRESSION_WORKERS = 3;

/**
 * Chunks in flight per worker: the main thread reads this many ahead, so a worker finds its next chunk waiting when it
 * finishes one instead of waiting for the main thread to hand it over (a depth of one left the two idle in turn).
 */
export const CHUNKS_PER_WORKER = 4;

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
  readonly slots: number;
  private readonly mem: EngineMemory;
  /** Address of each slot (chunkSlot.ts). */
  private readonly base: number[];
  private readonly workers: Worker[];
  private readonly control: Int32Array[];
  private seq = 0;

  private constructor(mem: EngineMemory, base: number[], workers: Worker[]) {
    this.mem = mem;
    this.base = base;
    this.workers = workers;
    this.slots = base.length;
    this.control = base.map((at) => new Int32Array(mem.memory.buffer, at, SLOT.WORDS));
  }

  /** The pool's shared memory. */
  get memory(): WebAssembly.Memory {
    return this.mem.memory;
  }

  /** create - A pool with @workers decompression workers (0: decompress on the calling thread). */
  static async create(workers = defaultWorkers()): Promise<ChunkPool> {
    const arena = new ArenaBuilder();
    const base = Array.from({ length: workers > 0 ? workers * CHUNKS_PER_WORKER : 1 }, () =>
      arena.take(SLOT_BYTES, 4096),
    );
    const mem = await EngineMemory.create(arena.end);
    const { module, memory, flavour } = mem;
    const started: Worker[] = [];
    for (let i = 0; i < workers; i++) {
      started.push(
        startWorker("./chunkWorker", import.meta.url, {
          workerData: { module, memory, flavour, slots: base.filter((_, s) => s % workers === i) },
        }),
      );
    }
    await Promise.all(started.map(workerReady));
    for (const worker of started) worker.unref();
    return new ChunkPool(mem, base, started);
  }

  /** input - Slot @slot's input region: the chunk's cmp_len (4 or 8 bytes) and the compressed bytes. */
  input(slot: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.base[slot]! + CONTROL_BYTES, INPUT_BYTES);
  }

  /** output - The first @length decompressed bytes of slot @slot. */
  output(slot: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.base[slot]! + CONTROL_BYTES + INPUT_BYTES, length);
  }

  /**
   * submit - Decompress the @cmpLen bytes in slot @slot's input, after its @header-byte cmp_len (sizeof(size_t) of
   * the kernel that wrote the image), with @algorithm (asynchronously with workers).
   */
  submit(slot: number, algorithm: Compression, cmpLen: number, header: number): void {
    const ctl = this.control[slot]!;
    ctl[SLOT.ALGO] = ALGO[algorithm];
    ctl[SLOT.CMP_LEN] = cmpLen;
    ctl[SLOT.HEADER] = header;
    if (this.workers.length === 0) {
      decompressSlot(this.mem.exports, this.mem.memory, this.base[slot]!, crc32Le);
      ctl[SLOT.STATE] = SLOT.DONE;
      return;
    }
    ctl[SLOT.SEQ] = ++this.seq;
    Atomics.store(ctl, SLOT.STATE, SLOT.WORK);
    this.ring(slot % this.workers.length);
  }

  /** ring - Wake worker @worker: one of its slots holds WORK, or it is to exit. */
  private ring(worker: number): void {
    const bell = this.control[worker]!;
    Atomics.add(bell, SLOT.BELL, 1);
    Atomics.notify(bell, SLOT.BELL);
  }

  /**
   * wait - The result of slot @slot's chunk, once done.
   * @where: words for an error, e.g. "chunk 3 (map entry 97)".
   * @throws ImageFormatError (EINVAL) saying what was wrong and where in the chunk.
   */
  wait(slot: number, algorithm: Compression, where: string): ChunkResult {
    const ctl = this.control[slot]!;
    while (Atomics.load(ctl, SLOT.STATE) === SLOT.WORK) Atomics.wait(ctl, SLOT.STATE, SLOT.WORK);
    Atomics.store(ctl, SLOT.STATE, SLOT.IDLE);
    const ret = ctl[SLOT.RESULT]!;
    if (ret < 0) {
      const at = ctl[SLOT.ERR + C.DECOMP_ERR_IN_POS / 4]! >>> 0;
      const value = ctl[SLOT.ERR + C.DECOMP_ERR_VALUE / 4]! >>> 0;
      const cmpLen = ctl[SLOT.CMP_LEN]!;
      throw new ImageFormatError(
        "EINVAL",
        `${algorithm.toUpperCase()} ${where}: ${MESSAGES[ret] ?? `error ${ret}`} at byte ${at} of ${cmpLen} (value ${value})`,
        { kind: "bytes", value: at, limit: cmpLen },
      );
    }
    return { uncLen: ret, crc: ctl[SLOT.CRC]! >>> 0 };
  }

  /** drain - Wait for every slot's chunk and forget them (a reader that stopped early leaves some in flight). */
  drain(): void {
    for (const ctl of this.control) {
      while (Atomics.load(ctl, SLOT.STATE) === SLOT.WORK) Atomics.wait(ctl, SLOT.STATE, SLOT.WORK);
      Atomics.store(ctl, SLOT.STATE, SLOT.IDLE);
    }
  }

  /** close - Stop the workers (idempotent). */
  close(): void {
    this.drain();
    for (const ctl of this.control) Atomics.store(ctl, SLOT.STATE, SLOT.EXIT);
    this.workers.forEach((worker, i) => {
      this.ring(i);
      void worker.terminate();
    });
    this.workers.length = 0;
  }
}
