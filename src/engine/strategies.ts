/**
 * The memory-bitmap strategies the engine implements (assembly/bitmap/): their names, and the engine's number for
 * each (BM_* of assembly/portable/layout.ts). The one table of them.
 */
import * as L from "../../assembly/portable/layout.js";

/** Strategy names, in the order the engine numbers them. */
export const BITMAP_STRATEGIES = ["flat", "bmlist", "rtree", "summary"] as const;

/** A memory-bitmap strategy: flat words, the 2006 block list, the 2014 radix tree, or the hierarchical summary. */
export type BitmapStrategy = (typeof BITMAP_STRATEGIES)[number];

/** The engine's number of each strategy (CTX_BM_KIND, BMD_KIND). */
export const STRATEGY_KIND: Readonly<Record<BitmapStrategy, number>> = {
  flat: L.BM_FLAT,
  bmlist: L.BM_BMLIST,
  rtree: L.BM_RTREE,
  summary: L.BM_SUMMARY,
};

/** isBitmapStrategy - True if @name names a strategy. */
export function isBitmapStrategy(name: unknown): name is BitmapStrategy {
  return (BITMAP_STRATEGIES as readonly unknown[]).includes(name);
}
