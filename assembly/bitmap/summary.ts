// summary - A hierarchical bitmap: the flat words, and above them one summary bit per non-zero word, recursively.
//
// Level 0 is the flat map (bit i of the map = bit i & 63 of word i >> 6). Level k + 1 has one bit per word of level
// k, set exactly when that word is non-zero, and the top level is a single word. set and clear keep every level
// exact: a word that turns non-zero (or zero) flips its summary bit, and the change climbs only while words keep
// turning. The next set bit from any position costs one masked word per level going up until a level has a set bit
// at or after the position, then one ctz per level coming down: O(log64 n) plus the bits visited, so a sparse map is
// crossed without loading its zero words. The summary levels add 1/64 + 1/4096 + ... ≈ 1.6 % to the flat words.
//
// Cursor: BMD_CUR_BIT is the next bit offset to examine; at the end of the map it stays at the end (as flat and the
// radix tree do) until a reset.
//
// ╒══════════════ summary storage (at BMD_STORAGE) ══════════════╕
// │ nr_levels    levels, 1 (a single word) to MAX_LEVELS        │ +0   HDR_NR_LEVELS
// │ used         bytes of storage in use                        │ +4   HDR_USED
// │ level        MAX_LEVELS × u32: address of each level's words│ +8   HDR_LEVEL
// │ words        MAX_LEVELS × u32: u64 words in each level      │ +40  HDR_WORDS
// │ level 0 words, 64-byte aligned, then level 1, 2, ... top     │ level[0]
// └──────────────────────────────────────────────────────────────┘
import {
  BMD_STORAGE, BMD_START_PFN, BMD_CUR_BIT, BMD_CUR_PFN, BM_END_OF_MAP, CTX_BM_STORAGE_SIZE,
} from "../portable/layout";
import { ctx32, DEBUG } from "../common";
import { takeWord, mapBits, cursorSeek, cursorEnd } from "./emit";
import { storageClear } from "./storage";

// @ts-ignore: decorator
@inline const HDR_NR_LEVELS: usize = 0;
// @ts-ignore: decorator
@inline const HDR_USED: usize = 4;
// @ts-ignore: decorator
@inline const HDR_LEVEL: usize = 8;
// @ts-ignore: decorator
@inline const HDR_WORDS: usize = 40;
// @ts-ignore: decorator
@inline const HDR_SIZE: u32 = 72;
/** 2^32 bits need 6 levels (2^26, 2^20, 2^14, 2^8, 4, 1 words). */
// @ts-ignore: decorator
@inline const MAX_LEVELS: u32 = 8;
// @ts-ignore: decorator
@inline const NONE: u32 = 0xffffffff;

// @ts-ignore: decorator
@inline function storageOf(bm: usize): usize {
  return <usize>load<u32>(bm, BMD_STORAGE);
}

// @ts-ignore: decorator
@inline function levelAddr(s: usize, k: u32): usize {
  return <usize>load<u32>(s + HDR_LEVEL + (<usize>k << 2));
}

// @ts-ignore: decorator
@inline function levelWords(s: usize, k: u32): u32 {
  return load<u32>(s + HDR_WORDS + (<usize>k << 2));
}

/** summaryStorageBytes - Storage bytes for @bits bits: the header, alignment and every level's words. */
export function summaryStorageBytes(bits: u32): u64 {
  let words = (<u64>bits + 63) >> 6;
  let total = words;
  while (words > 1) {
    words = (words + 63) >> 6;
    total += words;
  }
  return <u64>HDR_SIZE + 64 + (total << 3);
}

/** summaryStorageUsed - Bytes of the slot's storage this map takes. */
export function summaryStorageUsed(bm: usize): u32 {
  return load<u32>(storageOf(bm), HDR_USED);
}

/** summaryInit - Lay out the levels over the map's bits, all clear. */
export function summaryInit(bm: usize): void {
  const s = storageOf(bm);
  memory.fill(s, 0, <usize>HDR_SIZE);
  let words = (mapBits(bm) + 63) >> 6;
  let at = (s + <usize>HDR_SIZE + 63) & ~<usize>63;
  const first = at;
  let k: u32 = 0;
  for (;;) {
    if (DEBUG) assert(k < MAX_LEVELS, "summary: too many levels");
    store<u32>(s + HDR_LEVEL + (<usize>k << 2), <u32>at);
    store<u32>(s + HDR_WORDS + (<usize>k << 2), words);
    at += <usize>words << 3;
    k++;
    if (words <= 1) break;
    words = (words + 63) >> 6;
  }
  const used = at - s;
  const room = <usize>ctx32(CTX_BM_STORAGE_SIZE);
  if (DEBUG) assert(used <= room || room == 0, "summary: storage too small");
  store<u32>(s, k, HDR_NR_LEVELS);
  store<u32>(s, <u32>used, HDR_USED);
  storageClear(bm, first, at);
}

// @ts-ignore: decorator
@inline function setBit(s: usize, l0: usize, bit: u32): void {
  const a = l0 + (<usize>(bit >> 6) << 3);
  const old = load<u64>(a);
  store<u64>(a, old | (<u64>1 << <u64>(bit & 63)));
  if (old == 0) {
    const nl = load<u32>(s, HDR_NR_LEVELS);
    let i = bit >> 6;
    for (let k: u32 = 1; k < nl; k++) {
      const ak = levelAddr(s, k) + (<usize>(i >> 6) << 3);
      const o = load<u64>(ak);
      store<u64>(ak, o | (<u64>1 << <u64>(i & 63)));
      if (o != 0) break;
      i >>= 6;
    }
  }
}

// @ts-ignore: decorator
@inline function clearBit(s: usize, l0: usize, bit: u32): void {
  const a = l0 + (<usize>(bit >> 6) << 3);
  const old = load<u64>(a);
  const now = old & ~(<u64>1 << <u64>(bit & 63));
  store<u64>(a, now);
  if (now == 0 && old != 0) {
    const nl = load<u32>(s, HDR_NR_LEVELS);
    let i = bit >> 6;
    for (let k: u32 = 1; k < nl; k++) {
      const ak = levelAddr(s, k) + (<usize>(i >> 6) << 3);
      const o = load<u64>(ak) & ~(<u64>1 << <u64>(i & 63));
      store<u64>(ak, o);
      if (o != 0) break;
      i >>= 6;
    }
  }
}

/** summarySet - memory_bm_set_bit. */
export function summarySet(bm: usize, pfn: u32): void {
  const s = storageOf(bm);
  setBit(s, levelAddr(s, 0), pfn - load<u32>(bm, BMD_START_PFN));
}

/** summaryClear - memory_bm_clear_bit. */
export function summaryClear(bm: usize, pfn: u32): void {
  const s = storageOf(bm);
  clearBit(s, levelAddr(s, 0), pfn - load<u32>(bm, BMD_START_PFN));
}

/** summaryTest - memory_bm_test_bit: level 0 only. */
export function summaryTest(bm: usize, pfn: u32): bool {
  const bit = pfn - load<u32>(bm, BMD_START_PFN);
  return ((load<u64>(levelAddr(storageOf(bm), 0) + (<usize>(bit >> 6) << 3)) >> <u64>(bit & 63)) & 1) != 0;
}

/** summarySetMany - memory_bm_set_bit for each of the @n PFNs at @pfns. */
export function summarySetMany(bm: usize, pfns: usize, n: u32): void {
  const s = storageOf(bm);
  const l0 = levelAddr(s, 0);
  const start = load<u32>(bm, BMD_START_PFN);
  const end = pfns + (<usize>n << 2);
  for (let p = pfns; p < end; p += 4) setBit(s, l0, load<u32>(p) - start);
}

/** summaryClearMany - memory_bm_clear_bit for each of the @n PFNs at @pfns. */
export function summaryClearMany(bm: usize, pfns: usize, n: u32): void {
  const s = storageOf(bm);
  const l0 = levelAddr(s, 0);
  const start = load<u32>(bm, BMD_START_PFN);
  const end = pfns + (<usize>n << 2);
  for (let p = pfns; p < end; p += 4) clearBit(s, l0, load<u32>(p) - start);
}

/** summaryTestMany - memory_bm_test_bit for each of the @n PFNs at @pfns; bytes to @out unless 0. Returns hits. */
export function summaryTestMany(bm: usize, pfns: usize, n: u32, out: usize): u32 {
  const l0 = levelAddr(storageOf(bm), 0);
  const start = load<u32>(bm, BMD_START_PFN);
  let hits: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const bit = load<u32>(pfns + (<usize>i << 2)) - start;
    const b = <u32>(load<u64>(l0 + (<usize>(bit >> 6) << 3)) >> <u64>(bit & 63)) & 1;
    hits += b;
    if (out != 0) store<u8>(out + <usize>i, <u8>b);
  }
  return hits;
}

/**
 * summaryFind - The first set bit of level 0 at or after bit @pos of level @level (NONE if there is none).
 *
 * Going up, each level looks at one word, masked below @pos; a miss moves to the next word's summary bit one level
 * higher. The first hit comes down one ctz per level to level 0.
 */
function summaryFind(s: usize, level: u32, pos: u32): u32 {
  const nl = load<u32>(s, HDR_NR_LEVELS);
  let k = level;
  let p = pos;
  for (;;) {
    const idx = p >> 6;
    if (idx >= levelWords(s, k)) return NONE;
    const w = load<u64>(levelAddr(s, k) + (<usize>idx << 3)) & (<u64>-1 << <u64>(p & 63));
    if (w != 0) {
      let found = (idx << 6) + <u32>ctz(w);
      while (k > 0) {
        k--;
        found = (found << 6) + <u32>ctz(load<u64>(levelAddr(s, k) + (<usize>found << 3)));
      }
      return found;
    }
    if (++k >= nl) return NONE;
    p = idx + 1;
  }
  return NONE;
}

/**
 * summaryNextMany - memory_bm_next_pfn until it returns BM_END_OF_MAP or @cap PFNs were found; each is written to
 * @out unless it is 0. Returns the number found; fewer than @cap means the end of the map was reached.
 *
 * Only non-zero words of level 0 are visited: the next one comes from the level-1 word (one load, one ctz), or from
 * summaryFind() when that word has nothing further; its bits go out through takeWord().
 */
export function summaryNextMany(bm: usize, out: usize, cap: u32): u32 {
  if (cap == 0) return 0;
  const n = mapBits(bm);
  const from = load<u32>(bm, BMD_CUR_BIT);
  if (from >= n) {
    store<u32>(bm, BM_END_OF_MAP, BMD_CUR_PFN);
    return 0;
  }
  const s = storageOf(bm);
  const l0 = levelAddr(s, 0);
  const l1 = levelAddr(s, 1);
  const single = load<u32>(s, HDR_NR_LEVELS) == 1;
  const start = load<u32>(bm, BMD_START_PFN);
  let idx = from >> 6;
  let w = load<u64>(l0 + (<usize>idx << 3)) & (<u64>-1 << <u64>(from & 63));
  let count: u32 = 0;
  for (;;) {
    if (w != 0) {
      count = takeWord(bm, out, count, cap, w, idx, start);
      if (count == cap) return count;
    }
    if (single) break;
    const j = idx + 1;
    const m = load<u64>(l1 + (<usize>(j >> 6) << 3)) & (<u64>-1 << <u64>(j & 63));
    if (m != 0 && (j & 63) != 0) {
      idx = (j & ~63) + <u32>ctz(m);
    } else {
      const next = summaryFind(s, 1, j);
      if (next == NONE) break;
      idx = next >> 6;
    }
    w = load<u64>(l0 + (<usize>idx << 3));
  }
  summaryPositionEnd(bm);
  return count;
}

/** summaryNextPfn - memory_bm_next_pfn; at the end the cursor stays at the end until a reset. */
export function summaryNextPfn(bm: usize): u32 {
  const n = mapBits(bm);
  const from = load<u32>(bm, BMD_CUR_BIT);
  const bit = from < n ? summaryFind(storageOf(bm), 0, from) : NONE;
  if (bit == NONE) {
    summaryPositionEnd(bm);
    return BM_END_OF_MAP;
  }
  const pfn = load<u32>(bm, BMD_START_PFN) + bit;
  store<u32>(bm, bit + 1, BMD_CUR_BIT);
  store<u32>(bm, pfn, BMD_CUR_PFN);
  return pfn;
}

/** summarySeek - Put the cursor on @pfn: the next summaryNextPfn() returns the first set bit at or after it. */
export function summarySeek(bm: usize, pfn: u32): void {
  cursorSeek(bm, pfn);
}

/** summaryPositionEnd - Leave the cursor where summaryNextPfn() leaves it after returning BM_END_OF_MAP. */
export function summaryPositionEnd(bm: usize): void {
  cursorEnd(bm);
}

/** summarySeekMany - For each of the @n PFNs at @pos, seek and take the next set bit; results to @out unless 0. */
export function summarySeekMany(bm: usize, pos: usize, n: u32, out: usize): u32 {
  const s = storageOf(bm);
  const start = load<u32>(bm, BMD_START_PFN);
  const nb = mapBits(bm);
  let found: u32 = 0;
  let last = NONE;
  for (let i: u32 = 0; i < n; i++) {
    const p = load<u32>(pos + (<usize>i << 2));
    const from = p < start ? <u32>0 : p - start;
    const bit = from < nb ? summaryFind(s, 0, from) : NONE;
    if (bit != NONE) found++;
    last = bit;
    if (out != 0) store<u32>(out + (<usize>i << 2), bit == NONE ? BM_END_OF_MAP : start + bit);
  }
  if (n > 0) {
    if (last == NONE) summaryPositionEnd(bm);
    else {
      store<u32>(bm, last + 1, BMD_CUR_BIT);
      store<u32>(bm, start + last, BMD_CUR_PFN);
    }
  }
  return found;
}

/** summaryCount - Set bits of level 0. */
export function summaryCount(bm: usize): u32 {
  const s = storageOf(bm);
  const l0 = levelAddr(s, 0);
  const words = levelWords(s, 0);
  let count: u64 = 0;
  for (let i: u32 = 0; i < words; i++) count += popcnt(load<u64>(l0 + (<usize>i << 3)));
  return <u32>count;
}

/**
 * summaryOr - OR every level of @src into @dst (same number of bits). The summaries stay exact: a word of the OR is
 * non-zero exactly when one of the two words is.
 */
export function summaryOr(dst: usize, src: usize): void {
  const ss = storageOf(src);
  const sd = storageOf(dst);
  const s = levelAddr(ss, 0);
  const d = levelAddr(sd, 0);
  const nl = load<u32>(ss, HDR_NR_LEVELS);
  const same = nl == load<u32>(sd, HDR_NR_LEVELS) && levelWords(ss, 0) == levelWords(sd, 0);
  if (DEBUG) assert(same, "summary: layouts differ");
  let words: usize = 0;
  for (let k: u32 = 0; k < nl; k++) words += <usize>levelWords(ss, k);
  const bytes = words << 3;
  for (let o: usize = 0; o < bytes; o += 8) store<u64>(d + o, load<u64>(d + o) | load<u64>(s + o));
}

/**
 * summaryCheck - 0 if every summary bit is exactly "the word below is non-zero" and no bit past the map is set; else
 * the level (1-based) where the first violation lies.
 */
export function summaryCheck(bm: usize): u32 {
  const s = storageOf(bm);
  const n = mapBits(bm);
  const l0 = levelAddr(s, 0);
  const words0 = levelWords(s, 0);
  if ((n & 63) != 0 && (load<u64>(l0 + (<usize>(words0 - 1) << 3)) >> <u64>(n & 63)) != 0) return 1;
  const nl = load<u32>(s, HDR_NR_LEVELS);
  for (let k: u32 = 1; k < nl; k++) {
    const below = levelAddr(s, k - 1);
    const here = levelAddr(s, k);
    const wordsBelow = levelWords(s, k - 1);
    const words = levelWords(s, k);
    for (let i: u32 = 0; i < words; i++) {
      const w = load<u64>(here + (<usize>i << 3));
      for (let b: u32 = 0; b < 64; b++) {
        const j = (i << 6) + b;
        const expect = j < wordsBelow && load<u64>(below + (<usize>j << 3)) != 0;
        if ((((w >> <u64>b) & 1) != 0) != expect) return k + 1;
      }
    }
  }
  if (levelWords(s, nl - 1) != 1) return 100;
  return 0;
}
