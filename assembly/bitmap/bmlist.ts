// bmlist - The 2006 memory bitmap (v2.6.19–2.6.25, kernel/power/snapshot.c): per-zone lists of bm_block chunks, one
// page of bits each.
//
// memory_bm_create() builds one zone_bitmap per populated zone (DMA, Normal, HighMem, ascending, as v2.6.22 does with
// highmem included) and, for each, ceil(spanned / BM_BITS_PER_BLOCK) blocks covering ascending, contiguous PFN
// ranges; the last block of a zone holds the remainder and uses only `size` words of its page. A lookup
// (memory_bm_find_bit) keeps the zone in the cursor and the block in the zone's cur_block, restarts from the zone's
// first block when the PFN lies below the cached block, and walks `next` until the block holds the PFN: ascending
// access is amortised O(1), random access costs O(blocks in the zone). That linear walk is what the 2014 radix tree
// removed, and it is kept here on purpose: it is the point of the comparison.
//
// Iteration keeps the kernel's (zone, block, chunk, bit) cursor, where bit is the last bit returned (-1 after a
// reset). At the end of the map the cursor is reset to the start before BM_END_OF_MAP is returned, so the next call
// starts over (kernel/power/snapshot.c: struct bm_block (v2.6.19)). Inside a chunk thaw finds the next bit with ctz
// where v2.6.22 tested bit by bit; the zero-chunk skip and the block walk are the kernel's.
//
// Everything lives in the bitmap's slot storage, with addresses (absolute linear-memory offsets) in the records:
//
// ╒══════════════ bmlist storage (at BMD_STORAGE) ══════════════╕
// │ zone_bm_list  address of the first zone_bitmap              │ +0   HDR_ZONES
// │ nr_zones                                                     │ +4   HDR_NR_ZONES
// │ nr_blocks                                                    │ +8   HDR_NR_BLOCKS
// │ page_size     bytes per data page (the machine's page size)  │ +12  HDR_PAGE_SIZE
// │ data          address of the first data page                 │ +16  HDR_DATA
// │ used          bytes of storage in use                        │ +20  HDR_USED
// │ zone_bitmap × nr_zones                                       │ +HDR_SIZE
// │ bm_block × nr_blocks                                         │
// │ data pages × nr_blocks, page_size each, 64-byte aligned      │ data
// └──────────────────────────────────────────────────────────────┘
// ╒══════ struct zone_bitmap ══════╕   ╒══════ struct bm_block ══════════════════════╕
// │ next        +0  ZBM_NEXT       │   │ next        +0  BB_NEXT                     │
// │ start_pfn   +4  ZBM_START_PFN  │   │ start_pfn   +4  BB_START_PFN                │
// │ end_pfn     +8  ZBM_END_PFN    │   │ end_pfn     +8  BB_END_PFN (exclusive)      │
// │ bm_blocks   +12 ZBM_BLOCKS     │   │ size        +12 BB_SIZE (u64 words in use)  │
// │ cur_block   +16 ZBM_CUR_BLOCK  │   │ data        +16 BB_DATA (one page of words) │
// └────────────────────────────────┘20 └─────────────────────────────────────────────┘20
// ╒══════ struct bm_position (descriptor aux words) ══════╕
// │ zone_bm   +BMD_AUX+0   CUR_ZONE                       │
// │ block     +BMD_AUX+4   CUR_BLOCK (0: zone exhausted)  │
// │ chunk     +BMD_AUX+8   CUR_CHUNK                      │
// │ bit       +BMD_AUX+12  CUR_BITNR (i32, -1 after reset)│
// └───────────────────────────────────────────────────────┘
import {
  BMD_STORAGE, BMD_START_PFN, BMD_END_PFN, BMD_CUR_PFN, BMD_AUX, BM_END_OF_MAP, CTX_PAGE_SIZE, CTX_DMA_END_PFN,
  CTX_HIGHMEM_START_PFN, CTX_BM_STORAGE_SIZE,
} from "../portable/layout";
import { ctx32, DEBUG } from "../common";
import { emitWord, topBit } from "./emit";
import { storageClear } from "./storage";

// @ts-ignore: decorator
@inline const HDR_ZONES: usize = 0;
// @ts-ignore: decorator
@inline const HDR_NR_ZONES: usize = 4;
// @ts-ignore: decorator
@inline const HDR_NR_BLOCKS: usize = 8;
// @ts-ignore: decorator
@inline const HDR_PAGE_SIZE: usize = 12;
// @ts-ignore: decorator
@inline const HDR_DATA: usize = 16;
// @ts-ignore: decorator
@inline const HDR_USED: usize = 20;
// @ts-ignore: decorator
@inline const HDR_SIZE: u32 = 32;

// @ts-ignore: decorator
@inline const ZBM_NEXT: usize = 0;
// @ts-ignore: decorator
@inline const ZBM_START_PFN: usize = 4;
// @ts-ignore: decorator
@inline const ZBM_END_PFN: usize = 8;
// @ts-ignore: decorator
@inline const ZBM_BLOCKS: usize = 12;
// @ts-ignore: decorator
@inline const ZBM_CUR_BLOCK: usize = 16;
// @ts-ignore: decorator
@inline const ZBM_SIZE: u32 = 20;

// @ts-ignore: decorator
@inline const BB_NEXT: usize = 0;
// @ts-ignore: decorator
@inline const BB_START_PFN: usize = 4;
// @ts-ignore: decorator
@inline const BB_END_PFN: usize = 8;
// @ts-ignore: decorator
@inline const BB_SIZE_WORDS: usize = 12;
// @ts-ignore: decorator
@inline const BB_DATA: usize = 16;
// @ts-ignore: decorator
@inline const BB_SIZE: u32 = 20;

// @ts-ignore: decorator
@inline const CUR_ZONE: usize = BMD_AUX;
// @ts-ignore: decorator
@inline const CUR_BLOCK: usize = BMD_AUX + 4;
// @ts-ignore: decorator
@inline const CUR_CHUNK: usize = BMD_AUX + 8;
// @ts-ignore: decorator
@inline const CUR_BITNR: usize = BMD_AUX + 12;

/** Zones a machine has at most: DMA, Normal, HighMem. */
// @ts-ignore: decorator
@inline const MAX_ZONES: u32 = 3;

// @ts-ignore: decorator
@inline function storageOf(bm: usize): usize {
  return <usize>load<u32>(bm, BMD_STORAGE);
}

/**
 * bmlistStorageBytes - Storage bytes for @bits PFNs with @pageSize-byte blocks: every zone boundary can cut one
 * block short, so up to MAX_ZONES - 1 blocks more than a single zone needs.
 */
export function bmlistStorageBytes(bits: u32, pageSize: u32): u64 {
  const bitsPerBlock = <u64>pageSize << 3;
  const blocks = (<u64>bits + bitsPerBlock - 1) / bitsPerBlock + <u64>(MAX_ZONES - 1);
  const records = <u64>HDR_SIZE + <u64>(MAX_ZONES * ZBM_SIZE) + blocks * <u64>BB_SIZE;
  return ((records + 63) & ~<u64>63) + 64 + blocks * <u64>pageSize;
}

/** bmlistStorageUsed - Bytes of the slot's storage this bitmap's records and pages take. */
export function bmlistStorageUsed(bm: usize): u32 {
  return load<u32>(storageOf(bm), HDR_USED);
}

/**
 * bmlistInit - memory_bm_create's storage half for the 2006 design: the zone list and each zone's block list, data
 * pages cleared. Zones are the machine's populated zones (CTX_DMA_END_PFN, CTX_HIGHMEM_START_PFN) inside the map.
 */
export function bmlistInit(bm: usize): void {
  const storage = storageOf(bm);
  const start = load<u32>(bm, BMD_START_PFN);
  const end = load<u32>(bm, BMD_END_PFN);
  const pageSize = ctx32(CTX_PAGE_SIZE);
  const bitsPerBlock = pageSize << 3;
  let b1 = ctx32(CTX_DMA_END_PFN);
  if (b1 < start) b1 = start;
  if (b1 > end) b1 = end;
  let b2 = ctx32(CTX_HIGHMEM_START_PFN);
  if (b2 < b1) b2 = b1;
  if (b2 > end) b2 = end;

  let nrZones: u32 = 0;
  let nrBlocks: u32 = 0;
  for (let z: u32 = 0; z < MAX_ZONES; z++) {
    const zs = z == 0 ? start : z == 1 ? b1 : b2;
    const ze = z == 0 ? b1 : z == 1 ? b2 : end;
    if (ze > zs) {
      nrZones++;
      nrBlocks += <u32>((<u64>(ze - zs) + <u64>bitsPerBlock - 1) / <u64>bitsPerBlock);
    }
  }
  const zones = storage + <usize>HDR_SIZE;
  const blocks = zones + <usize>(nrZones * ZBM_SIZE);
  const data = (blocks + <usize>nrBlocks * <usize>BB_SIZE + 63) & ~<usize>63;
  const used = data + <usize>nrBlocks * <usize>pageSize - storage;
  const room = <usize>ctx32(CTX_BM_STORAGE_SIZE);
  if (DEBUG) assert(used <= room || room == 0, "bmlist: storage too small");
  storageClear(bm, storage, storage + used);
  store<u32>(storage, <u32>zones, HDR_ZONES);
  store<u32>(storage, nrZones, HDR_NR_ZONES);
  store<u32>(storage, nrBlocks, HDR_NR_BLOCKS);
  store<u32>(storage, pageSize, HDR_PAGE_SIZE);
  store<u32>(storage, <u32>data, HDR_DATA);
  store<u32>(storage, <u32>used, HDR_USED);

  let zone = zones;
  let block = blocks;
  let page = data;
  let prevZone: usize = 0;
  for (let z: u32 = 0; z < MAX_ZONES; z++) {
    const zs = z == 0 ? start : z == 1 ? b1 : b2;
    const ze = z == 0 ? b1 : z == 1 ? b2 : end;
    if (ze <= zs) continue;
    if (prevZone != 0) store<u32>(prevZone, <u32>zone, ZBM_NEXT);
    store<u32>(zone, zs, ZBM_START_PFN);
    store<u32>(zone, ze, ZBM_END_PFN);
    store<u32>(zone, <u32>block, ZBM_BLOCKS);
    store<u32>(zone, <u32>block, ZBM_CUR_BLOCK);
    let pfn = zs;
    let prevBlock: usize = 0;
    while (pfn < ze) {
      const left = ze - pfn;
      const span = left < bitsPerBlock ? left : bitsPerBlock;
      if (prevBlock != 0) store<u32>(prevBlock, <u32>block, BB_NEXT);
      store<u32>(block, pfn, BB_START_PFN);
      store<u32>(block, pfn + span, BB_END_PFN);
      store<u32>(block, (span + 63) >> 6, BB_SIZE_WORDS);
      store<u32>(block, <u32>page, BB_DATA);
      prevBlock = block;
      block += <usize>BB_SIZE;
      page += <usize>pageSize;
      pfn += span;
    }
    prevZone = zone;
    zone += <usize>ZBM_SIZE;
  }
}

/** bmlistPositionReset - memory_bm_position_reset: first zone, its first block, chunk 0, bit -1. */
export function bmlistPositionReset(bm: usize): void {
  const zone = <usize>load<u32>(storageOf(bm), HDR_ZONES);
  store<u32>(bm, <u32>zone, CUR_ZONE);
  store<u32>(bm, load<u32>(zone, ZBM_BLOCKS), CUR_BLOCK);
  store<u32>(bm, 0, CUR_CHUNK);
  store<i32>(bm, -1, CUR_BITNR);
  store<u32>(bm, BM_END_OF_MAP, BMD_CUR_PFN);
}

/**
 * bmlistFindBlock - memory_bm_find_bit (v2.6.22): the block holding @pfn.
 *
 * The zone comes from the cursor unless @pfn lies outside it; then the zone list is scanned from its head (zones
 * are not assumed sorted) and the cursor's zone is replaced. The block search starts at the zone's cur_block, or at
 * its first block when @pfn lies below that, and walks forward; the block found becomes cur_block.
 */
// @ts-ignore: decorator
@inline function bmlistFindBlock(bm: usize, pfn: u32): usize {
  let zone = <usize>load<u32>(bm, CUR_ZONE);
  if (pfn < load<u32>(zone, ZBM_START_PFN) || pfn >= load<u32>(zone, ZBM_END_PFN)) {
    zone = <usize>load<u32>(storageOf(bm), HDR_ZONES);
    while (pfn < load<u32>(zone, ZBM_START_PFN) || pfn >= load<u32>(zone, ZBM_END_PFN)) {
      zone = <usize>load<u32>(zone, ZBM_NEXT);
      if (DEBUG) assert(zone != 0, "memory_bm_find_bit: PFN in no zone");
    }
    store<u32>(bm, <u32>zone, CUR_ZONE);
  }
  let bb = <usize>load<u32>(zone, ZBM_CUR_BLOCK);
  if (pfn < load<u32>(bb, BB_START_PFN)) bb = <usize>load<u32>(zone, ZBM_BLOCKS);
  while (pfn >= load<u32>(bb, BB_END_PFN)) {
    bb = <usize>load<u32>(bb, BB_NEXT);
    if (DEBUG) assert(bb != 0, "memory_bm_find_bit: PFN past the zone's blocks");
  }
  store<u32>(zone, <u32>bb, ZBM_CUR_BLOCK);
  return bb;
}

// @ts-ignore: decorator
@inline function wordOf(bb: usize, pfn: u32): usize {
  return <usize>load<u32>(bb, BB_DATA) + (<usize>((pfn - load<u32>(bb, BB_START_PFN)) >> 6) << 3);
}

// @ts-ignore: decorator
@inline function maskOf(bb: usize, pfn: u32): u64 {
  return <u64>1 << <u64>((pfn - load<u32>(bb, BB_START_PFN)) & 63);
}

/** bmlistSet - memory_bm_set_bit. */
export function bmlistSet(bm: usize, pfn: u32): void {
  const bb = bmlistFindBlock(bm, pfn);
  const w = wordOf(bb, pfn);
  store<u64>(w, load<u64>(w) | maskOf(bb, pfn));
}

/** bmlistClear - memory_bm_clear_bit. */
export function bmlistClear(bm: usize, pfn: u32): void {
  const bb = bmlistFindBlock(bm, pfn);
  const w = wordOf(bb, pfn);
  store<u64>(w, load<u64>(w) & ~maskOf(bb, pfn));
}

/** bmlistTest - memory_bm_test_bit. */
export function bmlistTest(bm: usize, pfn: u32): bool {
  const bb = bmlistFindBlock(bm, pfn);
  return (load<u64>(wordOf(bb, pfn)) & maskOf(bb, pfn)) != 0;
}

/** bmlistSetMany - memory_bm_set_bit for each of the @n PFNs at @pfns. */
export function bmlistSetMany(bm: usize, pfns: usize, n: u32): void {
  const end = pfns + (<usize>n << 2);
  for (let p = pfns; p < end; p += 4) {
    const pfn = load<u32>(p);
    const bb = bmlistFindBlock(bm, pfn);
    const w = wordOf(bb, pfn);
    store<u64>(w, load<u64>(w) | maskOf(bb, pfn));
  }
}

/** bmlistClearMany - memory_bm_clear_bit for each of the @n PFNs at @pfns. */
export function bmlistClearMany(bm: usize, pfns: usize, n: u32): void {
  const end = pfns + (<usize>n << 2);
  for (let p = pfns; p < end; p += 4) {
    const pfn = load<u32>(p);
    const bb = bmlistFindBlock(bm, pfn);
    const w = wordOf(bb, pfn);
    store<u64>(w, load<u64>(w) & ~maskOf(bb, pfn));
  }
}

/** bmlistTestMany - memory_bm_test_bit for each of the @n PFNs at @pfns; bytes to @out unless 0. Returns hits. */
export function bmlistTestMany(bm: usize, pfns: usize, n: u32, out: usize): u32 {
  let hits: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const pfn = load<u32>(pfns + (<usize>i << 2));
    const bb = bmlistFindBlock(bm, pfn);
    const b = (load<u64>(wordOf(bb, pfn)) & maskOf(bb, pfn)) != 0 ? 1 : 0;
    hits += b;
    if (out != 0) store<u8>(out + <usize>i, <u8>b);
  }
  return hits;
}

// @ts-ignore: decorator
@inline function storeCursor(bm: usize, zone: usize, bb: usize, chunk: u32, bit: i32): void {
  store<u32>(bm, <u32>zone, CUR_ZONE);
  store<u32>(bm, <u32>bb, CUR_BLOCK);
  store<u32>(bm, chunk, CUR_CHUNK);
  store<i32>(bm, bit, CUR_BITNR);
}

/**
 * bmlistNextMany - memory_bm_next_pfn (v2.6.22) until it returns BM_END_OF_MAP or @cap PFNs were found; each is
 * written to @out unless it is 0. Returns the number found: fewer than @cap means the end was reached, and then the
 * cursor has been reset to the start, as the 2006 iterator does.
 */
export function bmlistNextMany(bm: usize, out: usize, cap: u32): u32 {
  if (cap == 0) return 0;
  let zone = <usize>load<u32>(bm, CUR_ZONE);
  let bb = <usize>load<u32>(bm, CUR_BLOCK);
  let chunk = load<u32>(bm, CUR_CHUNK);
  let bit = load<i32>(bm, CUR_BITNR);
  let count: u32 = 0;
  for (;;) {
    if (bb != 0) {
      const size = load<u32>(bb, BB_SIZE_WORDS);
      if (chunk < size) {
        const data = <usize>load<u32>(bb, BB_DATA);
        const base = load<u32>(bb, BB_START_PFN);
        let w = bit >= 63 ? 0 : load<u64>(data + (<usize>chunk << 3)) & (<u64>-1 << <u64>(bit + 1));
        for (;;) {
          if (out != 0 && cap - count >= 64) {
            count = emitWord(out, count, w, base + (chunk << 6));
            bit = select<i32>(<i32>topBit(w), bit, w != 0);
            if (count == cap) {
              storeCursor(bm, zone, bb, chunk, bit);
              store<u32>(bm, base + (chunk << 6) + <u32>bit, BMD_CUR_PFN);
              return count;
            }
          } else if (out != 0) {
            while (w != 0) {
              bit = <i32>ctz(w);
              const next = base + (chunk << 6) + <u32>bit;
              store<u32>(out + (<usize>count << 2), next);
              w &= w - 1;
              if (++count == cap) {
                storeCursor(bm, zone, bb, chunk, bit);
                store<u32>(bm, next, BMD_CUR_PFN);
                return count;
              }
            }
          } else if (w != 0) {
            const c = <u32>popcnt(w);
            if (count + c >= cap) {
              for (let k = cap - count; k > 1; k--) w &= w - 1;
              bit = <i32>ctz(w);
              storeCursor(bm, zone, bb, chunk, bit);
              store<u32>(bm, base + (chunk << 6) + <u32>bit, BMD_CUR_PFN);
              return cap;
            }
            count += c;
          }
          if (++chunk >= size) break;
          w = load<u64>(data + (<usize>chunk << 3));
        }
      }
      bb = <usize>load<u32>(bb, BB_NEXT);
      chunk = 0;
      bit = -1;
      if (bb != 0) continue;
    }
    zone = <usize>load<u32>(zone, ZBM_NEXT);
    if (zone == 0) break;
    bb = <usize>load<u32>(zone, ZBM_BLOCKS);
    chunk = 0;
    bit = -1;
  }
  bmlistPositionReset(bm);
  return count;
}

/** bmlistNextPfn - memory_bm_next_pfn (v2.6.22); at the end the cursor is reset and BM_END_OF_MAP returned. */
export function bmlistNextPfn(bm: usize): u32 {
  return bmlistNextMany(bm, 0, 1) != 0 ? load<u32>(bm, BMD_CUR_PFN) : BM_END_OF_MAP;
}

/**
 * bmlistSeek - Put the cursor just before @pfn, found as memory_bm_find_bit finds it (the block walk included), so
 * that the next bmlistNextPfn() returns the first set bit at or after @pfn. Past the end of the map the cursor is
 * left on the last zone with no block, and the next call ends the map (and resets the cursor).
 */
export function bmlistSeek(bm: usize, pfn: u32): void {
  const start = load<u32>(bm, BMD_START_PFN);
  if (pfn < start) pfn = start;
  if (pfn >= load<u32>(bm, BMD_END_PFN)) {
    let zone = <usize>load<u32>(storageOf(bm), HDR_ZONES);
    while (load<u32>(zone, ZBM_NEXT) != 0) zone = <usize>load<u32>(zone, ZBM_NEXT);
    store<u32>(bm, <u32>zone, CUR_ZONE);
    store<u32>(bm, 0, CUR_BLOCK);
  } else {
    const bb = bmlistFindBlock(bm, pfn);
    const offset = pfn - load<u32>(bb, BB_START_PFN);
    store<u32>(bm, <u32>bb, CUR_BLOCK);
    store<u32>(bm, offset >> 6, CUR_CHUNK);
    store<i32>(bm, <i32>(offset & 63) - 1, CUR_BITNR);
  }
  store<u32>(bm, BM_END_OF_MAP, BMD_CUR_PFN);
}

/**
 * bmlistClearCurrent - Clear the bit the cursor stands on, i.e. the one bmlistNextPfn() returned last (nothing after
 * a reset, a seek or the end of the map).
 */
export function bmlistClearCurrent(bm: usize): void {
  if (load<u32>(bm, BMD_CUR_PFN) == BM_END_OF_MAP) return;
  const bb = <usize>load<u32>(bm, CUR_BLOCK);
  const w = <usize>load<u32>(bb, BB_DATA) + (<usize>load<u32>(bm, CUR_CHUNK) << 3);
  store<u64>(w, load<u64>(w) & ~(<u64>1 << <u64>load<i32>(bm, CUR_BITNR)));
}

/** bmlistCount - Set bits, block by block. */
export function bmlistCount(bm: usize): u32 {
  let count: u64 = 0;
  for (let zone = <usize>load<u32>(storageOf(bm), HDR_ZONES); zone != 0; zone = <usize>load<u32>(zone, ZBM_NEXT)) {
    for (let bb = <usize>load<u32>(zone, ZBM_BLOCKS); bb != 0; bb = <usize>load<u32>(bb, BB_NEXT)) {
      const data = <usize>load<u32>(bb, BB_DATA);
      const size = load<u32>(bb, BB_SIZE_WORDS);
      for (let i: u32 = 0; i < size; i++) count += popcnt(load<u64>(data + (<usize>i << 3)));
    }
  }
  return <u32>count;
}

/** bmlistSameLayout - True if @a and @b have the same zones and blocks, so their data pages line up. */
export function bmlistSameLayout(a: usize, b: usize): bool {
  const sa = storageOf(a);
  const sb = storageOf(b);
  if (load<u32>(sa, HDR_NR_BLOCKS) != load<u32>(sb, HDR_NR_BLOCKS)) return false;
  if (load<u32>(sa, HDR_PAGE_SIZE) != load<u32>(sb, HDR_PAGE_SIZE)) return false;
  let za = <usize>load<u32>(sa, HDR_ZONES);
  let zb = <usize>load<u32>(sb, HDR_ZONES);
  while (za != 0 && zb != 0) {
    if (load<u32>(za, ZBM_START_PFN) != load<u32>(zb, ZBM_START_PFN)) return false;
    if (load<u32>(za, ZBM_END_PFN) != load<u32>(zb, ZBM_END_PFN)) return false;
    za = <usize>load<u32>(za, ZBM_NEXT);
    zb = <usize>load<u32>(zb, ZBM_NEXT);
  }
  return za == zb;
}

/** bmlistOr - OR the data pages of @src into @dst (bmlistSameLayout() holds), word by word. */
export function bmlistOr(dst: usize, src: usize): void {
  const ss = storageOf(src);
  const d = <usize>load<u32>(storageOf(dst), HDR_DATA);
  const s = <usize>load<u32>(ss, HDR_DATA);
  const bytes = <usize>load<u32>(ss, HDR_NR_BLOCKS) * <usize>load<u32>(ss, HDR_PAGE_SIZE);
  for (let o: usize = 0; o < bytes; o += 8) store<u64>(d + o, load<u64>(d + o) | load<u64>(s + o));
}

/**
 * bmlistTouchLast - Leave the lookup caches as memory_bm_set_bit() for every set bit, in ascending order, would have:
 * each zone's cur_block on the block of its last set bit, the cursor's zone on the zone of the last set bit. The
 * word-wise duplicate calls it on its destination so that the fast path is indistinguishable from the kernel's loop.
 */
export function bmlistTouchLast(bm: usize): void {
  for (let zone = <usize>load<u32>(storageOf(bm), HDR_ZONES); zone != 0; zone = <usize>load<u32>(zone, ZBM_NEXT)) {
    let lastBlock: usize = 0;
    for (let bb = <usize>load<u32>(zone, ZBM_BLOCKS); bb != 0; bb = <usize>load<u32>(bb, BB_NEXT)) {
      const data = <usize>load<u32>(bb, BB_DATA);
      const size = load<u32>(bb, BB_SIZE_WORDS);
      for (let i: u32 = 0; i < size; i++) {
        if (load<u64>(data + (<usize>i << 3)) != 0) {
          lastBlock = bb;
          break;
        }
      }
    }
    if (lastBlock != 0) {
      store<u32>(zone, <u32>lastBlock, ZBM_CUR_BLOCK);
      store<u32>(bm, <u32>zone, CUR_ZONE);
    }
  }
}

/**
 * bmlistCheck - 0 if the zones and blocks tile [start_pfn, end_pfn) in ascending order as memory_bm_create lays them
 * out and no bit outside a block's range is set; else a code: 1 a zone gap or overlap, 2 a block gap, overlap or
 * wrong size, 3 a bit past a block's end, 4 the map's ends are not covered.
 */
export function bmlistCheck(bm: usize): u32 {
  const storage = storageOf(bm);
  const bitsPerBlock = load<u32>(storage, HDR_PAGE_SIZE) << 3;
  const words = load<u32>(storage, HDR_PAGE_SIZE) >> 3;
  let pfn = load<u32>(bm, BMD_START_PFN);
  for (let zone = <usize>load<u32>(storage, HDR_ZONES); zone != 0; zone = <usize>load<u32>(zone, ZBM_NEXT)) {
    if (load<u32>(zone, ZBM_START_PFN) != pfn || load<u32>(zone, ZBM_END_PFN) <= pfn) return 1;
    for (let bb = <usize>load<u32>(zone, ZBM_BLOCKS); bb != 0; bb = <usize>load<u32>(bb, BB_NEXT)) {
      const start = load<u32>(bb, BB_START_PFN);
      const end = load<u32>(bb, BB_END_PFN);
      if (start != pfn || end <= start || end - start > bitsPerBlock) return 2;
      if (load<u32>(bb, BB_SIZE_WORDS) != (end - start + 63) >> 6) return 2;
      const data = <usize>load<u32>(bb, BB_DATA);
      for (let b = end - start; b < words << 6; b++) {
        if (((load<u64>(data + (<usize>(b >> 6) << 3)) >> <u64>(b & 63)) & 1) != 0) return 3;
      }
      pfn = end;
    }
    if (pfn != load<u32>(zone, ZBM_END_PFN)) return 2;
  }
  return pfn == load<u32>(bm, BMD_END_PFN) ? 0 : 4;
}
