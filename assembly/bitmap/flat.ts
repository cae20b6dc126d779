// flat - One array of 64-bit words over [start_pfn, end_pfn); find_next_bit by ctz over the words.
//
// The simplest strategy and the baseline of the benchmark lab. Random access is one word; iteration skips zero words
// one at a time, so a sparse map costs a load per 64 PFNs. Bits past end_pfn in the last word stay 0.
//
// ╒══════════ flat storage (at BMD_STORAGE) ══════════╕
// │ words   ceil(bits / 64) × u64, bit i of the map is │ +0
// │         bit (i & 63) of word (i >> 6)              │
// └────────────────────────────────────────────────────┘
// Cursor: BMD_CUR_BIT is the next bit offset to examine. At the end of the map it stays at the end.
import { BMD_STORAGE, BMD_START_PFN, BMD_CUR_BIT, BMD_CUR_PFN, BM_END_OF_MAP } from "../portable/layout";
import { takeWord, mapBits, cursorSeek, cursorEnd, wordsFor } from "./emit";
import { storageClear } from "./storage";

// @ts-ignore: decorator
@inline function wordAddr(bm: usize, bit: u32): usize {
  return <usize>load<u32>(bm, BMD_STORAGE) + (<usize>(bit >> 6) << 3);
}

/** flatStorageSize - Bytes of storage for @bits bits. */
export function flatStorageSize(bits: u32): u32 {
  return wordsFor(bits) << 3;
}

/** flatInit - Clear every bit of a freshly created map. */
export function flatInit(bm: usize): void {
  const words = <usize>load<u32>(bm, BMD_STORAGE);
  storageClear(bm, words, words + <usize>flatStorageSize(mapBits(bm)));
}

/** flatSet - memory_bm_set_bit: one word, read and written. */
// @ts-ignore: decorator
@inline export function flatSet(bm: usize, pfn: u32): void {
  const bit = pfn - load<u32>(bm, BMD_START_PFN);
  const w = wordAddr(bm, bit);
  store<u64>(w, load<u64>(w) | (<u64>1 << <u64>(bit & 63)));
}

/** flatClear - memory_bm_clear_bit. */
// @ts-ignore: decorator
@inline export function flatClear(bm: usize, pfn: u32): void {
  const bit = pfn - load<u32>(bm, BMD_START_PFN);
  const w = wordAddr(bm, bit);
  store<u64>(w, load<u64>(w) & ~(<u64>1 << <u64>(bit & 63)));
}

/** flatTest - memory_bm_test_bit. */
// @ts-ignore: decorator
@inline export function flatTest(bm: usize, pfn: u32): bool {
  const bit = pfn - load<u32>(bm, BMD_START_PFN);
  return ((load<u64>(wordAddr(bm, bit)) >> <u64>(bit & 63)) & 1) != 0;
}

/**
 * flatNextPfn - memory_bm_next_pfn for the flat map.
 *
 * Returns the PFN of the first set bit at or after the cursor and moves the cursor past it. At the end of the map
 * the cursor stays at the end and BM_END_OF_MAP is returned until memory_bm_position_reset(), as with the radix tree.
 */
export function flatNextPfn(bm: usize): u32 {
  const n = mapBits(bm);
  let bit = load<u32>(bm, BMD_CUR_BIT);
  if (bit >= n) {
    store<u32>(bm, BM_END_OF_MAP, BMD_CUR_PFN);
    return BM_END_OF_MAP;
  }
  const storage = <usize>load<u32>(bm, BMD_STORAGE);
  const nwords = wordsFor(n);
  let idx = bit >> 6;
  let w = load<u64>(storage + (<usize>idx << 3)) & (<u64>-1 << <u64>(bit & 63));
  while (w == 0) {
    if (++idx >= nwords) {
      cursorEnd(bm);
      return BM_END_OF_MAP;
    }
    w = load<u64>(storage + (<usize>idx << 3));
  }
  bit = (idx << 6) + <u32>ctz(w);
  const pfn = load<u32>(bm, BMD_START_PFN) + bit;
  store<u32>(bm, bit + 1, BMD_CUR_BIT);
  store<u32>(bm, pfn, BMD_CUR_PFN);
  return pfn;
}

/** flatSeek - Put the cursor on @pfn: the next flatNextPfn() returns the first set bit at or after it. */
export function flatSeek(bm: usize, pfn: u32): void {
  cursorSeek(bm, pfn);
}

/** flatPositionEnd - Leave the cursor where flatNextPfn() leaves it after returning BM_END_OF_MAP. */
export function flatPositionEnd(bm: usize): void {
  cursorEnd(bm);
}

/** flatCount - Number of set bits. */
export function flatCount(bm: usize): u32 {
  const storage = <usize>load<u32>(bm, BMD_STORAGE);
  const nwords = wordsFor(mapBits(bm));
  let count: u64 = 0;
  for (let i: u32 = 0; i < nwords; i++) count += popcnt(load<u64>(storage + (<usize>i << 3)));
  return <u32>count;
}

/** flatOr - Set in @dst every bit set in @src; both flat maps over the same PFN range. */
export function flatOr(dst: usize, src: usize): void {
  const d = <usize>load<u32>(dst, BMD_STORAGE);
  const s = <usize>load<u32>(src, BMD_STORAGE);
  const nwords = wordsFor(mapBits(src));
  for (let i: u32 = 0; i < nwords; i++) {
    const o = <usize>i << 3;
    store<u64>(d + o, load<u64>(d + o) | load<u64>(s + o));
  }
}

/** flatSetMany - Set the bits of the @n PFNs (u32) at @pfns. */
export function flatSetMany(bm: usize, pfns: usize, n: u32): void {
  const storage = <usize>load<u32>(bm, BMD_STORAGE);
  const start = load<u32>(bm, BMD_START_PFN);
  const end = <usize>pfns + (<usize>n << 2);
  for (let p = pfns; p < end; p += 4) {
    const bit = load<u32>(p) - start;
    const w = storage + (<usize>(bit >> 6) << 3);
    store<u64>(w, load<u64>(w) | (<u64>1 << <u64>(bit & 63)));
  }
}

/** flatClearMany - Clear the bits of the @n PFNs (u32) at @pfns. */
export function flatClearMany(bm: usize, pfns: usize, n: u32): void {
  const storage = <usize>load<u32>(bm, BMD_STORAGE);
  const start = load<u32>(bm, BMD_START_PFN);
  const end = <usize>pfns + (<usize>n << 2);
  for (let p = pfns; p < end; p += 4) {
    const bit = load<u32>(p) - start;
    const w = storage + (<usize>(bit >> 6) << 3);
    store<u64>(w, load<u64>(w) & ~(<u64>1 << <u64>(bit & 63)));
  }
}

/** flatTestMany - Test the @n PFNs at @pfns; write one byte (0/1) per PFN to @out unless it is 0. Returns the hits. */
export function flatTestMany(bm: usize, pfns: usize, n: u32, out: usize): u32 {
  const storage = <usize>load<u32>(bm, BMD_STORAGE);
  const start = load<u32>(bm, BMD_START_PFN);
  const end = pfns + (<usize>n << 2);
  let hits: u32 = 0;
  if (out == 0) {
    for (let p = pfns; p < end; p += 4) {
      const bit = load<u32>(p) - start;
      hits += <u32>(load<u64>(storage + (<usize>(bit >> 6) << 3)) >> <u64>(bit & 63)) & 1;
    }
    return hits;
  }
  for (let p = pfns, o = out; p < end; p += 4, o++) {
    const bit = load<u32>(p) - start;
    const b = <u32>(load<u64>(storage + (<usize>(bit >> 6) << 3)) >> <u64>(bit & 63)) & 1;
    hits += b;
    store<u8>(o, <u8>b);
  }
  return hits;
}

/**
 * flatNextMany - memory_bm_next_pfn until it returns BM_END_OF_MAP or @cap PFNs were found; each is written to @out
 * unless it is 0. Returns the number found; fewer than @cap means the end of the map was reached.
 * Each word goes through takeWord(): whole while there is room for 64 PFNs; without @out, words are counted.
 */
export function flatNextMany(bm: usize, out: usize, cap: u32): u32 {
  const n = mapBits(bm);
  const from = load<u32>(bm, BMD_CUR_BIT);
  if (cap == 0) return 0;
  if (from >= n) {
    store<u32>(bm, BM_END_OF_MAP, BMD_CUR_PFN);
    return 0;
  }
  const storage = <usize>load<u32>(bm, BMD_STORAGE);
  const start = load<u32>(bm, BMD_START_PFN);
  const nwords = wordsFor(n);
  let idx = from >> 6;
  let w = load<u64>(storage + (<usize>idx << 3)) & (<u64>-1 << <u64>(from & 63));
  let count: u32 = 0;
  for (;;) {
    count = takeWord(bm, out, count, cap, w, idx, start);
    if (count == cap) return count;
    if (++idx >= nwords) break;
    w = load<u64>(storage + (<usize>idx << 3));
  }
  flatPositionEnd(bm);
  return count;
}

/** flatCheck - 0 if no bit past the end of the map is set, else 1. */
export function flatCheck(bm: usize): u32 {
  const n = mapBits(bm);
  if ((n & 63) == 0) return 0;
  return (load<u64>(wordAddr(bm, n - 1)) >> <u64>(n & 63)) != 0 ? 1 : 0;
}
