/**
 * One slot of the chunk pool: where a compressed chunk of a hibernation image waits, is decompressed and is
 * checksummed (kernel/power/swap.c: struct dec_data, one per decompression thread). The pool (chunkPool.ts) and its
 * workers (chunkWorker.ts) share this layout and this step; nothing else knows it.
 *
 * ╒═════════ slot (SLOT_BYTES, in the pool's engine memory) ═════════╕
 * │ control       SLOT.WORDS × i32 (below)                           │ +0
 * │ input         cmp_len (size_t) and the compressed bytes          │ +CONTROL_BYTES
 * │ output        up to UNC_SIZE decompressed bytes                  │ +CONTROL_BYTES + INPUT_BYTES
 * └───────────────────────────────────────────────────────────────────┘
 * ╒════ slot control (i32 words) ════╕
 * │ STATE    IDLE, WORK, DONE, EXIT  │ 0
 * │ ALGO     0 LZO, 1 LZ4            │ 1
 * │ CMP_LEN  compressed bytes        │ 2
 * │ HEADER   bytes of the cmp_len    │ 3   (8 on x86_64, 4 on i386)
 * │ RESULT   unc_len or negative code│ 4
 * │ CRC      crc32_le of the output  │ 5
 * │ SEQ      submission number       │ 6   (a worker decodes its oldest chunk first)
 * │ BELL     the worker's doorbell   │ 7   (in a worker's first slot: bumped on every submit to its slots)
 * │ ERR      the decoder's error     │ 8…10 (DECOMP_ERR_* of assembly/portable/compress.ts)
 * └───────────────────────────────────┘
 */
import * as C from "../../../assembly/portable/compress.js";
import type { EngineExports } from "../../engine/load.js";

/** Word indexes and states of a slot's control block. */
export const SLOT = {
  STATE: 0,
  ALGO: 1,
  CMP_LEN: 2,
  HEADER: 3,
  RESULT: 4,
  CRC: 5,
  SEQ: 6,
  BELL: 7,
  ERR: 8,
  WORDS: 16,
  IDLE: 0,
  WORK: 1,
  DONE: 2,
  EXIT: 3,
} as const;
export const CONTROL_BYTES = SLOT.WORDS * 4;
export const INPUT_BYTES = C.CMP_PAGES * 4096;
export const SLOT_BYTES = CONTROL_BYTES + INPUT_BYTES + C.UNC_SIZE;

/** Algorithms a slot decodes (the ALGO word). */
export const ALGO = { lzo: 0, lz4: 1 } as const;

/** What a worker is told about its slots. */
export interface ChunkWorkerData {
  /** Addresses of the control blocks of the slots it serves; the first holds its doorbell (SLOT.BELL). */
  slots: number[];
}

/**
 * decompressSlot - Decompress the chunk in the slot at @slot with the algorithm its control block names, into the
 * slot's output, and record the result: unc_len and its crc32_le (@crc), or the negative code with the decoder's
 * error record.
 */
export function decompressSlot(
  engine: EngineExports,
  memory: WebAssembly.Memory,
  slot: number,
  crc: (bytes: Uint8Array) => number,
): void {
  const ctl = new Int32Array(memory.buffer, slot, SLOT.WORDS);
  const src = slot + CONTROL_BYTES + ctl[SLOT.HEADER]!;
  const out = slot + CONTROL_BYTES + INPUT_BYTES;
  const err = slot + SLOT.ERR * 4;
  const cmpLen = ctl[SLOT.CMP_LEN]!;
  const ret =
    ctl[SLOT.ALGO] === ALGO.lz4
      ? engine.lz4DecompressSafe(src, cmpLen, out, C.UNC_SIZE, err)
      : engine.lzo1xDecompressSafe(src, cmpLen, out, C.UNC_SIZE, err);
  ctl[SLOT.RESULT] = ret;
  if (ret >= 0) ctl[SLOT.CRC] = ret === 0 ? 0 : crc(new Uint8Array(memory.buffer, out, ret)) | 0;
}
