/**
 * Shared pieces of the bitmap tests: the strategies, labs of a given geometry, and the expected answers from a sorted
 * JS model.
 */

import { BM_END_OF_MAP } from "../../assembly/portable/layout.js";
import { type Bitmap, BitmapArena } from "../../src/bitmap/index.js";
import { BITMAP_STRATEGIES } from "../../src/engine/strategies.js";
import type { BitmapStrategy } from "../../src/machine/config.js";

export const STRATEGIES: readonly BitmapStrategy[] = BITMAP_STRATEGIES;
export const END = BM_END_OF_MAP;

/** A lab geometry: PFNs, page size, zone boundaries. */
export interface Geometry {
  pfns: number;
  pageSize: number;
  dmaEndPfn: number;
  highmemStartPfn: number;
}

/** lab - A small lab (debug engine under vitest) for @g. */
export function lab(g: Geometry, slots = 3): Promise<BitmapArena> {
  return BitmapArena.create({
    pfns: g.pfns,
    pageSize: g.pageSize,
    zones: { dmaEndPfn: g.dmaEndPfn, highmemStartPfn: g.highmemStartPfn },
    slots,
    scratchBytes: 1 << 20,
  });
}

/** iterate - memory_bm_next_pfn from the cursor until BM_END_OF_MAP, one call at a time. */
export function iterate(bm: Bitmap): number[] {
  const out: number[] = [];
  for (let pfn = bm.next(); pfn !== END; pfn = bm.next()) out.push(pfn);
  return out;
}

/** sorted - The members of @set, ascending. */
export function sorted(set: Iterable<number>): number[] {
  return [...set].sort((a, b) => a - b);
}

/** firstAtOrAfter - The first member of ascending @values at or after @pfn, or END. */
export function firstAtOrAfter(values: readonly number[], pfn: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < pfn) lo = mid + 1;
    else hi = mid;
  }
  return lo < values.length ? values[lo]! : END;
}

/** How each strategy ends an iteration (kernel/power/snapshot.c: struct bm_block (v2.6.19), memory_bm_next_pfn()). */
export const END_BEHAVIOUR: Record<BitmapStrategy, "stays" | "wraps"> = {
  flat: "stays",
  bmlist: "wraps",
  rtree: "stays",
  summary: "stays",
};
