// Bulk entry points of the bitmap interface: one call per PFN array, one strategy dispatch per call.
//
// Each is exactly a loop of the kernel operation it names (same bits, same cursor and lookup state afterwards); the
// loop runs inside the engine, over the strategy's own structure, so the host crosses the boundary once per batch as
// DESIGN.md asks. The benchmark lab measures the strategies through these, and the per-call exports of calls.ts for
// comparison.
import { BMD_KIND, BM_FLAT, BM_BMLIST, BM_RTREE, BM_END_OF_MAP } from "../portable/layout";
import { DEBUG } from "../common";
import { memoryBmPfnPresent, memoryBmPositionReset } from "./bitmap";
import { flatSetMany, flatClearMany, flatTestMany, flatNextMany, flatSeek, flatNextPfn } from "./flat";
import { bmlistSetMany, bmlistClearMany, bmlistTestMany, bmlistNextMany, bmlistSeek, bmlistNextPfn } from "./bmlist";
import { rtreeSetMany, rtreeClearMany, rtreeTestMany, rtreeNextMany, rtreeSeek, rtreeNextPfn } from "./rtree";
import { summarySetMany, summaryClearMany, summaryTestMany, summaryNextMany, summarySeekMany } from "./summary";

function checkPfns(bm: usize, pfns: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    const pfn = load<u32>(pfns + (<usize>i << 2));
    assert(memoryBmPfnPresent(bm, pfn), "memory bitmap bulk call: PFN outside the bitmap");
  }
}

/** memory_bm_set_bits - memory_bm_set_bit for each of the @n PFNs (u32) at @pfns, in order. */
export function memoryBmSetBits(bm: usize, pfns: usize, n: u32): void {
  if (DEBUG) checkPfns(bm, pfns, n);
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_FLAT: flatSetMany(bm, pfns, n); break;
    case BM_BMLIST: bmlistSetMany(bm, pfns, n); break;
    case BM_RTREE: rtreeSetMany(bm, pfns, n); break;
    default: summarySetMany(bm, pfns, n);
  }
}

/** memory_bm_clear_bits - memory_bm_clear_bit for each of the @n PFNs (u32) at @pfns, in order. */
export function memoryBmClearBits(bm: usize, pfns: usize, n: u32): void {
  if (DEBUG) checkPfns(bm, pfns, n);
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_FLAT: flatClearMany(bm, pfns, n); break;
    case BM_BMLIST: bmlistClearMany(bm, pfns, n); break;
    case BM_RTREE: rtreeClearMany(bm, pfns, n); break;
    default: summaryClearMany(bm, pfns, n);
  }
}

/**
 * memory_bm_test_bits - memory_bm_test_bit for each of the @n PFNs (u32) at @pfns, in order.
 * @out: 0, or @n bytes that receive 1 for a set bit and 0 for a clear one.
 *
 * Returns how many of the bits are set.
 */
export function memoryBmTestBits(bm: usize, pfns: usize, n: u32, out: usize): u32 {
  if (DEBUG) checkPfns(bm, pfns, n);
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_FLAT: return flatTestMany(bm, pfns, n, out);
    case BM_BMLIST: return bmlistTestMany(bm, pfns, n, out);
    case BM_RTREE: return rtreeTestMany(bm, pfns, n, out);
    default: return summaryTestMany(bm, pfns, n, out);
  }
}

/**
 * memory_bm_next_pfns - memory_bm_next_pfn until it returns BM_END_OF_MAP or @cap PFNs have been found.
 * @out: 0, or room for @cap u32 PFNs.
 *
 * Returns how many were found; fewer than @cap means the end of the map was reached (with each strategy's end
 * behaviour: bmlist has then reset its cursor).
 */
export function memoryBmNextPfns(bm: usize, out: usize, cap: u32): u32 {
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_FLAT: return flatNextMany(bm, out, cap);
    case BM_BMLIST: return bmlistNextMany(bm, out, cap);
    case BM_RTREE: return rtreeNextMany(bm, out, cap);
    default: return summaryNextMany(bm, out, cap);
  }
}

/**
 * memory_bm_walk - Reset the cursor and take every set bit in ascending order until BM_END_OF_MAP.
 * @out: 0, or room for @cap u32 PFNs: the first @cap PFNs are written there.
 *
 * Returns the number of set bits.
 */
export function memoryBmWalk(bm: usize, out: usize, cap: u32): u32 {
  memoryBmPositionReset(bm);
  const first = out != 0 ? memoryBmNextPfns(bm, out, cap) : 0;
  if (out != 0 && first < cap) return first;
  return first + memoryBmNextPfns(bm, 0, 0xffffffff);
}

/**
 * memory_bm_seek_pfns - For each of the @n PFNs (u32) at @pos, memoryBmSeek() to it and memory_bm_next_pfn(): the
 * first set bit at or after it.
 * @out: 0, or room for @n u32 results (BM_END_OF_MAP where there is none).
 *
 * Returns how many positions had a set bit at or after them.
 */
export function memoryBmSeekPfns(bm: usize, pos: usize, n: u32, out: usize): u32 {
  let found: u32 = 0;
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_FLAT:
      for (let i: u32 = 0; i < n; i++) {
        flatSeek(bm, load<u32>(pos + (<usize>i << 2)));
        const pfn = flatNextPfn(bm);
        if (pfn != BM_END_OF_MAP) found++;
        if (out != 0) store<u32>(out + (<usize>i << 2), pfn);
      }
      break;
    case BM_BMLIST:
      for (let i: u32 = 0; i < n; i++) {
        bmlistSeek(bm, load<u32>(pos + (<usize>i << 2)));
        const pfn = bmlistNextPfn(bm);
        if (pfn != BM_END_OF_MAP) found++;
        if (out != 0) store<u32>(out + (<usize>i << 2), pfn);
      }
      break;
    case BM_RTREE:
      for (let i: u32 = 0; i < n; i++) {
        rtreeSeek(bm, load<u32>(pos + (<usize>i << 2)));
        const pfn = rtreeNextPfn(bm);
        if (pfn != BM_END_OF_MAP) found++;
        if (out != 0) store<u32>(out + (<usize>i << 2), pfn);
      }
      break;
    default:
      found = summarySeekMany(bm, pos, n, out);
  }
  return found;
}
