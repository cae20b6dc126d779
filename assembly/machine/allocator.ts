// The model's page allocator: the boot kernel's buddy allocator as the hibernation code sees it.
//
// Each allocation class (lowmem: DMA + Normal, and HighMem) has an order: a permutation of its PFNs laid out by the
// host (ascending, descending, seeded random, buddy-like, or given explicitly by a scenario), or — for placement-only
// machines too large for a u32 per frame — computed: ascending, descending, or a seeded Feistel permutation. An
// allocation returns the first frame at or after the class's cursor, in that order, that is free, and moves the cursor
// past it; a frame freed later is found again when the cursor comes round. The used map has one bit per frame: set for
// the boot kernel's frames, holes, nosave regions and every frame handed out. The touched map remembers every frame
// handed out since the resume began, freed or not, so that verification knows which frames must still hold what they
// held.
import {
  CTX_USED_MAP, CTX_ORDER_LOW, CTX_ORDER_LOW_LEN, CTX_ORDER_LOW_CURSOR, CTX_ORDER_HIGH, CTX_ORDER_HIGH_LEN,
  CTX_ORDER_HIGH_CURSOR, CTX_NR_FREE_LOW, CTX_NR_FREE_HIGH, CTX_ALLOC_COUNT, CTX_ALLOC_FAIL_AT, NO_PFN,
  ZONE_CLASS_HIGH, CTX_HIGHMEM_START_PFN, CTX_NR_FRAMES, CTX_TOUCHED_MAP, CTX_WRITTEN_MAP, CTX_BOOT_MAP, CTX_ORDER_KIND,
  CTX_ORDER_SEED,
  ORDER_ASCENDING, ORDER_DESCENDING, ORDER_RANDOM, ERR_WHAT_PAGES_NEEDED, ERR_WHAT_HIGHMEM_NEEDED,
} from "../portable/layout";
import { ctx32, setCtx32, fail, DEBUG } from "../common";
import { ENOMEM } from "../portable/errno";

// @ts-ignore: decorator
@inline function usedWord(pfn: u32): usize {
  return <usize>ctx32(CTX_USED_MAP) + (<usize>(pfn >> 6) << 3);
}

/**
 * markWritten - Note that frame @pfn's memory may differ from its boot state: handed out, or written by a copy (an
 * image page put in place by the atomic copy or restore_highmem(), or by suspend). The written map is what the next
 * boot clears (pattern.ts: resetWrittenFrames()) and what tells a frame's memory from its implicit boot pattern.
 */
// @ts-ignore: decorator
@inline export function markWritten(pfn: u32): void {
  setBit(<usize>ctx32(CTX_WRITTEN_MAP), pfn);
}

// @ts-ignore: decorator
@inline function setBit(map: usize, pfn: u32): void {
  if (map == 0) return;
  const w = map + (<usize>(pfn >> 6) << 3);
  store<u64>(w, load<u64>(w) | (<u64>1 << <u64>(pfn & 63)));
}

// @ts-ignore: decorator
@inline function setTouched(pfn: u32): void {
  setBit(<usize>ctx32(CTX_TOUCHED_MAP), pfn);
  markWritten(pfn);
}

// @ts-ignore: decorator
@inline function mix32(x: u32): u32 {
  x ^= x >> 16;
  x *= 0x7feb352d;
  x ^= x >> 15;
  x *= 0x846ca68b;
  x ^= x >> 16;
  return x;
}

/**
 * feistel - A seeded permutation of [0, @n): four Feistel rounds over the smallest even number of bits that covers n,
 * walked until the value falls inside (it does within a few steps: the domain is less than four times n).
 */
function feistel(i: u32, n: u32, key: u32): u32 {
  const bits = n <= 4 ? <u32>2 : (33 - <u32>clz(n - 1)) & ~1;
  const half = bits >> 1;
  const mask: u32 = (1 << half) - 1;
  let x = <u64>i;
  do {
    let l = <u32>(x >> <u64>half) & mask;
    let r = <u32>x & mask;
    for (let round: u32 = 0; round < 4; round++) {
      const t = r;
      r = l ^ (mix32(r ^ (key + round * 0x9e3779b9)) & mask);
      l = t;
    }
    x = (<u64>l << <u64>half) | <u64>r;
  } while (x >= <u64>n);
  return <u32>x;
}

/** orderAt - The @i-th PFN of the allocation order of a class of @len frames from @lo (CTX_ORDER_KIND). */
// @ts-ignore: decorator
@inline function orderAt(order: usize, lo: u32, len: u32, i: u32, high: bool): u32 {
  switch (ctx32(CTX_ORDER_KIND)) {
    case ORDER_ASCENDING: return lo + i;
    case ORDER_DESCENDING: return lo + len - 1 - i;
    case ORDER_RANDOM: return lo + feistel(i, len, ctx32(CTX_ORDER_SEED) ^ (high ? 0x5bd1e995 : 0));
    default: return load<u32>(order + (<usize>i << 2));
  }
}

/** frameTouched - True if frame @pfn has been handed out since the machine booted. */
export function frameTouched(pfn: u32): bool {
  const w = <usize>ctx32(CTX_TOUCHED_MAP) + (<usize>(pfn >> 6) << 3);
  return ((load<u64>(w) >> <u64>(pfn & 63)) & 1) != 0;
}

/** frameWritten - True if frame @pfn's memory was written (or handed out) since the machine booted. */
export function frameWritten(pfn: u32): bool {
  const map = <usize>ctx32(CTX_WRITTEN_MAP);
  if (map == 0) return false;
  const w = map + (<usize>(pfn >> 6) << 3);
  return ((load<u64>(w) >> <u64>(pfn & 63)) & 1) != 0;
}

/** pageUsed - True if frame @pfn is not free in the page allocator. */
// @ts-ignore: decorator
@inline export function pageUsed(pfn: u32): bool {
  return ((load<u64>(usedWord(pfn)) >> <u64>(pfn & 63)) & 1) != 0;
}

// @ts-ignore: decorator
@inline function setUsed(pfn: u32): void {
  const w = usedWord(pfn);
  store<u64>(w, load<u64>(w) | (<u64>1 << <u64>(pfn & 63)));
}

// @ts-ignore: decorator
@inline function clearUsed(pfn: u32): void {
  const w = usedWord(pfn);
  store<u64>(w, load<u64>(w) & ~(<u64>1 << <u64>(pfn & 63)));
}

/**
 * alloc_page - Take one free frame of @zoneClass from the model's allocator.
 * @zoneClass: ZONE_CLASS_LOW (DMA + Normal, GFP_KERNEL/GFP_ATOMIC) or ZONE_CLASS_HIGH (__GFP_HIGHMEM).
 *
 * Returns the PFN, or NO_PFN (-ENOMEM recorded: one frame needed, the class's free frames) when the class has no free
 * frame left or when fault injection makes this allocation fail (CTX_ALLOC_FAIL_AT counts allocations from 1). The
 * frame's contents are left as they are.
 */
export function allocFrame(zoneClass: u32): u32 {
  const count = ctx32(CTX_ALLOC_COUNT) + 1;
  setCtx32(CTX_ALLOC_COUNT, count);
  const high = zoneClass == ZONE_CLASS_HIGH;
  const freeField: usize = high ? CTX_NR_FREE_HIGH : CTX_NR_FREE_LOW;
  const nrFree = ctx32(freeField);
  if (nrFree == 0 || count == ctx32(CTX_ALLOC_FAIL_AT)) {
    fail(ENOMEM, high ? ERR_WHAT_HIGHMEM_NEEDED : ERR_WHAT_PAGES_NEEDED, 1, nrFree);
    return NO_PFN;
  }
  const order = <usize>ctx32(high ? CTX_ORDER_HIGH : CTX_ORDER_LOW);
  const len = ctx32(high ? CTX_ORDER_HIGH_LEN : CTX_ORDER_LOW_LEN);
  const lo = high ? ctx32(CTX_HIGHMEM_START_PFN) : 0;
  const cursorField: usize = high ? CTX_ORDER_HIGH_CURSOR : CTX_ORDER_LOW_CURSOR;
  let cursor = ctx32(cursorField);
  for (let step: u32 = 0; step < len; step++) {
    const pfn = orderAt(order, lo, len, cursor, high);
    cursor = cursor + 1 == len ? 0 : cursor + 1;
    if (!pageUsed(pfn)) {
      setUsed(pfn);
      setTouched(pfn);
      setCtx32(cursorField, cursor);
      setCtx32(freeField, nrFree - 1);
      return pfn;
    }
  }
  if (DEBUG) assert(false, "allocator: free count disagrees with the used map");
  return NO_PFN;
}

/** __free_page - Give frame @pfn back to the model's allocator. */
export function freeFrame(pfn: u32): void {
  if (DEBUG) assert(pageUsed(pfn), "allocator: double free");
  clearUsed(pfn);
  const field: usize = pfn >= ctx32(CTX_HIGHMEM_START_PFN) ? CTX_NR_FREE_HIGH : CTX_NR_FREE_LOW;
  setCtx32(field, ctx32(field) + 1);
}

/**
 * markRangeUsed - Take the frames [@start, @end) out of the allocator for good: the boot kernel's frames, holes and
 * nosave regions. Host setup only; frames already taken are skipped.
 */
export function markRangeUsed(start: u32, end: u32): void {
  const nrFrames = ctx32(CTX_NR_FRAMES);
  if (end > nrFrames) end = nrFrames;
  const highStart = ctx32(CTX_HIGHMEM_START_PFN);
  let low: u32 = 0;
  let high: u32 = 0;
  for (let pfn = start; pfn < end; pfn++) {
    if (pageUsed(pfn)) continue;
    setUsed(pfn);
    if (pfn >= highStart) high++;
    else low++;
  }
  setCtx32(CTX_NR_FREE_LOW, ctx32(CTX_NR_FREE_LOW) - low);
  setCtx32(CTX_NR_FREE_HIGH, ctx32(CTX_NR_FREE_HIGH) - high);
}

/** markBootMapUsed - Take every frame of the boot kernel's footprint (CTX_BOOT_MAP) out of the allocator. */
export function markBootMapUsed(): void {
  const nrFrames = ctx32(CTX_NR_FRAMES);
  const boot = <usize>ctx32(CTX_BOOT_MAP);
  for (let base: u32 = 0; base < nrFrames; base += 64) {
    let w = load<u64>(boot + (<usize>(base >> 6) << 3));
    while (w != 0) {
      const pfn = base + <u32>ctz(w);
      w &= w - 1;
      if (pfn < nrFrames) markRangeUsed(pfn, pfn + 1);
    }
  }
}

/** frameIsUsed - Exported test of the used map, for the host's restore map and tests. */
export function frameIsUsed(pfn: u32): bool {
  return pageUsed(pfn);
}
