/**
 * A decompressor bench in a small shared memory: the engine instantiated without a machine, the input laid flush
 * against the end of the memory (so that reading one byte past it traps), the output between two canary zones.
 */

import { DECOMP_ERR_IN_POS, DECOMP_ERR_OUT_POS, DECOMP_ERR_VALUE } from "../../assembly/portable/compress.js";
import { ARENA_START, CTX_START } from "../../assembly/portable/layout.js";
import { type EngineExports, instantiateEngine } from "../../src/engine/load.js";

export type Algo = "lzo" | "lz4";

/** Bytes of canary on each side of the output buffer. */
export const CANARY = 256;
/** Largest output buffer a test may ask for. */
export const MAX_DST = 2 << 20;
/** Largest input a test may pass. */
export const MAX_SRC = 2 << 20;

const DST_START = ARENA_START + CANARY;
const MEMORY_PAGES = Math.ceil((DST_START + MAX_DST + CANARY + MAX_SRC) / 65536);

/** Where the decoders record a failure (any free 12 bytes will do). */
export const ERR_RECORD = CTX_START;

/** Result of one call: the return code, the output it claims, and the error record. */
export interface Outcome {
  ret: number;
  output: Uint8Array;
  inPos: number;
  outPos: number;
  value: number;
}

export interface DecompressBench {
  exports: EngineExports;
  memory: WebAssembly.Memory;
  /**
   * Run @algo on @input into a buffer of @dstCap bytes, with canaries around it; throws if a canary or the input
   * changed. @dstFill is the byte the output buffer holds before the call.
   */
  run(algo: Algo, input: Uint8Array, dstCap: number, dstFill?: number): Outcome;
}

/** canaryByte - The canary pattern at offset @i of a zone. */
const canaryByte = (i: number) => (i * 131 + 77) & 0xff;

/**
 * createDecompressBench - Instantiate the engine (THAW_WASM picks the build) over a memory sized for MAX_SRC/MAX_DST.
 */
export async function createDecompressBench(): Promise<DecompressBench> {
  const memory = new WebAssembly.Memory({ initial: MEMORY_PAGES, maximum: MEMORY_PAGES, shared: true });
  const { exports } = await instantiateEngine(memory);
  const bytes = () => new Uint8Array(memory.buffer);
  const view = () => new DataView(memory.buffer);
  const memEnd = MEMORY_PAGES * 65536;

  function run(algo: Algo, input: Uint8Array, dstCap: number, dstFill = 0): Outcome {
    if (input.length > MAX_SRC || dstCap > MAX_DST) throw new Error(`bench too small for ${input.length}/${dstCap}`);
    const mem = bytes();
    const dst = DST_START;
    const src = memEnd - input.length;
    for (let i = 0; i < CANARY; i++) {
      mem[dst - CANARY + i] = canaryByte(i);
      mem[dst + dstCap + i] = canaryByte(i + 1);
    }
    mem.fill(dstFill, dst, dst + dstCap);
    mem.set(input, src);
    const fn = algo === "lzo" ? exports.lzo1xDecompressSafe : exports.lz4DecompressSafe;
    new Uint8Array(memory.buffer, ERR_RECORD, 12).fill(0);
    const ret = fn(src, input.length, dst, dstCap, ERR_RECORD);
    for (let i = 0; i < CANARY; i++) {
      if (mem[dst - CANARY + i] !== canaryByte(i)) throw new Error(`${algo}: wrote ${CANARY - i} bytes before dst`);
      if (mem[dst + dstCap + i] !== canaryByte(i + 1)) throw new Error(`${algo}: wrote at dst+dstCap+${i}`);
    }
    for (let i = 0; i < input.length; i++) {
      if (mem[src + i] !== input[i]) throw new Error(`${algo}: changed input byte ${i}`);
    }
    const v = view();
    return {
      ret,
      output: ret >= 0 ? mem.slice(dst, dst + ret) : new Uint8Array(0),
      inPos: v.getUint32(ERR_RECORD + DECOMP_ERR_IN_POS, true),
      outPos: v.getUint32(ERR_RECORD + DECOMP_ERR_OUT_POS, true),
      value: v.getUint32(ERR_RECORD + DECOMP_ERR_VALUE, true),
    };
  }

  return { exports, memory, run };
}
