// Writing the set bits of one 64-bit word as PFNs: the inner loop of every strategy's memory_bm_next_pfns.

/**
 * emitWord - Write base + i for each set bit i of @w, ascending, to the u32 array @out from index @count; returns
 * the new count. The caller guarantees room for 64 more.
 *
 * The lowest bit is written whether or not @w has one (a zero word writes a slot that the next PFN overwrites and is
 * not counted), and only a word with more bits loops: at low density most words hold no bit or one, and the branch
 * on that, not the work, is what a walk would pay for.
 */
// @ts-ignore: decorator
@inline export function emitWord(out: usize, count: u32, w: u64, base: u32): u32 {
  store<u32>(out + (<usize>count << 2), base + <u32>ctz(w));
  count += <u32>(w != 0);
  w &= w - 1;
  while (w != 0) {
    store<u32>(out + (<usize>count << 2), base + <u32>ctz(w));
    count++;
    w &= w - 1;
  }
  return count;
}

/** topBit - Index of the highest set bit of @w, which must not be zero. */
// @ts-ignore: decorator
@inline export function topBit(w: u64): u32 {
  return 63 - <u32>clz(w);
}
