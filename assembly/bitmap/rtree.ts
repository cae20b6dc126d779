// rtree - The 2014 radix-tree memory bitmap (Joerg Roedel, v3.17 onward, kernel/power/snapshot.c: struct
// mem_zone_bm_rtree): one tree per PFN extent whose leaves are one page of bits and whose inner nodes are one page of
// child pointers, leaves linked for iteration.
//
// Constants follow the page size (kernel/power/snapshot.c: BM_RTREE_LEVEL_SHIFT): a leaf holds page_size × 8 bits
// (BM_BLOCK_SHIFT = page_shift + 3), an inner node page_size / 8 slots of 8 bytes (BM_RTREE_LEVEL_SHIFT = page_shift -
// 3). The tree grows as add_rtree_block() grows it (kernel/power/snapshot.c): a new root above the old one whenever a
// block number needs another base-512 digit, so depth 0 is a single leaf. A lookup (memory_bm_find_bit,
// kernel/power/snapshot.c) reuses the cursor's leaf when the PFN lies in the same extent and the same leaf (the cache
// is keyed on (zone, node_pfn)), walks the tree otherwise, and moves the cursor's zone, node, node_pfn and cur_pfn —
// but not node_bit — to the PFN. Iteration (memory_bm_next_pfn, rtree_next_node, kernel/power/snapshot.c:
// memory_bm_next_pfn()) finds the next bit in the leaf, then follows the leaves list; at the end of the map the cursor
// stays on the last leaf and BM_END_OF_MAP comes back until a reset. memory_bm_clear_current clears bit max(node_bit -
// 1, 0) of the cursor's leaf.
//
// Every node is real: its rtree_node record and its page live in the slot storage, inner slots hold the address of
// the child's rtree_node, and the records are linked into the zone's nodes and leaves lists in allocation order.
//
// ╒══════════════ rtree storage (at BMD_STORAGE) ══════════════╕
// │ zones        address of the first mem_zone_bm_rtree        │ +0   HDR_ZONES
// │ page_shift                                                  │ +4   HDR_PAGE_SHIFT
// │ nr_nodes     leaves + inner nodes                           │ +8   HDR_NR_NODES
// │ used         bytes of storage in use                        │ +12  HDR_USED
// │ node_next    next free rtree_node record (while building)   │ +16  HDR_NODE_NEXT
// │ page_next    next free page (while building)                │ +20  HDR_PAGE_NEXT
// │ mem_zone_bm_rtree                                           │ +HDR_SIZE
// │ rtree_node × nr_nodes                                       │
// │ pages × nr_nodes, page_size each, 64-byte aligned           │
// └─────────────────────────────────────────────────────────────┘
// ╒════════ struct mem_zone_bm_rtree ═════════╕  ╒═══════ struct rtree_node ═══════╕
// │ next        next extent, 0 = last   +0    │  │ next   next in its list  +0    │
// │ start_pfn                           +4    │  │ data   its page          +4    │
// │ end_pfn     exclusive               +8    │  └────────────────────────────────┘ 8
// │ rtree       root rtree_node         +12   │  An inner page holds page_size / 8 u64 slots: the
// │ levels      inner levels above leaves +16 │  child's rtree_node address (0 = absent).
// │ blocks      leaves                  +20   │
// │ leaves      first leaf              +24   │  ╒═══ struct bm_position (descriptor aux) ═══╕
// │ leaves_tail last leaf               +28   │  │ zone       +BMD_AUX+0   CUR_ZONE           │
// │ nodes       first inner node        +32   │  │ node       +BMD_AUX+4   CUR_NODE (a leaf)  │
// │ nodes_tail  last inner node         +36   │  │ node_pfn   +BMD_AUX+8   CUR_NODE_PFN       │
// └───────────────────────────────────────────┘40│ node_bit   +BMD_AUX+12  CUR_NODE_BIT       │
//                                                 │ cur_pfn    BMD_CUR_PFN                     │
//                                                 └────────────────────────────────────────────┘
import {
  BMD_STORAGE, BMD_START_PFN, BMD_END_PFN, BMD_CUR_PFN, BMD_AUX, BM_END_OF_MAP, CTX_PAGE_SHIFT,
  CTX_BM_STORAGE_SIZE,
} from "../portable/layout";
import { ctx32, DEBUG } from "../common";
import { emitWord, topBit } from "./emit";
import { storageClear } from "./storage";

// @ts-ignore: decorator
@inline const HDR_ZONES: usize = 0;
// @ts-ignore: decorator
@inline const HDR_PAGE_SHIFT: usize = 4;
// @ts-ignore: decorator
@inline const HDR_NR_NODES: usize = 8;
// @ts-ignore: decorator
@inline const HDR_USED: usize = 12;
// @ts-ignore: decorator
@inline const HDR_NODE_NEXT: usize = 16;
// @ts-ignore: decorator
@inline const HDR_PAGE_NEXT: usize = 20;
// @ts-ignore: decorator
@inline const HDR_SIZE: u32 = 32;

// @ts-ignore: decorator
@inline const Z_NEXT: usize = 0;
// @ts-ignore: decorator
@inline const Z_START_PFN: usize = 4;
// @ts-ignore: decorator
@inline const Z_END_PFN: usize = 8;
// @ts-ignore: decorator
@inline const Z_RTREE: usize = 12;
// @ts-ignore: decorator
@inline const Z_LEVELS: usize = 16;
// @ts-ignore: decorator
@inline const Z_BLOCKS: usize = 20;
// @ts-ignore: decorator
@inline const Z_LEAVES: usize = 24;
// @ts-ignore: decorator
@inline const Z_LEAVES_TAIL: usize = 28;
// @ts-ignore: decorator
@inline const Z_NODES: usize = 32;
// @ts-ignore: decorator
@inline const Z_NODES_TAIL: usize = 36;
// @ts-ignore: decorator
@inline const Z_SIZE: u32 = 40;

// @ts-ignore: decorator
@inline const N_NEXT: usize = 0;
// @ts-ignore: decorator
@inline const N_DATA: usize = 4;
// @ts-ignore: decorator
@inline const N_SIZE: u32 = 8;

// @ts-ignore: decorator
@inline const CUR_ZONE: usize = BMD_AUX;
// @ts-ignore: decorator
@inline const CUR_NODE: usize = BMD_AUX + 4;
// @ts-ignore: decorator
@inline const CUR_NODE_PFN: usize = BMD_AUX + 8;
// @ts-ignore: decorator
@inline const CUR_NODE_BIT: usize = BMD_AUX + 12;

// @ts-ignore: decorator
@inline function storageOf(bm: usize): usize {
  return <usize>load<u32>(bm, BMD_STORAGE);
}

/** rtreeNodes - Leaves plus inner nodes of a tree over @bits PFNs (what create_zone_bm_rtree allocates). */
function rtreeNodes(bits: u32, pageShift: u32): u64 {
  const leafBits = <u64>1 << <u64>(pageShift + 3);
  const fanout = <u64>1 << <u64>(pageShift - 3);
  const leaves = (<u64>bits + leafBits - 1) / leafBits;
  let nodes = leaves;
  let level = leaves;
  while (level > 1) {
    level = (level + fanout - 1) / fanout;
    nodes += level;
  }
  return nodes;
}

/** rtreeStorageBytes - Storage bytes of a radix tree over @bits PFNs with @pageSize-byte nodes. */
export function rtreeStorageBytes(bits: u32, pageSize: u32): u64 {
  const nodes = rtreeNodes(bits, <u32>ctz(pageSize));
  const records = <u64>HDR_SIZE + <u64>Z_SIZE + nodes * <u64>N_SIZE;
  return ((records + 63) & ~<u64>63) + 64 + nodes * <u64>pageSize;
}

/** rtreeStorageUsed - Bytes of the slot's storage this tree's records and pages take. */
export function rtreeStorageUsed(bm: usize): u32 {
  return load<u32>(storageOf(bm), HDR_USED);
}

/** alloc_rtree_node - Take the next record and page, and append the node to the list at @head / @tail of @zone. */
function allocRtreeNode(storage: usize, zone: usize, head: usize, tail: usize): usize {
  const node = <usize>load<u32>(storage, HDR_NODE_NEXT);
  const page = <usize>load<u32>(storage, HDR_PAGE_NEXT);
  store<u32>(storage, <u32>(node + <usize>N_SIZE), HDR_NODE_NEXT);
  store<u32>(storage, <u32>(page + (<usize>1 << <usize>load<u32>(storage, HDR_PAGE_SHIFT))), HDR_PAGE_NEXT);
  store<u32>(node, <u32>page, N_DATA);
  const last = <usize>load<u32>(zone + tail);
  if (last == 0) store<u32>(zone + head, <u32>node);
  else store<u32>(last, <u32>node, N_NEXT);
  store<u32>(zone + tail, <u32>node);
  return node;
}

/** add_rtree_block - Append the next leaf to @zone, growing the tree by a level whenever block_nr needs one. */
function addRtreeBlock(storage: usize, zone: usize): void {
  const levelShift = load<u32>(storage, HDR_PAGE_SHIFT) - 3;
  const levelMask = (<u32>1 << levelShift) - 1;
  const blockNr = load<u32>(zone, Z_BLOCKS);
  let levelsNeeded: u32 = 0;
  for (let b = blockNr; b != 0; b >>= levelShift) levelsNeeded++;
  while (load<u32>(zone, Z_LEVELS) < levelsNeeded) {
    const node = allocRtreeNode(storage, zone, Z_NODES, Z_NODES_TAIL);
    store<u64>(<usize>load<u32>(node, N_DATA), <u64>load<u32>(zone, Z_RTREE));
    store<u32>(zone, <u32>node, Z_RTREE);
    store<u32>(zone, load<u32>(zone, Z_LEVELS) + 1, Z_LEVELS);
  }
  const block = allocRtreeNode(storage, zone, Z_LEAVES, Z_LEAVES_TAIL);
  let dst = zone + Z_RTREE;
  let dstIsSlot = false;
  for (let i = load<u32>(zone, Z_LEVELS); i > 0; i--) {
    let node = dstIsSlot ? <usize>load<u64>(dst) : <usize>load<u32>(dst);
    if (node == 0) {
      node = allocRtreeNode(storage, zone, Z_NODES, Z_NODES_TAIL);
      if (dstIsSlot) store<u64>(dst, <u64>node);
      else store<u32>(dst, <u32>node);
    }
    const index = (blockNr >> ((i - 1) * levelShift)) & levelMask;
    dst = <usize>load<u32>(node, N_DATA) + (<usize>index << 3);
    dstIsSlot = true;
  }
  if (dstIsSlot) store<u64>(dst, <u64>block);
  else store<u32>(dst, <u32>block);
  store<u32>(zone, blockNr + 1, Z_BLOCKS);
}

/**
 * rtreeInit - create_zone_bm_rtree for the map's one extent [start_pfn, end_pfn): ceil(pages / BM_BITS_PER_BLOCK)
 * calls of add_rtree_block, every page cleared.
 */
export function rtreeInit(bm: usize): void {
  const storage = storageOf(bm);
  const start = load<u32>(bm, BMD_START_PFN);
  const end = load<u32>(bm, BMD_END_PFN);
  const pageShift = ctx32(CTX_PAGE_SHIFT);
  const nodes = <u32>rtreeNodes(end - start, pageShift);
  const zone = storage + <usize>HDR_SIZE;
  const records = zone + <usize>Z_SIZE;
  const pages = (records + <usize>nodes * <usize>N_SIZE + 63) & ~<usize>63;
  const used = pages + (<usize>nodes << <usize>pageShift) - storage;
  const room = <usize>ctx32(CTX_BM_STORAGE_SIZE);
  if (DEBUG) assert(used <= room || room == 0, "rtree: storage too small");
  storageClear(bm, storage, storage + used);
  store<u32>(storage, <u32>zone, HDR_ZONES);
  store<u32>(storage, pageShift, HDR_PAGE_SHIFT);
  store<u32>(storage, nodes, HDR_NR_NODES);
  store<u32>(storage, <u32>used, HDR_USED);
  store<u32>(storage, <u32>records, HDR_NODE_NEXT);
  store<u32>(storage, <u32>pages, HDR_PAGE_NEXT);
  store<u32>(zone, start, Z_START_PFN);
  store<u32>(zone, end, Z_END_PFN);
  const leafBits = <u64>1 << <u64>(pageShift + 3);
  const blocks = <u32>((<u64>(end - start) + leafBits - 1) / leafBits);
  for (let i: u32 = 0; i < blocks; i++) addRtreeBlock(storage, zone);
  const next = <usize>load<u32>(storage, HDR_NODE_NEXT);
  if (DEBUG) assert(next == records + <usize>nodes * <usize>N_SIZE, "rtree: node count");
}

/** rtreePositionReset - memory_bm_position_reset: first extent, its first leaf, node_pfn 0, node_bit 0. */
export function rtreePositionReset(bm: usize): void {
  const zone = <usize>load<u32>(storageOf(bm), HDR_ZONES);
  store<u32>(bm, <u32>zone, CUR_ZONE);
  store<u32>(bm, load<u32>(zone, Z_LEAVES), CUR_NODE);
  store<u32>(bm, 0, CUR_NODE_PFN);
  store<u32>(bm, 0, CUR_NODE_BIT);
  store<u32>(bm, BM_END_OF_MAP, BMD_CUR_PFN);
}

/**
 * rtreeFindLeaf - memory_bm_find_bit: the leaf holding @pfn, through the cursor's leaf when (zone, node_pfn) match,
 * else by walking the tree from the root; the cursor's zone, node, node_pfn and cur_pfn then describe @pfn.
 */
// @ts-ignore: decorator
@inline function rtreeFindLeaf(bm: usize, pfn: u32): usize {
  const storage = storageOf(bm);
  const curZone = <usize>load<u32>(bm, CUR_ZONE);
  let zone = curZone;
  if (pfn < load<u32>(zone, Z_START_PFN) || pfn >= load<u32>(zone, Z_END_PFN)) {
    zone = <usize>load<u32>(storage, HDR_ZONES);
    while (pfn < load<u32>(zone, Z_START_PFN) || pfn >= load<u32>(zone, Z_END_PFN)) {
      zone = <usize>load<u32>(zone, Z_NEXT);
      if (DEBUG) assert(zone != 0, "memory_bm_find_bit: PFN in no extent");
    }
  }
  const pageShift = load<u32>(storage, HDR_PAGE_SHIFT);
  const blockShift = pageShift + 3;
  const offset = pfn - load<u32>(zone, Z_START_PFN);
  const nodePfn = offset & ~((<u32>1 << blockShift) - 1);
  let node: usize;
  if (zone == curZone && nodePfn == load<u32>(bm, CUR_NODE_PFN)) {
    node = <usize>load<u32>(bm, CUR_NODE);
  } else {
    const levelShift = pageShift - 3;
    const levelMask = (<u32>1 << levelShift) - 1;
    const blockNr = offset >> blockShift;
    node = <usize>load<u32>(zone, Z_RTREE);
    for (let i = load<u32>(zone, Z_LEVELS); i > 0; i--) {
      const index = (blockNr >> ((i - 1) * levelShift)) & levelMask;
      node = <usize>load<u32>(<usize>load<u32>(node, N_DATA) + (<usize>index << 3));
      if (DEBUG) assert(node != 0, "memory_bm_find_bit: missing rtree node");
    }
    store<u32>(bm, <u32>zone, CUR_ZONE);
    store<u32>(bm, <u32>node, CUR_NODE);
    store<u32>(bm, nodePfn, CUR_NODE_PFN);
  }
  store<u32>(bm, pfn, BMD_CUR_PFN);
  return node;
}

// @ts-ignore: decorator
@inline function leafWord(bm: usize, node: usize, pfn: u32): usize {
  const bit = pfn - load<u32>(<usize>load<u32>(bm, CUR_ZONE), Z_START_PFN) - load<u32>(bm, CUR_NODE_PFN);
  return <usize>load<u32>(node, N_DATA) + (<usize>(bit >> 6) << 3);
}

// @ts-ignore: decorator
@inline function leafMask(bm: usize, pfn: u32): u64 {
  return <u64>1 << <u64>((pfn - load<u32>(<usize>load<u32>(bm, CUR_ZONE), Z_START_PFN)) & 63);
}

/** rtreeSet - memory_bm_set_bit. */
export function rtreeSet(bm: usize, pfn: u32): void {
  const node = rtreeFindLeaf(bm, pfn);
  const w = leafWord(bm, node, pfn);
  store<u64>(w, load<u64>(w) | leafMask(bm, pfn));
}

/** rtreeClear - memory_bm_clear_bit. */
export function rtreeClear(bm: usize, pfn: u32): void {
  const node = rtreeFindLeaf(bm, pfn);
  const w = leafWord(bm, node, pfn);
  store<u64>(w, load<u64>(w) & ~leafMask(bm, pfn));
}

/** rtreeTest - memory_bm_test_bit. */
export function rtreeTest(bm: usize, pfn: u32): bool {
  const node = rtreeFindLeaf(bm, pfn);
  return (load<u64>(leafWord(bm, node, pfn)) & leafMask(bm, pfn)) != 0;
}

// @ts-ignore: decorator
@inline const MANY_SET: u32 = 0;
// @ts-ignore: decorator
@inline const MANY_CLEAR: u32 = 1;
// @ts-ignore: decorator
@inline const MANY_TEST: u32 = 2;

/**
 * rtreeMany - memory_bm_find_bit and one bit operation for each of the @n PFNs at @pfns, with the cursor kept in
 * locals for the length of the call and written back at the end: the same lookups (cache on (zone, node_pfn), else a
 * walk from the root) and the same final cursor as @n separate calls, without storing it @n times.
 */
// @ts-ignore: decorator
@inline function rtreeMany(bm: usize, pfns: usize, n: u32, out: usize, mode: u32): u32 {
  if (n == 0) return 0;
  const storage = storageOf(bm);
  const pageShift = load<u32>(storage, HDR_PAGE_SHIFT);
  const blockShift = pageShift + 3;
  const blockMask = (<u32>1 << blockShift) - 1;
  const levelShift = pageShift - 3;
  const levelMask = (<u32>1 << levelShift) - 1;
  let zone = <usize>load<u32>(bm, CUR_ZONE);
  let zoneStart = load<u32>(zone, Z_START_PFN);
  let zoneEnd = load<u32>(zone, Z_END_PFN);
  let node = <usize>load<u32>(bm, CUR_NODE);
  let nodePfn = load<u32>(bm, CUR_NODE_PFN);
  let data = <usize>load<u32>(node, N_DATA);
  let hits: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const pfn = load<u32>(pfns + (<usize>i << 2));
    let moved = false;
    if (pfn < zoneStart || pfn >= zoneEnd) {
      zone = <usize>load<u32>(storage, HDR_ZONES);
      while (pfn < load<u32>(zone, Z_START_PFN) || pfn >= load<u32>(zone, Z_END_PFN)) {
        zone = <usize>load<u32>(zone, Z_NEXT);
        if (DEBUG) assert(zone != 0, "memory_bm_find_bit: PFN in no extent");
      }
      zoneStart = load<u32>(zone, Z_START_PFN);
      zoneEnd = load<u32>(zone, Z_END_PFN);
      moved = true;
    }
    const offset = pfn - zoneStart;
    const leafPfn = offset & ~blockMask;
    if (moved || leafPfn != nodePfn) {
      const blockNr = offset >> blockShift;
      node = <usize>load<u32>(zone, Z_RTREE);
      for (let l = load<u32>(zone, Z_LEVELS); l > 0; l--) {
        const index = (blockNr >> ((l - 1) * levelShift)) & levelMask;
        node = <usize>load<u32>(<usize>load<u32>(node, N_DATA) + (<usize>index << 3));
      }
      nodePfn = leafPfn;
      data = <usize>load<u32>(node, N_DATA);
    }
    const bit = offset & blockMask;
    const w = data + (<usize>(bit >> 6) << 3);
    const mask = <u64>1 << <u64>(bit & 63);
    if (mode == MANY_SET) {
      store<u64>(w, load<u64>(w) | mask);
    } else if (mode == MANY_CLEAR) {
      store<u64>(w, load<u64>(w) & ~mask);
    } else {
      const b: u32 = (load<u64>(w) & mask) != 0 ? 1 : 0;
      hits += b;
      if (out != 0) store<u8>(out + <usize>i, <u8>b);
    }
  }
  store<u32>(bm, <u32>zone, CUR_ZONE);
  store<u32>(bm, <u32>node, CUR_NODE);
  store<u32>(bm, nodePfn, CUR_NODE_PFN);
  store<u32>(bm, load<u32>(pfns + (<usize>(n - 1) << 2)), BMD_CUR_PFN);
  return hits;
}

/** rtreeSetMany - memory_bm_set_bit for each of the @n PFNs at @pfns. */
export function rtreeSetMany(bm: usize, pfns: usize, n: u32): void {
  rtreeMany(bm, pfns, n, 0, MANY_SET);
}

/** rtreeClearMany - memory_bm_clear_bit for each of the @n PFNs at @pfns. */
export function rtreeClearMany(bm: usize, pfns: usize, n: u32): void {
  rtreeMany(bm, pfns, n, 0, MANY_CLEAR);
}

/** rtreeTestMany - memory_bm_test_bit for each of the @n PFNs at @pfns; bytes to @out unless 0. Returns hits. */
export function rtreeTestMany(bm: usize, pfns: usize, n: u32, out: usize): u32 {
  return rtreeMany(bm, pfns, n, out, MANY_TEST);
}

// @ts-ignore: decorator
@inline function storeCursor(bm: usize, zone: usize, node: usize, nodePfn: u32, nodeBit: u32): void {
  store<u32>(bm, <u32>zone, CUR_ZONE);
  store<u32>(bm, <u32>node, CUR_NODE);
  store<u32>(bm, nodePfn, CUR_NODE_PFN);
  store<u32>(bm, nodeBit, CUR_NODE_BIT);
}

/**
 * rtreeNextMany - memory_bm_next_pfn until it returns BM_END_OF_MAP or @cap PFNs were found; each is written to @out
 * unless it is 0. Returns the number found; fewer than @cap means the end was reached, and the cursor then stays on
 * the last leaf (rtree_next_node failed), as in the kernel.
 */
export function rtreeNextMany(bm: usize, out: usize, cap: u32): u32 {
  if (cap == 0) return 0;
  const blockShift = load<u32>(storageOf(bm), HDR_PAGE_SHIFT) + 3;
  const leafBits = <u32>1 << blockShift;
  let zone = <usize>load<u32>(bm, CUR_ZONE);
  let node = <usize>load<u32>(bm, CUR_NODE);
  let nodePfn = load<u32>(bm, CUR_NODE_PFN);
  let nodeBit = load<u32>(bm, CUR_NODE_BIT);
  let count: u32 = 0;
  let more = true;
  while (more) {
    const zoneStart = load<u32>(zone, Z_START_PFN);
    const pages = load<u32>(zone, Z_END_PFN) - zoneStart;
    const left = pages - nodePfn;
    const bits = left < leafBits ? left : leafBits;
    if (nodeBit < bits) {
      const data = <usize>load<u32>(node, N_DATA);
      const nwords = (bits + 63) >> 6;
      let idx = nodeBit >> 6;
      let w = load<u64>(data + (<usize>idx << 3)) & (<u64>-1 << <u64>(nodeBit & 63));
      const base = zoneStart + nodePfn;
      for (;;) {
        if (out != 0 && cap - count >= 64) {
          count = emitWord(out, count, w, base + (idx << 6));
          nodeBit = select<u32>((idx << 6) + topBit(w) + 1, nodeBit, w != 0);
          if (count == cap) {
            storeCursor(bm, zone, node, nodePfn, nodeBit);
            store<u32>(bm, base + nodeBit - 1, BMD_CUR_PFN);
            return count;
          }
        } else if (out != 0) {
          while (w != 0) {
            const bit = (idx << 6) + <u32>ctz(w);
            store<u32>(out + (<usize>count << 2), base + bit);
            nodeBit = bit + 1;
            w &= w - 1;
            if (++count == cap) {
              storeCursor(bm, zone, node, nodePfn, nodeBit);
              store<u32>(bm, base + bit, BMD_CUR_PFN);
              return count;
            }
          }
        } else if (w != 0) {
          const c = <u32>popcnt(w);
          if (count + c >= cap) {
            for (let k = cap - count; k > 1; k--) w &= w - 1;
            const bit = (idx << 6) + <u32>ctz(w);
            storeCursor(bm, zone, node, nodePfn, bit + 1);
            store<u32>(bm, base + bit, BMD_CUR_PFN);
            return cap;
          }
          count += c;
          nodeBit = (idx << 6) + 64 - <u32>clz(w);
        }
        if (++idx >= nwords) break;
        w = load<u64>(data + (<usize>idx << 3));
      }
    }
    // rtree_next_node
    const next = <usize>load<u32>(node, N_NEXT);
    if (next != 0) {
      node = next;
      nodePfn += leafBits;
      nodeBit = 0;
      continue;
    }
    const nextZone = <usize>load<u32>(zone, Z_NEXT);
    if (nextZone != 0) {
      zone = nextZone;
      node = <usize>load<u32>(zone, Z_LEAVES);
      nodePfn = 0;
      nodeBit = 0;
      continue;
    }
    more = false;
  }
  storeCursor(bm, zone, node, nodePfn, nodeBit);
  store<u32>(bm, BM_END_OF_MAP, BMD_CUR_PFN);
  return count;
}

/** rtreeNextPfn - memory_bm_next_pfn; at the end the cursor stays there and BM_END_OF_MAP comes back until a reset. */
export function rtreeNextPfn(bm: usize): u32 {
  return rtreeNextMany(bm, 0, 1) != 0 ? load<u32>(bm, BMD_CUR_PFN) : BM_END_OF_MAP;
}

/** rtreeLastLeaf - Put the cursor on the last leaf of the last extent with node_bit @nodeBit. */
function rtreeLastLeaf(bm: usize, nodeBit: u32): usize {
  let zone = <usize>load<u32>(storageOf(bm), HDR_ZONES);
  while (load<u32>(zone, Z_NEXT) != 0) zone = <usize>load<u32>(zone, Z_NEXT);
  const blockShift = load<u32>(storageOf(bm), HDR_PAGE_SHIFT) + 3;
  const node = <usize>load<u32>(zone, Z_LEAVES_TAIL);
  store<u32>(bm, <u32>zone, CUR_ZONE);
  store<u32>(bm, <u32>node, CUR_NODE);
  store<u32>(bm, (load<u32>(zone, Z_BLOCKS) - 1) << blockShift, CUR_NODE_PFN);
  store<u32>(bm, nodeBit, CUR_NODE_BIT);
  store<u32>(bm, BM_END_OF_MAP, BMD_CUR_PFN);
  return node;
}

/**
 * rtreeSeek - Put the cursor on @pfn as memory_bm_find_bit finds it (the (zone, node_pfn) cache, else a tree walk),
 * with node_bit on @pfn, so that the next rtreeNextPfn() returns the first set bit at or after @pfn; cur_pfn is
 * BM_END_OF_MAP, as after a reset. Past the end of the map the cursor is left past the last leaf's bits.
 */
export function rtreeSeek(bm: usize, pfn: u32): void {
  const start = load<u32>(bm, BMD_START_PFN);
  if (pfn < start) pfn = start;
  if (pfn >= load<u32>(bm, BMD_END_PFN)) {
    rtreeLastLeaf(bm, <u32>1 << (load<u32>(storageOf(bm), HDR_PAGE_SHIFT) + 3));
    return;
  }
  rtreeFindLeaf(bm, pfn);
  const zoneStart = load<u32>(<usize>load<u32>(bm, CUR_ZONE), Z_START_PFN);
  store<u32>(bm, pfn - zoneStart - load<u32>(bm, CUR_NODE_PFN), CUR_NODE_BIT);
  store<u32>(bm, BM_END_OF_MAP, BMD_CUR_PFN);
}

/**
 * rtreePositionEnd - Leave the cursor as a full iteration from a reset leaves it when it returns BM_END_OF_MAP: on
 * the last leaf, node_bit one past that leaf's highest set bit (0 when the leaf is empty).
 */
export function rtreePositionEnd(bm: usize): void {
  let zone = <usize>load<u32>(storageOf(bm), HDR_ZONES);
  while (load<u32>(zone, Z_NEXT) != 0) zone = <usize>load<u32>(zone, Z_NEXT);
  const data = <usize>load<u32>(<usize>load<u32>(zone, Z_LEAVES_TAIL), N_DATA);
  const words = (<u32>1 << load<u32>(storageOf(bm), HDR_PAGE_SHIFT)) >> 3;
  let nodeBit: u32 = 0;
  for (let i = <i32>words - 1; i >= 0; i--) {
    const w = load<u64>(data + (<usize>i << 3));
    if (w != 0) {
      nodeBit = (<u32>i << 6) + 64 - <u32>clz(w);
      break;
    }
  }
  rtreeLastLeaf(bm, nodeBit);
}

/** rtreeClearCurrent - memory_bm_clear_current: clear bit max(node_bit - 1, 0) of the cursor's leaf. */
export function rtreeClearCurrent(bm: usize): void {
  const nodeBit = load<u32>(bm, CUR_NODE_BIT);
  const bit = nodeBit > 0 ? nodeBit - 1 : 0;
  const w = <usize>load<u32>(<usize>load<u32>(bm, CUR_NODE), N_DATA) + (<usize>(bit >> 6) << 3);
  store<u64>(w, load<u64>(w) & ~(<u64>1 << <u64>(bit & 63)));
}

/** rtreeCount - Set bits, leaf by leaf along the leaves lists. */
export function rtreeCount(bm: usize): u32 {
  const words = (<u32>1 << load<u32>(storageOf(bm), HDR_PAGE_SHIFT)) >> 3;
  let count: u64 = 0;
  for (let zone = <usize>load<u32>(storageOf(bm), HDR_ZONES); zone != 0; zone = <usize>load<u32>(zone, Z_NEXT)) {
    for (let node = <usize>load<u32>(zone, Z_LEAVES); node != 0; node = <usize>load<u32>(node, N_NEXT)) {
      const data = <usize>load<u32>(node, N_DATA);
      for (let i: u32 = 0; i < words; i++) count += popcnt(load<u64>(data + (<usize>i << 3)));
    }
  }
  return <u32>count;
}

/** rtreeSameLayout - True if @a and @b cover the same extents with the same page size, so their leaves pair up. */
export function rtreeSameLayout(a: usize, b: usize): bool {
  const sa = storageOf(a);
  const sb = storageOf(b);
  if (load<u32>(sa, HDR_PAGE_SHIFT) != load<u32>(sb, HDR_PAGE_SHIFT)) return false;
  let za = <usize>load<u32>(sa, HDR_ZONES);
  let zb = <usize>load<u32>(sb, HDR_ZONES);
  while (za != 0 && zb != 0) {
    if (load<u32>(za, Z_START_PFN) != load<u32>(zb, Z_START_PFN)) return false;
    if (load<u32>(za, Z_END_PFN) != load<u32>(zb, Z_END_PFN)) return false;
    za = <usize>load<u32>(za, Z_NEXT);
    zb = <usize>load<u32>(zb, Z_NEXT);
  }
  return za == zb;
}

/**
 * rtreeOr - OR every leaf of @src into the matching leaf of @dst (rtreeSameLayout() holds), walking both leaves lists.
 * Returns the highest PFN set in @src, or BM_END_OF_MAP if it is empty.
 */
export function rtreeOr(dst: usize, src: usize): u32 {
  const bytes = <usize>1 << <usize>load<u32>(storageOf(src), HDR_PAGE_SHIFT);
  let last = BM_END_OF_MAP;
  let zd = <usize>load<u32>(storageOf(dst), HDR_ZONES);
  for (let zs = <usize>load<u32>(storageOf(src), HDR_ZONES); zs != 0; zs = <usize>load<u32>(zs, Z_NEXT)) {
    let nd = <usize>load<u32>(zd, Z_LEAVES);
    let nodePfn: u32 = 0;
    for (let ns = <usize>load<u32>(zs, Z_LEAVES); ns != 0; ns = <usize>load<u32>(ns, N_NEXT)) {
      const d = <usize>load<u32>(nd, N_DATA);
      const s = <usize>load<u32>(ns, N_DATA);
      let top: i32 = -1;
      for (let o: usize = 0; o < bytes; o += 8) {
        const w = load<u64>(s + o);
        if (w != 0) {
          store<u64>(d + o, load<u64>(d + o) | w);
          top = <i32>(o << 3) + 63 - <i32>clz(w);
        }
      }
      if (top >= 0) last = load<u32>(zs, Z_START_PFN) + nodePfn + <u32>top;
      nodePfn += <u32>bytes << 3;
      nd = <usize>load<u32>(nd, N_NEXT);
    }
    zd = <usize>load<u32>(zd, Z_NEXT);
  }
  return last;
}

/** rtreeTouch - A lookup of @pfn for its effect on the cursor (zone, node, node_pfn, cur_pfn). */
export function rtreeTouch(bm: usize, pfn: u32): void {
  rtreeFindLeaf(bm, pfn);
}

/**
 * rtreeCheck - 0 if the tree is what create_zone_bm_rtree builds and holds no bit past the map; else a code: 1 a leaf
 * of the leaves list is not the one the tree walk reaches for its block number, 2 the leaf count is wrong, 3 a bit
 * past the extent's end is set, 4 the nodes do not add up to nr_nodes.
 */
export function rtreeCheck(bm: usize): u32 {
  const storage = storageOf(bm);
  const pageShift = load<u32>(storage, HDR_PAGE_SHIFT);
  const blockShift = pageShift + 3;
  const levelShift = pageShift - 3;
  const levelMask = (<u32>1 << levelShift) - 1;
  let nodes: u32 = 0;
  for (let zone = <usize>load<u32>(storage, HDR_ZONES); zone != 0; zone = <usize>load<u32>(zone, Z_NEXT)) {
    const pages = load<u32>(zone, Z_END_PFN) - load<u32>(zone, Z_START_PFN);
    const blocks = load<u32>(zone, Z_BLOCKS);
    if (<u64>blocks != (<u64>pages + (<u64>1 << <u64>blockShift) - 1) >> <u64>blockShift) return 2;
    let blockNr: u32 = 0;
    for (let leaf = <usize>load<u32>(zone, Z_LEAVES); leaf != 0; leaf = <usize>load<u32>(leaf, N_NEXT)) {
      let node = <usize>load<u32>(zone, Z_RTREE);
      for (let i = load<u32>(zone, Z_LEVELS); i > 0; i--) {
        const index = (blockNr >> ((i - 1) * levelShift)) & levelMask;
        node = <usize>load<u32>(<usize>load<u32>(node, N_DATA) + (<usize>index << 3));
        if (node == 0) return 1;
      }
      if (node != leaf) return 1;
      blockNr++;
      nodes++;
    }
    if (blockNr != blocks) return 2;
    const lastBits = pages - ((blocks - 1) << blockShift);
    const data = <usize>load<u32>(<usize>load<u32>(zone, Z_LEAVES_TAIL), N_DATA);
    const words = (<u32>1 << pageShift) >> 3;
    for (let b = lastBits; b < words << 6; b++) {
      if (((load<u64>(data + (<usize>(b >> 6) << 3)) >> <u64>(b & 63)) & 1) != 0) return 3;
    }
    for (let node = <usize>load<u32>(zone, Z_NODES); node != 0; node = <usize>load<u32>(node, N_NEXT)) nodes++;
  }
  return nodes == load<u32>(storage, HDR_NR_NODES) ? 0 : 4;
}
