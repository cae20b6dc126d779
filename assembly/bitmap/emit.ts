// Writing the set bits of one 64-bit word as PFNs: the inner loop of every strategy's memory_bm_next_pfns.
import { BMD_CUR_BIT, BMD_CUR_PFN, BMD_START_PFN, BMD_END_PFN, BM_END_OF_MAP } from "../portable/layout";

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

/** wordsFor - u64 words that hold @bits bits (no u32 overflow for maps of nearly 2^32 PFNs). */
// @ts-ignore: decorator
@inline export function wordsFor(bits: u32): u32 {
  return <u32>((<u64>bits + 63) >> 6);
}

/** mapBits - Number of bits of a word-array map (flat or summary): one per PFN of its range. */
// @ts-ignore: decorator
@inline export function mapBits(bm: usize): u32 {
  return load<u32>(bm, BMD_END_PFN) - load<u32>(bm, BMD_START_PFN);
}

/** cursorSeek - Put the cursor of word-array map @bm on @pfn: the next walk starts at the first set bit from @pfn. */
// @ts-ignore: decorator
@inline export function cursorSeek(bm: usize, pfn: u32): void {
  const start = load<u32>(bm, BMD_START_PFN);
  const n = mapBits(bm);
  const bit = pfn < start ? <u32>0 : pfn - start;
  store<u32>(bm, bit < n ? bit : n, BMD_CUR_BIT);
  store<u32>(bm, BM_END_OF_MAP, BMD_CUR_PFN);
}

/** cursorEnd - Leave the cursor of word-array map @bm where a walk leaves it after returning BM_END_OF_MAP. */
// @ts-ignore: decorator
@inline export function cursorEnd(bm: usize): void {
  store<u32>(bm, mapBits(bm), BMD_CUR_BIT);
  store<u32>(bm, BM_END_OF_MAP, BMD_CUR_PFN);
}

// @ts-ignore: decorator
@inline function stopAt(bm: usize, bit: u32, start: u32): void {
  store<u32>(bm, bit + 1, BMD_CUR_BIT);
  store<u32>(bm, start + bit, BMD_CUR_PFN);
}

/**
 * takeWord - Take the set bits of word @idx (value @w) of a word-array map starting at PFN @start: written to @out
 * (counted only when @out is 0) from index @count, up to @cap in all. Returns the new count; when it reaches @cap the
 * cursor of @bm is left just past the last bit taken, as memory_bm_next_pfn would leave it.
 */
// @ts-ignore: decorator
@inline export function takeWord(bm: usize, out: usize, count: u32, cap: u32, w: u64, idx: u32, start: u32): u32 {
  if (out != 0 && cap - count >= 64) {
    count = emitWord(out, count, w, start + (idx << 6));
    if (count == cap) stopAt(bm, (idx << 6) + topBit(w), start);
  } else if (out != 0) {
    while (w != 0) {
      const bit = (idx << 6) + <u32>ctz(w);
      store<u32>(out + (<usize>count << 2), start + bit);
      w &= w - 1;
      if (++count == cap) {
        stopAt(bm, bit, start);
        break;
      }
    }
  } else {
    const c = <u32>popcnt(w);
    if (count + c >= cap) {
      for (let k = cap - count; k > 1; k--) w &= w - 1;
      stopAt(bm, (idx << 6) + <u32>ctz(w), start);
      count = cap;
    } else count += c;
  }
  return count;
}
