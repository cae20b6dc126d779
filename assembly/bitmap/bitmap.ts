// Memory bitmaps (kernel/power/snapshot.c: struct memory_bitmap): one interface over several storage strategies.
//
// A bitmap holds one bit per PFN of [start_pfn, end_pfn). Callers see the kernel's operations (memory_bm_create,
// _set_bit, _clear_bit, _test_bit, _next_pfn, _position_reset, _free, duplicate_memory_bitmap); the strategy that
// stores the bits is chosen once per engine (CTX_BM_KIND) and dispatched here with one branch per call, never through
// an indirect call.
//
// The bits live in a slot of the metadata arena; the frames a bitmap is charged in the machine (memory_bm_create()
// and friends) are memoryBitmap.ts's business, above both this file and the page allocator.
//
// The strategies build their structures inside the slot's storage, with real addresses in their records:
//   flat.ts     one array of u64 words;
//   bmlist.ts   the 2006 zone lists of one-page blocks, walked from a cached block (kernel/power/snapshot.c: struct
// bm_block (v2.6.19));
//   rtree.ts    the 2014 radix tree of one-page leaves and inner nodes, cursor keyed on (zone, node_pfn)
// (kernel/power/snapshot.c: struct mem_zone_bm_rtree);
//   summary.ts  the flat words plus one summary bit per non-zero word, recursively.
// They agree on every bit and on the order of iteration; where the kernel's designs differ (the end of the map,
// memory_bm_clear_current, what a lookup does to the cursor), each keeps its own era's behaviour, documented below and
// in test/bitmap/conformance.test.ts.
//
// ╒══════════ bitmap slot (CTX_BM_SLOT_SIZE bytes each, CTX_BM_NR_SLOTS of them) ══════════╕
// │ descriptor    BMD_SIZE bytes (layout.ts)                                              │ +0
// │ charged       CTX_BM_CHARGE × u32: the PFNs of the frames charged to the bitmap       │ +BMD_SIZE
// │ storage       CTX_BM_STORAGE_SIZE bytes, 8-byte aligned                               │ +BMD_SIZE + 4 × charge
// └────────────────────────────────────────────────────────────────────────────────────────┘
import {
  BMD_KIND, BMD_STORAGE, BMD_START_PFN, BMD_END_PFN, BMD_CUR_BIT, BMD_CUR_PFN, BMD_NR_CHARGED, BMD_CHARGED,
  BMD_IN_USE, BMD_SIZE, BM_FLAT, BM_BMLIST, BM_RTREE, BM_SUMMARY, BM_END_OF_MAP, CTX_BM_KIND, CTX_BM_SLOTS,
  CTX_BM_NR_SLOTS, CTX_BM_SLOT_SIZE, CTX_BM_CHARGE, CTX_NR_FRAMES, PBE_SIZE,
  LINKED_PAGE_DATA, MIN_PAGE_SHIFT, MAX_PAGE_SHIFT,
} from "../portable/layout";
import { ctx32, DEBUG } from "../common";
import {
  flatStorageSize, flatInit, flatSet, flatClear, flatTest, flatNextPfn, flatSeek, flatPositionEnd, flatCount, flatOr,
  flatCheck,
} from "./flat";
import {
  bmlistStorageBytes, bmlistStorageUsed, bmlistInit, bmlistPositionReset, bmlistSet, bmlistClear, bmlistTest,
  bmlistNextPfn, bmlistSeek, bmlistClearCurrent, bmlistCount, bmlistSameLayout, bmlistOr, bmlistTouchLast, bmlistCheck,
} from "./bmlist";
import {
  rtreeStorageBytes, rtreeStorageUsed, rtreeInit, rtreePositionReset, rtreeSet, rtreeClear, rtreeTest, rtreeNextPfn,
  rtreeSeek, rtreePositionEnd, rtreeClearCurrent, rtreeCount, rtreeSameLayout, rtreeOr, rtreeTouch, rtreeCheck,
} from "./rtree";
import {
  summaryStorageBytes, summaryStorageUsed, summaryInit, summarySet, summaryClear, summaryTest, summaryNextPfn,
  summarySeek, summaryPositionEnd, summaryCount, summaryOr, summaryCheck,
} from "./summary";

// sizeof(struct mem_zone_bm_rtree) and sizeof(struct rtree_node) on x86_64 (kernel/power/snapshot.c).
// @ts-ignore: decorator
@inline const RTREE_ZONE_DESC_SIZE: u32 = 80;
// @ts-ignore: decorator
@inline const RTREE_NODE_DESC_SIZE: u32 = PBE_SIZE;

/**
 * bitmapChargePages - Frames one bitmap over @bits PFNs takes in the modern kernel (create_zone_bm_rtree,
 * kernel/power/snapshot.c: add_rtree_block()).
 * @bits: PFNs covered (one extent).
 * @pageSize: bytes per frame.
 *
 * Leaves hold page_size × 8 bits; inner nodes hold page_size / 8 child pointers; the mem_zone_bm_rtree and one
 * rtree_node per leaf and inner node come from a chain allocator whose linked pages hold page_size - 8 bytes.
 */
export function bitmapChargePages(bits: u32, pageSize: u32): u32 {
  const bitsPerLeaf = pageSize << 3;
  const fanout = pageSize >> 3;
  const leaves = <u32>((<u64>bits + <u64>bitsPerLeaf - 1) / <u64>bitsPerLeaf);
  let inner: u32 = 0;
  let level = leaves;
  while (level > 1) {
    level = (level + fanout - 1) / fanout;
    inner += level;
  }
  const dataSize = pageSize - LINKED_PAGE_DATA;
  let chainPages: u32 = 0;
  let used = dataSize;
  const objects = leaves + inner + 1;
  for (let i: u32 = 0; i < objects; i++) {
    const size = i == 0 ? RTREE_ZONE_DESC_SIZE : RTREE_NODE_DESC_SIZE;
    if (size > dataSize) {
      chainPages += (size + dataSize - 1) / dataSize;
      used = dataSize;
      continue;
    }
    if (dataSize - used < size) {
      chainPages++;
      used = 0;
    }
    used += size;
  }
  return leaves + inner + chainPages;
}

/**
 * bitmapStorageBytes - Arena bytes that strategy @kind needs for @bits PFNs with @pageSize-byte pages (the block and
 * node size of bmlist and rtree). Saturates at 0xffffffff.
 */
export function bitmapStorageBytes(kind: u32, bits: u32, pageSize: u32): u32 {
  let bytes: u64;
  switch (kind) {
    case BM_FLAT: bytes = <u64>flatStorageSize(bits); break;
    case BM_BMLIST: bytes = bmlistStorageBytes(bits, pageSize); break;
    case BM_RTREE: bytes = rtreeStorageBytes(bits, pageSize); break;
    case BM_SUMMARY: bytes = summaryStorageBytes(bits); break;
    default: bytes = 0;
  }
  return bytes > 0xffffffff ? 0xffffffff : <u32>bytes;
}

/**
 * bitmapStorageSize - Arena bytes that strategy @kind needs for @bits PFNs, whatever the page size: the largest
 * bitmapStorageBytes() over every page size the machine model allows.
 */
export function bitmapStorageSize(kind: u32, bits: u32): u32 {
  let most: u32 = 0;
  for (let shift = <u32>MIN_PAGE_SHIFT; shift <= <u32>MAX_PAGE_SHIFT; shift++) {
    const bytes = bitmapStorageBytes(kind, bits, <u32>1 << shift);
    if (bytes > most) most = bytes;
  }
  return most;
}

/**
 * bitmapSlotBytes - Bytes of one bitmap slot (see the box above) for strategy @kind over @bits PFNs of @pageSize
 * bytes, with @charge frames charged to each bitmap: the one place the slot's size is computed. Saturates at
 * 0xffffffff.
 */
export function bitmapSlotBytes(kind: u32, bits: u32, pageSize: u32, charge: u32): u32 {
  const head = (<u64>BMD_SIZE + (<u64>charge << 2) + 7) & ~(<u64>7);
  const bytes = (head + <u64>bitmapStorageBytes(kind, bits, pageSize) + 63) & ~(<u64>63);
  return bytes > 0xffffffff ? 0xffffffff : <u32>bytes;
}

/** memoryBmStorageUsed - Bytes of its slot's storage that bitmap @bm really takes (records, pages, levels). */
export function memoryBmStorageUsed(bm: usize): u32 {
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_FLAT: return flatStorageSize(load<u32>(bm, BMD_END_PFN) - load<u32>(bm, BMD_START_PFN));
    case BM_BMLIST: return bmlistStorageUsed(bm);
    case BM_RTREE: return rtreeStorageUsed(bm);
    default: return summaryStorageUsed(bm);
  }
}

// @ts-ignore: decorator
@inline function slotAddr(i: u32): usize {
  return <usize>ctx32(CTX_BM_SLOTS) + <usize>i * <usize>ctx32(CTX_BM_SLOT_SIZE);
}

function initStorage(bm: usize): void {
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_FLAT: flatInit(bm); break;
    case BM_BMLIST: bmlistInit(bm); break;
    case BM_RTREE: rtreeInit(bm); break;
    case BM_SUMMARY: summaryInit(bm); break;
    default: if (DEBUG) assert(false, "bitmap: unknown strategy");
  }
}

/**
 * bitmapSlotTake - A free bitmap slot, its descriptor set for a bitmap of strategy CTX_BM_KIND over every PFN of the
 * machine with nothing charged yet; 0 if every slot is in use. bitmapSlotInit() clears its bits once the frames
 * charged to it are taken (memoryBitmap.ts).
 */
export function bitmapSlotTake(): usize {
  const nrSlots = ctx32(CTX_BM_NR_SLOTS);
  let bm: usize = 0;
  for (let i: u32 = 0; i < nrSlots; i++) {
    const s = slotAddr(i);
    if (load<u32>(s, BMD_IN_USE) == 0) {
      bm = s;
      break;
    }
  }
  if (bm == 0) return 0;
  const charge = ctx32(CTX_BM_CHARGE);
  store<u32>(bm, ctx32(CTX_BM_KIND), BMD_KIND);
  store<u32>(bm, <u32>(bm + BMD_SIZE), BMD_CHARGED);
  store<u32>(bm, <u32>((bm + BMD_SIZE + (<usize>charge << 2) + 7) & ~7), BMD_STORAGE);
  store<u32>(bm, 0, BMD_START_PFN);
  store<u32>(bm, ctx32(CTX_NR_FRAMES), BMD_END_PFN);
  store<u32>(bm, 0, BMD_NR_CHARGED);
  store<u32>(bm, 1, BMD_IN_USE);
  return bm;
}

/** bitmapSlotInit - Build the strategy's empty structure in the slot of @bm and reset its cursor. */
export function bitmapSlotInit(bm: usize): void {
  initStorage(bm);
  memoryBmPositionReset(bm);
}

/** bitmapSlotRelease - Give the slot of @bm back (the frames charged to it are the caller's to free first). */
export function bitmapSlotRelease(bm: usize): void {
  store<u32>(bm, 0, BMD_IN_USE);
  store<u32>(bm, 0, BMD_NR_CHARGED);
}

/** memory_bm_position_reset - Put the iteration cursor before the first bit; memory_bm_get_current() is then END. */
export function memoryBmPositionReset(bm: usize): void {
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_BMLIST: bmlistPositionReset(bm); break;
    case BM_RTREE: rtreePositionReset(bm); break;
    default:
      store<u32>(bm, 0, BMD_CUR_BIT);
      store<u32>(bm, BM_END_OF_MAP, BMD_CUR_PFN);
  }
}

/**
 * memoryBmSeek - Put the iteration cursor on @pfn, so that the next memory_bm_next_pfn() returns the first set bit at
 * or after @pfn (BM_END_OF_MAP if there is none; a @pfn past the map ends it). Not a kernel operation: thaw's
 * position reset to any PFN, found as each strategy finds a PFN (bmlist walks its blocks, rtree its tree).
 * memory_bm_get_current() is then BM_END_OF_MAP, as after a reset.
 */
export function memoryBmSeek(bm: usize, pfn: u32): void {
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_FLAT: flatSeek(bm, pfn); break;
    case BM_BMLIST: bmlistSeek(bm, pfn); break;
    case BM_RTREE: rtreeSeek(bm, pfn); break;
    default: summarySeek(bm, pfn);
  }
}

/** memory_bm_pfn_present - True if @pfn is covered by the bitmap. */
// @ts-ignore: decorator
@inline export function memoryBmPfnPresent(bm: usize, pfn: u32): bool {
  return pfn >= load<u32>(bm, BMD_START_PFN) && pfn < load<u32>(bm, BMD_END_PFN);
}

/** memory_bm_set_bit - Set the bit of @pfn, which must be covered by the bitmap. */
// @ts-ignore: decorator
@inline export function memoryBmSetBit(bm: usize, pfn: u32): void {
  if (DEBUG) assert(memoryBmPfnPresent(bm, pfn), "memory_bm_set_bit: PFN outside the bitmap");
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_FLAT: flatSet(bm, pfn); break;
    case BM_BMLIST: bmlistSet(bm, pfn); break;
    case BM_RTREE: rtreeSet(bm, pfn); break;
    default: summarySet(bm, pfn);
  }
}

/** memory_bm_clear_bit - Clear the bit of @pfn, which must be covered by the bitmap. */
// @ts-ignore: decorator
@inline export function memoryBmClearBit(bm: usize, pfn: u32): void {
  if (DEBUG) assert(memoryBmPfnPresent(bm, pfn), "memory_bm_clear_bit: PFN outside the bitmap");
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_FLAT: flatClear(bm, pfn); break;
    case BM_BMLIST: bmlistClear(bm, pfn); break;
    case BM_RTREE: rtreeClear(bm, pfn); break;
    default: summaryClear(bm, pfn);
  }
}

/**
 * memory_bm_test_bit - The bit of @pfn, which must be covered by the bitmap. Like every lookup, it moves the radix
 * tree's cursor (zone, node, node_pfn, cur_pfn) and the block list's caches, as in the kernel.
 */
// @ts-ignore: decorator
@inline export function memoryBmTestBit(bm: usize, pfn: u32): bool {
  if (DEBUG) assert(memoryBmPfnPresent(bm, pfn), "memory_bm_test_bit: PFN outside the bitmap");
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_FLAT: return flatTest(bm, pfn);
    case BM_BMLIST: return bmlistTest(bm, pfn);
    case BM_RTREE: return rtreeTest(bm, pfn);
    default: return summaryTest(bm, pfn);
  }
}

/**
 * memory_bm_next_pfn - The PFN of the next set bit after the cursor, in ascending order; BM_END_OF_MAP when none
 * is left. Run memory_bm_position_reset() before the first call.
 *
 * At the end of the map flat, rtree and summary keep the cursor at the end (BM_END_OF_MAP again until a reset,
 * kernel/power/snapshot.c: memory_bm_next_pfn()); bmlist resets it to the start, so the call after BM_END_OF_MAP starts
 * over (kernel/power/snapshot.c: struct bm_block (v2.6.19)).
 */
// @ts-ignore: decorator
@inline export function memoryBmNextPfn(bm: usize): u32 {
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_FLAT: return flatNextPfn(bm);
    case BM_BMLIST: return bmlistNextPfn(bm);
    case BM_RTREE: return rtreeNextPfn(bm);
    default: return summaryNextPfn(bm);
  }
}

/**
 * memory_bm_get_current - The PFN that memory_bm_next_pfn() returned last (BM_END_OF_MAP after a reset, a seek or
 * the end of the map); for rtree also the PFN of the last lookup, as cur_pfn has been in the kernel since v6.6.
 */
// @ts-ignore: decorator
@inline export function memoryBmGetCurrent(bm: usize): u32 {
  return load<u32>(bm, BMD_CUR_PFN);
}

/**
 * memory_bm_clear_current - Clear the bit that memory_bm_next_pfn() returned last.
 *
 * rtree does what the kernel does: clear bit max(node_bit - 1, 0) of the cursor's leaf, which is the bit returned last
 * only while nothing but memory_bm_next_pfn() moved the cursor. bmlist clears the bit under its (block, chunk, bit)
 * cursor; flat and summary the bit of memory_bm_get_current(). Those three do nothing after a reset, a seek or the
 * end of the map.
 */
export function memoryBmClearCurrent(bm: usize): void {
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_BMLIST: bmlistClearCurrent(bm); break;
    case BM_RTREE: rtreeClearCurrent(bm); break;
    default: {
      const pfn = load<u32>(bm, BMD_CUR_PFN);
      if (pfn != BM_END_OF_MAP) memoryBmClearBit(bm, pfn);
    }
  }
}

/** memoryBmCount - Number of set bits (the kernel counts by iterating; thaw's strategies count their words). */
export function memoryBmCount(bm: usize): u32 {
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_FLAT: return flatCount(bm);
    case BM_BMLIST: return bmlistCount(bm);
    case BM_RTREE: return rtreeCount(bm);
    default: return summaryCount(bm);
  }
}

function sameLayout(dst: usize, src: usize): bool {
  const kind = load<u32>(src, BMD_KIND);
  if (kind != load<u32>(dst, BMD_KIND)) return false;
  if (load<u32>(src, BMD_START_PFN) != load<u32>(dst, BMD_START_PFN)) return false;
  if (load<u32>(src, BMD_END_PFN) != load<u32>(dst, BMD_END_PFN)) return false;
  switch (kind) {
    case BM_BMLIST: return bmlistSameLayout(dst, src);
    case BM_RTREE: return rtreeSameLayout(dst, src);
    default: return true;
  }
}

/**
 * duplicate_memory_bitmap - Set in @dst every bit set in @src (a union into @dst, normally empty).
 *
 * As the kernel does: reset @src and set each of its bits in @dst, so that @src's cursor ends at the end of the map
 * and @dst's lookup state rests on the last bit set. When both share a layout (same strategy, range, zones and page
 * size), thaw ORs word by word instead and leaves both cursors exactly as that loop would.
 */
export function duplicateMemoryBitmap(dst: usize, src: usize): void {
  if (sameLayout(dst, src)) {
    switch (load<u32>(src, BMD_KIND)) {
      case BM_FLAT:
        flatOr(dst, src);
        flatPositionEnd(src);
        break;
      case BM_BMLIST:
        bmlistOr(dst, src);
        bmlistTouchLast(dst);
        bmlistPositionReset(src);
        break;
      case BM_RTREE: {
        const last = rtreeOr(dst, src);
        if (last != BM_END_OF_MAP) rtreeTouch(dst, last);
        rtreePositionEnd(src);
        break;
      }
      default:
        summaryOr(dst, src);
        summaryPositionEnd(src);
    }
    return;
  }
  memoryBmPositionReset(src);
  for (let pfn = memoryBmNextPfn(src); pfn != BM_END_OF_MAP; pfn = memoryBmNextPfn(src)) memoryBmSetBit(dst, pfn);
}

/**
 * memoryBmCheck - 0 if the strategy's structure is consistent (for tests): no bit past the map, bmlist's zones and
 * blocks tiling the map, rtree's leaves reachable through the tree in list order, summary bits exact. Otherwise a
 * strategy-specific code naming the first broken invariant (see each strategy's *Check).
 */
export function memoryBmCheck(bm: usize): u32 {
  switch (load<u32>(bm, BMD_KIND)) {
    case BM_FLAT: return flatCheck(bm);
    case BM_BMLIST: return bmlistCheck(bm);
    case BM_RTREE: return rtreeCheck(bm);
    default: return summaryCheck(bm);
  }
}
