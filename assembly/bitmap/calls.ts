// One-call-per-bit exports of the bitmap interface, for tests and for the benchmark lab's per-call figures. The
// engine itself never crosses the boundary per bit.
import {
  memoryBmSetBit, memoryBmClearBit, memoryBmTestBit, memoryBmNextPfn, memoryBmClearCurrent, memoryBmGetCurrent,
  memoryBmSeek,
} from "./bitmap";

/** memory_bm_set_bit, exported. */
export function bmSetBit(bm: usize, pfn: u32): void {
  memoryBmSetBit(bm, pfn);
}

/** memory_bm_clear_bit, exported. */
export function bmClearBit(bm: usize, pfn: u32): void {
  memoryBmClearBit(bm, pfn);
}

/** memory_bm_test_bit, exported. */
export function bmTestBit(bm: usize, pfn: u32): bool {
  return memoryBmTestBit(bm, pfn);
}

/** memory_bm_next_pfn, exported. */
export function bmNextPfn(bm: usize): u32 {
  return memoryBmNextPfn(bm);
}

/** memory_bm_clear_current, exported. */
export function bmClearCurrent(bm: usize): void {
  memoryBmClearCurrent(bm);
}

/** memory_bm_get_current, exported. */
export function bmGetCurrent(bm: usize): u32 {
  return memoryBmGetCurrent(bm);
}

/** memoryBmSeek, exported: put the cursor on @pfn. */
export function bmSeek(bm: usize, pfn: u32): void {
  memoryBmSeek(bm, pfn);
}
