/**
 * Decompression of the chunks of a compressed hibernation stream (§5.6) by thaw's own LZO1X and LZ4 decoders
 * (assembly/compress/), in an engine instance of its own: the image is read before any machine exists.
 *
 * ╒═════════ decompressor memory ═════════╕
 * │ engine static data, CTX              │ 0
 * │ input   CMP_PAGES × 4096: one chunk  │ ARENA_START           (8-byte cmp_len + compressed bytes)
 * │ output  UNC_SIZE: its ≤ 32 pages     │ ARENA_START + CMP_PAGES × 4096
 * └───────────────────────────────────────┘
 */
import * as L from "../../assembly/portable/layout.js";
import * as C from "../../assembly/portable/compress.js";
import { instantiateEngine, type EngineExports } from "../wasm/engine.js";
import { ImageFormatError } from "../errors.js";

/** Compression algorithms of hibernation images. */
export type Compression = "lzo" | "lz4";

export const INPUT = L.ARENA_START;
export const OUTPUT = L.ARENA_START + C.CMP_PAGES * 4096;
const BYTES = OUTPUT + C.UNC_SIZE;

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

/**
 * ChunkDecompressor - Decompresses one chunk at a time: the caller fills input(), then calls decompress().
 */
export class ChunkDecompressor {
  readonly memory: WebAssembly.Memory;
  readonly engine: EngineExports;
  readonly module: WebAssembly.Module;

  private constructor(memory: WebAssembly.Memory, engine: EngineExports, module: WebAssembly.Module) {
    this.memory = memory;
    this.engine = engine;
    this.module = module;
  }

  static async create(): Promise<ChunkDecompressor> {
    const pages = Math.ceil(BYTES / L.WASM_PAGE_SIZE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const { exports, module } = await instantiateEngine(memory);
    return new ChunkDecompressor(memory, exports, module);
  }

  /** input - The input region (one compressed chunk with its 8-byte length prefix). */
  input(): Uint8Array {
    return new Uint8Array(this.memory.buffer, INPUT, C.CMP_PAGES * 4096);
  }

  /** output - The first @length bytes decompressed. */
  output(length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, OUTPUT, length);
  }

  /**
   * decompress - Decompress the @cmpLen bytes after the prefix in input() with @algorithm; returns unc_len.
   * @where: words for the error message, e.g. "chunk 3 (map entry 97)".
   * @throws ImageFormatError (EINVAL) saying what was wrong and where in the chunk.
   */
  decompress(algorithm: Compression, cmpLen: number, where: string): number {
    const src = INPUT + C.CMP_HEADER;
    const ret = algorithm === "lz4"
      ? this.engine.lz4DecompressSafe(src, cmpLen, OUTPUT, C.UNC_SIZE)
      : this.engine.lzo1xDecompressSafe(src, cmpLen, OUTPUT, C.UNC_SIZE);
    if (ret < 0) {
      const view = new DataView(this.memory.buffer);
      const at = view.getUint32(L.CTX_START + L.CTX_DECOMP_IN_POS, true);
      const value = view.getUint32(L.CTX_START + L.CTX_DECOMP_VALUE, true);
      throw new ImageFormatError("EINVAL", `${algorithm.toUpperCase()} ${where}: ${MESSAGES[ret] ?? `error ${ret}`} at byte ${at} of ${cmpLen} (value ${value})`, { kind: "bytes", value: at, limit: cmpLen });
    }
    return ret;
  }
}
