// Placement-only machines: frames with no memory behind them, up to 2^32 - 1 PFNs, so that the phases, bitmaps,
// metadata and PBE chain of machines of many terabytes can be simulated (the 2014 12 TB case).
//
// Nothing here may walk the machine one JavaScript call per frame: the boot kernel's footprint and the image's PFNs
// are drawn here, in one pass over the usable frames (outside holes and nosave regions), with a seeded generator.
import {
  CTX_NR_FRAMES, CTX_USED_MAP, CTX_HIGHMEM_START_PFN, CTX_NR_FREE_LOW, CTX_NR_FREE_HIGH, CTX_NR_HOLES, CTX_NR_NOSAVE,
  HOLES_START, NOSAVE_START, RANGE_SIZE, PFN_ENTRY_SIZE, ERR_WHAT_COUNT,
} from "../portable/layout";
import { ENOSPC } from "../portable/errno";
import { ENTRY_ZERO } from "../pfnEntry";
import { ctx32, setCtx32, fail } from "../common";


let rng: u64 = 1;

// @ts-ignore: decorator
@inline function next64(): u64 {
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 0x2545f4914f6cdd1d;
}

function seedRng(seed: u64): void {
  rng = (seed * 0x9e3779b97f4a7c15) ^ 0xd1b54a32d192ed03;
  if (rng == 0) rng = 1;
  next64();
}

/**
 * bernoulliMask - 64 independent bits, each set with probability @p16 / 65536: one random word per binary digit of
 * p16 from its lowest set bit up (a bit is set with probability p if it is set by the word of the top digit, or, for a
 * 0 digit, by that word and — recursively — the lower digits; for a 1 digit, by that word or the lower digits). 25 %
 * takes two words per 64 frames.
 */
function bernoulliMask(p16: u32): u64 {
  if (p16 >= 65536) return <u64>-1;
  if (p16 == 0) return 0;
  let mask: u64 = 0;
  for (let bit = ctz(p16); bit < 16; bit++) mask = ((p16 >> bit) & 1) != 0 ? mask | next64() : mask & next64();
  return mask;
}

/** rangeAt - The @i-th excluded range: the holes first (@holes of them), then the nosave regions. */
// @ts-ignore: decorator
@inline function rangeAt(i: u32, holes: u32): usize {
  return i < holes ? <usize>HOLES_START + <usize>i * RANGE_SIZE : <usize>NOSAVE_START + <usize>(i - holes) * RANGE_SIZE;
}

/** nextExcluded - The first hole or nosave range that ends after @pfn: its start (NR_FRAMES when none). */
function nextBarrier(pfn: u32): u32 {
  let best = ctx32(CTX_NR_FRAMES);
  const holes = ctx32(CTX_NR_HOLES);
  const nosave = ctx32(CTX_NR_NOSAVE);
  for (let i: u32 = 0; i < holes + nosave; i++) {
    const r = rangeAt(i, holes);
    const start = load<u32>(r);
    const end = load<u32>(r, 4);
    if (end > pfn && start < best) best = start > pfn ? start : pfn;
  }
  return best;
}

/** skipExcluded - The first PFN at or after @pfn that is in no hole and no nosave region. */
function skipExcluded(pfn: u32): u32 {
  const holes = ctx32(CTX_NR_HOLES);
  const nosave = ctx32(CTX_NR_NOSAVE);
  let moved = true;
  while (moved) {
    moved = false;
    for (let i: u32 = 0; i < holes + nosave; i++) {
      const r = rangeAt(i, holes);
      if (pfn >= load<u32>(r) && pfn < load<u32>(r, 4)) {
        pfn = load<u32>(r, 4);
        moved = true;
      }
    }
  }
  return pfn;
}

/** takeBits - Mark the frames of @mask (64 frames from @base) used; count the new ones per allocation class. */
function takeBits(base: u32, mask: u64): void {
  if (mask == 0) return;
  const word = <usize>ctx32(CTX_USED_MAP) + (<usize>(base >> 6) << 3);
  const old = load<u64>(word);
  const fresh = mask & ~old;
  if (fresh == 0) return;
  store<u64>(word, old | fresh);
  const high = ctx32(CTX_HIGHMEM_START_PFN);
  let lowBits = fresh;
  if (base + 64 > high) lowBits = high <= base ? 0 : fresh & ((<u64>1 << <u64>(high - base)) - 1);
  const nLow = <u32>popcnt(lowBits);
  const nHigh = <u32>popcnt(fresh) - nLow;
  setCtx32(CTX_NR_FREE_LOW, ctx32(CTX_NR_FREE_LOW) - nLow);
  setCtx32(CTX_NR_FREE_HIGH, ctx32(CTX_NR_FREE_HIGH) - nHigh);
}

/** rangeMask - Bits [from, to) of a 64-frame word starting at @base. */
// @ts-ignore: decorator
@inline function rangeMask(base: u32, from: u32, to: u32): u64 {
  const lo: u32 = from > base ? from - base : 0;
  const hi: u32 = to - base >= 64 ? 64 : to - base;
  if (hi <= lo) return 0;
  const upper: u64 = hi == 64 ? <u64>-1 : (<u64>1 << <u64>hi) - 1;
  return upper & ~((<u64>1 << <u64>lo) - 1);
}

/**
 * scatterBootFootprint - Take each usable frame for the boot kernel with probability @p16 / 65536 (the "scattered"
 * profile), or each run of @run frames at once (the "clustered" profile when @run > 1). Returns the frames taken.
 */
export function scatterBootFootprint(p16: u32, run: u32, seed: u64): u32 {
  seedRng(seed);
  const n = ctx32(CTX_NR_FRAMES);
  const before = ctx32(CTX_NR_FREE_LOW) + ctx32(CTX_NR_FREE_HIGH);
  let pfn = skipExcluded(0);
  while (pfn < n) {
    const end = nextBarrier(pfn);
    if (run <= 1) {
      for (let base = <u64>(pfn & ~63); base < <u64>end; base += 64) {
        takeBits(<u32>base, bernoulliMask(p16) & rangeMask(<u32>base, pfn, end));
      }
    } else {
      for (let start = <u64>pfn; start < <u64>end; start += <u64>run) {
        if (<u32>(next64() & 0xffff) >= p16) continue;
        const stop = <u32>(<u64>end - start > <u64>run ? start + <u64>run : <u64>end);
        for (let base = start & ~63; base < <u64>stop; base += 64) {
          takeBits(<u32>base, rangeMask(<u32>base, <u32>start, stop));
        }
      }
    }
    pfn = skipExcluded(end);
  }
  return before - ctx32(CTX_NR_FREE_LOW) - ctx32(CTX_NR_FREE_HIGH);
}

/**
 * drawImagePfns - The image kernel's saveable pages: each usable frame with probability @share, in ascending order,
 * written as normalised PFN entries (pfnEntry.ts) at @list; each is flagged zero with probability @zeroShare. Sparse
 * shares skip ahead by geometric gaps, so the cost is per PFN drawn, not per frame. Returns the number of entries, or
 * -ENOSPC (recorded) when more than @capacity would be drawn.
 */
export function drawImagePfns(list: usize, capacity: u32, share: f64, zeroShare: f64, seed: u64): i32 {
  seedRng(seed);
  const n = ctx32(CTX_NR_FRAMES);
  if (share <= 0) return 0;
  const logq = share >= 1 ? 0.0 : Math.log(1 - share);
  const zero16 = <u32>(zeroShare * 65536);
  let count: u32 = 0;
  let pfn = skipExcluded(0);
  let end = nextBarrier(pfn);
  while (pfn < n) {
    let gap: u64 = 0;
    if (share < 1) {
      const u = (<f64>(next64() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
      gap = <u64>Math.floor(Math.log(u) / logq);
    }
    while (gap > 0 || pfn >= end) {
      if (pfn >= end) {
        if (end >= n) return <i32>count;
        pfn = skipExcluded(end);
        if (pfn >= n) return <i32>count;
        end = nextBarrier(pfn);
        continue;
      }
      const step: u64 = <u64>(end - pfn) < gap ? <u64>(end - pfn) : gap;
      pfn += <u32>step;
      gap -= step;
    }
    if (count == capacity) return fail(ENOSPC, ERR_WHAT_COUNT, <u64>capacity + 1, capacity);
    const zero = <u32>(next64() & 0xffff) < zero16;
    store<u64>(list + <usize>count * PFN_ENTRY_SIZE, <u64>pfn | (zero ? ENTRY_ZERO : 0));
    count++;
    pfn++;
  }
  return <i32>count;
}
