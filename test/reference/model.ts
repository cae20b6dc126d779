/**
 * A reference model of the resume (kernel/power/snapshot.c as of v6.16) in plain TypeScript: Sets, Maps and arrays,
 * one function per kernel function, written for clarity and not for speed (machines of a few thousand frames).
 *
 * It is written from the documentation and the machine-model rules the engine promises, NOT from the engine's
 * restore code (assembly/snapshot.ts, pages.ts, chain.ts), so that the cross-check (test/crosscheck.test.ts) compares
 * two independent readings of the same algorithm.
 *
 * The machine model (what the engine implements besides the kernel's algorithm):
 * - frames 0..frames-1; lowmem [0, highmemStartPfn), HighMem [highmemStartPfn, frames); holes are not pfn_valid;
 * - a page allocator per class (lowmem, HighMem) with an order (a permutation of the class's PFNs) and a cursor: an
 *   allocation scans from the cursor, wrapping at most once, for the first frame not in use, takes it ("touched") and
 *   moves the cursor past it; freeing leaves the cursor alone. Holes, nosave frames and the boot kernel's frames are
 *   in use from boot. Only prepare_highmem_image() allocates from HighMem;
 * - every memory_bm_create(safe_needed) takes exactly bitmapChargePages(frames, pageSize) frames, one
 *   get_image_page(safe_needed) each, in sequence; memory_bm_free() gives them back in that order with
 *   free_image_page(); memory_bm_recycle() pushes them on safe_pages_list in that order.
 *
 * Frame contents are tracked symbolically (Content) so that the model predicts the final memory: which frames must
 * hold which image page, which must still hold what they held when the resume began, and which hold restore
 * metadata that the model does not predict byte by byte.
 */

/** A PFN range [start, end). */
export interface Range {
  start: number;
  end: number;
}

/** The machine the image is resumed into, with everything fixed. */
export interface ModelMachine {
  frames: number;
  pageSize: number;
  /** First HighMem PFN; frames when there is no HighMem. */
  highmemStartPfn: number;
  holes: readonly Range[];
  nosave: readonly Range[];
  /** The boot kernel's frames. */
  bootPfns: readonly number[];
  /** The allocator's order for lowmem: a permutation of [0, highmemStartPfn). */
  lowOrder: readonly number[];
  /** The allocator's order for HighMem: a permutation of [highmemStartPfn, frames). */
  highOrder: readonly number[];
}

/** What the image holds: its PFNs (C + Z of them) and which of them are zero pages. */
export interface ModelImage {
  pfns: readonly number[];
  zeroPfns: readonly number[];
}

/** How the model runs. */
export interface ModelOptions {
  /** Fault injection: the k-th page allocation of the resume fails (as ResumeOptions.failAllocationAt). */
  failAllocationAt?: number;
}

/** What a frame holds, symbolically. */
export type Content =
  /** What frame `pfn` held when the resume began (the boot kernel's data, or leftovers). */
  | { kind: "boot"; pfn: number }
  /** Image page of `pfn` (all zeros when it is a zero page). */
  | { kind: "image"; pfn: number }
  /** All zeros (a zeroed page nothing has written since). */
  | { kind: "zero" }
  /**
   * Not predicted: restore metadata (bitmap, chain page, list link, bounce page), or a frame the restore took and
   * gave back (free memory holds whatever it holds; the kernel zeroes pages when it allocates them, not when it frees).
   */
  | { kind: "meta" };

/** The phases, named as the engine names them (src/phaseNames.ts). */
export type ModelPhase =
  | "checkHeader"
  | "unpackOrigPfns"
  | "markUnsafePages"
  | "prepareImage"
  | "loadImage"
  | "restoreHighmem"
  | "atomicCopy";

/** The allocator and page-state maps after a phase. */
export interface PhaseState {
  phase: ModelPhase;
  /** Frames not free in the page allocator, ascending. */
  inUse: number[];
  /** forbidden_pages_map, ascending (null while the basic bitmaps do not exist). */
  forbidden: number[] | null;
  /** free_pages_map, ascending. */
  free: number[] | null;
  /** safe_pages_list from its head. */
  safePagesList: number[];
}

/** The counts of src/resume.ts ResumeCounts. */
export interface ModelCounts {
  imagePages: number;
  zeroPages: number;
  highmemPages: number;
  ownedFrames: number;
  directPages: number;
  safePages: number;
  chainPages: number;
  pbes: number;
  highmemPbes: number;
  allocatedUnsafePages: number;
  bitmapPages: number;
}

/** A PBE of restore_pblist, by PFN. */
export interface ModelPbe {
  address: number;
  origAddress: number;
  /** The chain page that holds the PBE record. */
  chainPage: number;
}

/** An entry of highmem_pblist, by PFN. */
export interface ModelHighmemPbe {
  copyPage: number;
  origPage: number;
  chainPage: number;
}

/** The outcome of a modelled resume. */
export interface ModelResult {
  outcome: { ok: true } | { ok: false; phase: ModelPhase; code: "ENOMEM" };
  /** Counts as the engine reports them (meaningful when the resume succeeded). */
  counts: ModelCounts;
  /** restore_pblist from its head (empty after a failure: swsusp_free() clears it). */
  restorePblist: ModelPbe[];
  /** highmem_pblist from its head. */
  highmemPblist: ModelHighmemPbe[];
  /** Image PFNs forbidden (owned) at the end of loading, ascending. */
  ownedFrames: number[];
  /** The chain allocator's pages, in the order taken. */
  chainPages: number[];
  /** Frames handed out by the allocator during the resume, ascending. */
  touched: number[];
  /** State after every phase that completed, and after the rollback of a failure (phase of the failure). */
  phases: PhaseState[];
  /** What each frame holds at the end (after the atomic copy, or after the rollback). */
  content(pfn: number): Content;
  /** For coverage: nr_highmem after prepare_highmem_image() and the safe HighMem pages it found. */
  highmem: { imagePages: number; prepared: number; safePages: number };
  /** Page allocations attempted (the engine's CTX_ALLOC_COUNT). */
  allocations: number;
}

// ── constants (kernel/power/snapshot.c: chain_alloc(), struct mem_zone_bm_rtree) ──

/** sizeof(struct pbe) = sizeof(struct highmem_pbe) = sizeof(struct rtree_node) on x86_64. */
export const PBE_SIZE = 24;
/** sizeof(struct mem_zone_bm_rtree) on x86_64. */
export const RTREE_ZONE_SIZE = 80;
/** sizeof(void *): the `next` pointer at the start of a linked page. */
const LINKED_PAGE_NEXT_SIZE = 8;

const PG_ANY = false;
const PG_SAFE = true;
const PG_UNSAFE_KEEP = false;
const PG_UNSAFE_CLEAR = true;

/** linkedPageDataSize - LINKED_PAGE_DATA_SIZE = PAGE_SIZE - sizeof(void *). */
export function linkedPageDataSize(pageSize: number): number {
  return pageSize - LINKED_PAGE_NEXT_SIZE;
}

/** pbesPerLinkedPage - PBES_PER_LINKED_PAGE = LINKED_PAGE_DATA_SIZE / sizeof(struct pbe). */
export function pbesPerLinkedPage(pageSize: number): number {
  return Math.floor(linkedPageDataSize(pageSize) / PBE_SIZE);
}

/**
 * chainAllocatorPages - Pages a chain allocator takes for @sizes, allocated in that order (kernel/power/snapshot.c:
 * chain_alloc()): a new page when the current one has less than `size` bytes left. An object larger than a linked page
 * (the 80-byte zone descriptor with 64-byte pages, which no kernel has) is given ceil(size / data) pages of its own —
 * thaw's convention.
 */
function chainAllocatorPages(sizes: readonly number[], pageSize: number): number {
  const data = linkedPageDataSize(pageSize);
  let pages = 0;
  let used = data; // chain_init: the first allocation always takes a page
  for (const size of sizes) {
    if (size > data) {
      pages += Math.ceil(size / data);
      used = data;
      continue;
    }
    if (data - used < size) {
      pages++;
      used = 0;
    }
    used += size;
  }
  return pages;
}

/**
 * bitmapChargePages - Pages the modern kernel's radix-tree bitmap takes for one extent of @frames PFNs
 * (kernel/power/snapshot.c: add_rtree_block()): create_zone_bm_rtree() takes the zone descriptor from the chain, then
 * add_rtree_block() for block 0, 1, ...: grow the tree when block_nr needs more levels (a new root), allocate the leaf,
 * and create the missing inner nodes on the way down. Every node (leaf or inner) is one data page plus a 24-byte
 * rtree_node from the chain.
 */
export function bitmapChargePages(frames: number, pageSize: number): number {
  const bitsPerLeaf = pageSize * 8; // BM_BITS_PER_BLOCK
  const fanout = pageSize / 8; // BM_ENTRIES_PER_LEVEL
  const nrBlocks = Math.ceil(frames / bitsPerLeaf);
  const chainObjects: number[] = [RTREE_ZONE_SIZE];
  let nodePages = 0;
  let levels = 0;
  const innerNodes = new Set<number>(); // level × 2^32 + index of the subtree at that level
  const digits = (n: number) => {
    let d = 0;
    while (n > 0) {
      d++;
      n = Math.floor(n / fanout);
    }
    return d;
  };
  const allocNode = () => {
    chainObjects.push(PBE_SIZE);
    nodePages++;
  };
  for (let blockNr = 0; blockNr < nrBlocks; blockNr++) {
    const needed = digits(blockNr);
    while (levels < needed) {
      // a new root above the old one; it holds the old root (subtree 0) in slot 0
      levels++;
      innerNodes.add(levels * 2 ** 32);
      allocNode();
    }
    allocNode(); // the leaf
    for (let level = levels; level >= 1; level--) {
      const key = level * 2 ** 32 + Math.floor(blockNr / fanout ** level);
      if (!innerNodes.has(key)) {
        innerNodes.add(key);
        allocNode();
      }
    }
  }
  return nodePages + chainAllocatorPages(chainObjects, pageSize);
}

/**
 * explicitOrders - The allocator orders of `allocator: { order }`: the listed PFNs of each class first (first
 * occurrence wins), then the rest of the class ascending.
 */
export function explicitOrders(
  frames: number,
  highmemStartPfn: number,
  listed: readonly number[],
): { low: number[]; high: number[] } {
  const make = (from: number, to: number) => {
    const seen = new Set<number>();
    for (const pfn of listed) if (pfn >= from && pfn < to) seen.add(pfn);
    const out = [...seen];
    for (let pfn = from; pfn < to; pfn++) if (!seen.has(pfn)) out.push(pfn);
    return out;
  };
  return { low: make(0, highmemStartPfn), high: make(highmemStartPfn, frames) };
}

/** A memory bitmap: its bits, and the frames charged to it in the order they were taken. */
interface Bitmap {
  bits: Set<number>;
  frames: number[];
}

/** Allocation failed: the phase fails with -ENOMEM. */
class Enomem extends Error {}

const ascending = (set: Iterable<number>) => [...set].sort((a, b) => a - b);
const inRanges = (ranges: readonly Range[], pfn: number) => ranges.some((r) => pfn >= r.start && pfn < r.end);

/**
 * Restore - One resume of @image into @machine; run() plays it from checkHeader to the atomic copy.
 */
class Restore {
  private readonly m: ModelMachine;
  private readonly image: ModelImage;
  private readonly charge: number;
  // the page allocator
  private readonly inUse = new Set<number>();
  private readonly touched = new Set<number>();
  private lowCursor = 0;
  private highCursor = 0;
  private allocations = 0;
  private readonly failAllocationAt: number;
  // frame contents (a frame not in the map holds what it held at boot)
  private readonly contents = new Map<number, Content>();
  // snapshot.c globals
  private forbiddenPagesMap: Bitmap | null = null;
  private freePagesMap: Bitmap | null = null;
  private basicBitmaps: Bitmap[] = [];
  private allocatedUnsafePages = 0;
  private safePagesList: number[] = []; // the head is the last element
  private buffer: number | null = null;
  private copyBm: Bitmap | null = null;
  private zeroBm: Bitmap | null = null;
  private origBm: Bitmap | null = null;
  private safeHighmemBm: Bitmap | null = null;
  private safeHighmemPages = 0;
  private safeHighmemPagesPrepared = 0;
  private nrHighmem = 0;
  private restorePblist: ModelPbe[] = [];
  private highmemPblist: ModelHighmemPbe[] = [];
  private chain: number[] = [];
  private chainUsedSpace = 0;
  // what the report counts
  private readonly phases: PhaseState[] = [];
  private imageHighmem = 0;
  private ownedAfterLoading: number[] = [];
  private direct = 0;
  private safePagesAfterPrepare = 0;
  private bitmapPages = 0;

  constructor(machine: ModelMachine, image: ModelImage, options: ModelOptions) {
    this.m = machine;
    this.image = image;
    this.failAllocationAt = options.failAllocationAt ?? 0;
    this.charge = bitmapChargePages(machine.frames, machine.pageSize);
    for (let pfn = 0; pfn < machine.frames; pfn++) {
      if (inRanges(machine.holes, pfn) || inRanges(machine.nosave, pfn)) this.inUse.add(pfn);
    }
    for (const pfn of machine.bootPfns) this.inUse.add(pfn);
  }

  // ── the machine model ──

  private pfnValid(pfn: number): boolean {
    return pfn >= 0 && pfn < this.m.frames && !inRanges(this.m.holes, pfn);
  }

  private isHighmem(pfn: number): boolean {
    return pfn >= this.m.highmemStartPfn;
  }

  /**
   * alloc_page - The first frame not in use at or after the class's cursor, wrapping at most once; null if none, or
   * if this is the allocation that fault injection makes fail (counted from 1 over every call, as the engine does).
   */
  private allocPage(highmem: boolean): number | null {
    if (++this.allocations === this.failAllocationAt) return null;
    const order = highmem ? this.m.highOrder : this.m.lowOrder;
    const cursor = highmem ? this.highCursor : this.lowCursor;
    for (let step = 0; step < order.length; step++) {
      const index = (cursor + step) % order.length;
      const pfn = order[index]!;
      if (this.inUse.has(pfn)) continue;
      this.inUse.add(pfn);
      this.touched.add(pfn);
      if (highmem) this.highCursor = (index + 1) % order.length;
      else this.lowCursor = (index + 1) % order.length;
      return pfn;
    }
    return null;
  }

  /** __free_page - Give a frame back; the cursor does not move. Its contents are no longer predicted. */
  private freePage(pfn: number): void {
    if (!this.inUse.has(pfn)) throw new Error(`model: double free of frame ${pfn}`);
    this.inUse.delete(pfn);
    this.contents.set(pfn, { kind: "meta" });
  }

  private freeHighmemFrames(): number {
    let n = 0;
    for (const pfn of this.m.highOrder) if (!this.inUse.has(pfn)) n++;
    return n;
  }

  // ── page states (kernel/power/snapshot.c: create_basic_memory_bitmaps()) ──

  private isForbidden(pfn: number): boolean {
    return this.forbiddenPagesMap?.bits.has(pfn) ?? false;
  }

  /** swsusp_page_is_free - After mark_unsafe_pages(): "an image PFN, or allocated by us". False without the maps. */
  private isFree(pfn: number): boolean {
    return this.freePagesMap?.bits.has(pfn) ?? false;
  }

  private setForbidden(pfn: number): void {
    this.forbiddenPagesMap?.bits.add(pfn);
  }

  private setFree(pfn: number): void {
    this.freePagesMap?.bits.add(pfn);
  }

  // ── allocators (kernel/power/snapshot.c: get_image_page()) ──

  /**
   * get_image_page - A zeroed lowmem page. With PG_SAFE, pages that are "free" (image PFNs) are marked forbidden,
   * kept, counted in allocated_unsafe_pages, and the allocation is retried. The page returned is marked forbidden +
   * free. Null when the allocator has no frame left.
   */
  private getImagePage(safeNeeded: boolean): number | null {
    let pfn = this.allocPage(false);
    if (safeNeeded) {
      while (pfn !== null && this.isFree(pfn)) {
        this.contents.set(pfn, { kind: "zero" });
        this.setForbidden(pfn);
        this.allocatedUnsafePages++;
        pfn = this.allocPage(false);
      }
    }
    if (pfn === null) return null;
    this.contents.set(pfn, { kind: "zero" });
    this.setForbidden(pfn);
    this.setFree(pfn);
    return pfn;
  }

  /** free_image_page - Clear forbidden (and free with PG_UNSAFE_CLEAR), and free the page. */
  private freeImagePage(pfn: number, clearNosaveFree: boolean): void {
    this.forbiddenPagesMap?.bits.delete(pfn);
    if (clearNosaveFree) this.freePagesMap?.bits.delete(pfn);
    this.freePage(pfn);
  }

  /** __get_safe_page - Pop safe_pages_list (zeroing the page), else get_image_page(PG_SAFE). */
  private getSafePage(): number | null {
    const pfn = this.safePagesList.pop();
    if (pfn !== undefined) {
      this.contents.set(pfn, { kind: "zero" });
      return pfn;
    }
    return this.getImagePage(PG_SAFE);
  }

  /** recycle_safe_page - Push a page on safe_pages_list (its first bytes become the link). */
  private recycleSafePage(pfn: number): void {
    this.contents.set(pfn, { kind: "meta" });
    this.safePagesList.push(pfn);
  }

  // ── bitmaps (kernel/power/snapshot.c: struct memory_bitmap, charged as the engine's machine model says) ──

  /** memory_bm_create - Take `charge` pages with get_image_page(@safeNeeded); on failure give them back (CLEAR). */
  private memoryBmCreate(safeNeeded: boolean): Bitmap | null {
    const bm: Bitmap = { bits: new Set(), frames: [] };
    for (let i = 0; i < this.charge; i++) {
      const pfn = this.getImagePage(safeNeeded);
      if (pfn === null) {
        this.memoryBmFree(bm, PG_UNSAFE_CLEAR);
        return null;
      }
      this.contents.set(pfn, { kind: "meta" });
      bm.frames.push(pfn);
    }
    this.bitmapPages += this.charge;
    return bm;
  }

  /** memory_bm_free - free_image_page() every page of the bitmap. */
  private memoryBmFree(bm: Bitmap, clearNosaveFree: boolean): void {
    for (const pfn of bm.frames) this.freeImagePage(pfn, clearNosaveFree);
    bm.frames = [];
  }

  /** memory_bm_recycle - Put every page of the bitmap on safe_pages_list. */
  private memoryBmRecycle(bm: Bitmap): void {
    for (const pfn of bm.frames) this.recycleSafePage(pfn);
    bm.frames = [];
  }

  // ── the phases ──

  /**
   * create_basic_memory_bitmaps - forbidden_pages_map then free_pages_map (PG_ANY), published only when both exist,
   * then the valid nosave PFNs marked forbidden (kernel/power/snapshot.c: create_basic_memory_bitmaps(),
   * register_nosave_region()).
   */
  private createBasicMemoryBitmaps(): void {
    const bm1 = this.memoryBmCreate(PG_ANY);
    if (!bm1) throw new Enomem();
    const bm2 = this.memoryBmCreate(PG_ANY);
    if (!bm2) {
      this.memoryBmFree(bm1, PG_UNSAFE_CLEAR);
      throw new Enomem();
    }
    this.forbiddenPagesMap = bm1;
    this.freePagesMap = bm2;
    this.basicBitmaps = [bm1, bm2];
    for (const r of this.m.nosave)
      for (let pfn = r.start; pfn < r.end; pfn++) if (this.pfnValid(pfn)) this.setForbidden(pfn);
  }

  /** free_basic_memory_bitmaps - Unpublish both maps, then free their pages. */
  private freeBasicMemoryBitmaps(): void {
    if (!this.forbiddenPagesMap || !this.freePagesMap) return;
    this.forbiddenPagesMap = null;
    this.freePagesMap = null;
    for (const bm of this.basicBitmaps) this.memoryBmFree(bm, PG_UNSAFE_CLEAR);
    this.basicBitmaps = [];
  }

  /** checkHeader - Basic bitmaps; snapshot_write_next() for cur 0 (bounce buffer) and cur 1 (copy_bm, zero_bm). */
  private checkHeader(): void {
    this.createBasicMemoryBitmaps();
    this.buffer = this.getImagePage(PG_ANY);
    if (this.buffer === null) throw new Enomem();
    this.contents.set(this.buffer, { kind: "meta" });
    this.safePagesList = [];
    this.copyBm = this.memoryBmCreate(PG_ANY);
    if (!this.copyBm) throw new Enomem();
    this.zeroBm = this.memoryBmCreate(PG_ANY);
    if (!this.zeroBm) throw new Enomem();
  }

  /** unpack_orig_pfns - Image PFNs into copy_bm, zero-flagged ones also into zero_bm (kernel/power/snapshot.c). */
  private unpackOrigPfns(): void {
    for (const pfn of this.image.pfns) this.copyBm!.bits.add(pfn);
    for (const pfn of this.image.zeroPfns) this.zeroBm!.bits.add(pfn);
  }

  /** prepare_image steps 1–3: free the bounce buffer, count highmem image pages, mark_unsafe_pages
   * (kernel/power/snapshot.c). */
  private markUnsafePages(): void {
    this.freeImagePage(this.buffer!, PG_UNSAFE_CLEAR);
    this.buffer = null;
    this.nrHighmem = [...this.copyBm!.bits].filter((pfn) => this.isHighmem(pfn)).length;
    this.imageHighmem = this.nrHighmem;
    this.freePagesMap!.bits = new Set(this.copyBm!.bits);
    this.allocatedUnsafePages = 0;
  }

  /** imagePagesLeft - n = (Z + C) - nr_highmem - allocated_unsafe_pages (kernel/power/snapshot.c: prepare_image() steps
   * 7–8). */
  private imagePagesLeft(): number {
    return this.image.pfns.length - this.nrHighmem - this.allocatedUnsafePages;
  }

  /** prepare_image steps 4–8 (kernel/power/snapshot.c) with prepare_highmem_image (kernel/power/snapshot.c). */
  private prepareImage(): void {
    // 4. orig_bm in safe pages
    const origBm = this.memoryBmCreate(PG_SAFE);
    if (!origBm) throw new Enomem();
    this.origBm = origBm;
    for (const pfn of this.copyBm!.bits) origBm.bits.add(pfn);
    this.memoryBmFree(this.copyBm!, PG_UNSAFE_KEEP);
    this.copyBm = null;
    // 5. zero_bm moved into safe pages through tmp
    const tmp = this.memoryBmCreate(PG_SAFE);
    if (!tmp) throw new Enomem();
    for (const pfn of this.zeroBm!.bits) tmp.bits.add(pfn);
    this.memoryBmFree(this.zeroBm!, PG_UNSAFE_KEEP);
    this.zeroBm = this.memoryBmCreate(PG_SAFE);
    if (!this.zeroBm) throw new Enomem();
    for (const pfn of tmp.bits) this.zeroBm.bits.add(pfn);
    this.memoryBmFree(tmp, PG_UNSAFE_CLEAR);
    // 6. safe highmem pages
    if (this.nrHighmem > 0) this.prepareHighmemImage();
    // 7. reserve the PBE chain's pages
    const reserve = Math.ceil(this.imagePagesLeft() / pbesPerLinkedPage(this.m.pageSize));
    for (let i = 0; i < reserve; i++) {
      const pfn = this.getImagePage(PG_SAFE);
      if (pfn === null) throw new Enomem();
      this.recycleSafePage(pfn);
    }
    // 8. preallocate a frame for every image page not covered yet: owned original frames or safe pages
    const n = this.imagePagesLeft();
    for (let i = 0; i < n; i++) {
      const pfn = this.allocPage(false); // get_zeroed_page(GFP_ATOMIC)
      if (pfn === null) throw new Enomem();
      this.contents.set(pfn, { kind: "zero" });
      if (!this.isFree(pfn)) this.recycleSafePage(pfn);
      this.setForbidden(pfn);
      this.setFree(pfn);
    }
    this.safePagesAfterPrepare = this.safePagesList.length;
  }

  /**
   * prepare_highmem_image - safe_highmem_bm (PG_SAFE), the bounce buffer in a safe page, then min(free HighMem,
   * nr_highmem) HighMem frames: safe ones go into safe_highmem_bm, every one is marked forbidden + free.
   */
  private prepareHighmemImage(): void {
    const bm = this.memoryBmCreate(PG_SAFE);
    if (!bm) throw new Enomem();
    this.safeHighmemBm = bm;
    this.buffer = this.getImagePage(PG_SAFE);
    if (this.buffer === null) throw new Enomem();
    this.contents.set(this.buffer, { kind: "meta" });
    const toAlloc = Math.min(this.freeHighmemFrames(), this.nrHighmem);
    this.nrHighmem = toAlloc;
    this.safeHighmemPages = 0;
    for (let i = 0; i < toAlloc; i++) {
      const pfn = this.allocPage(true); // cannot fail but for fault injection (the kernel does not check)
      if (pfn === null) throw new Enomem();
      if (!this.isFree(pfn)) {
        bm.bits.add(pfn);
        this.safeHighmemPages++;
      }
      this.setForbidden(pfn);
      this.setFree(pfn);
    }
    this.safeHighmemPagesPrepared = this.safeHighmemPages;
  }

  /** chain_alloc - Room for one 24-byte record; a new chain page (via __get_safe_page) when the page is full. */
  private chainAlloc(): number | null {
    if (linkedPageDataSize(this.m.pageSize) - this.chainUsedSpace < PBE_SIZE) {
      const page = this.getSafePage();
      if (page === null) return null;
      this.contents.set(page, { kind: "meta" });
      this.chain.push(page);
      this.chainUsedSpace = 0;
    }
    this.chainUsedSpace += PBE_SIZE;
    return this.chain[this.chain.length - 1]!;
  }

  /**
   * get_buffer - Where the data of image PFN @pfn goes (kernel/power/snapshot.c): its own frame if we own it (forbidden
   * && free), otherwise a safe page with a PBE prepended to restore_pblist. HighMem PFNs go to
   * get_highmem_page_buffer().
   */
  private getBuffer(pfn: number, highmemCopies: number[]): number {
    if (this.isHighmem(pfn)) return this.getHighmemPageBuffer(pfn, highmemCopies);
    if (this.isForbidden(pfn) && this.isFree(pfn)) {
      this.direct++;
      return pfn;
    }
    const chainPage = this.chainAlloc();
    if (chainPage === null) throw new Enomem();
    const address = this.getSafePage();
    if (address === null) throw new Enomem();
    this.restorePblist.unshift({ address, origAddress: pfn, chainPage });
    return address;
  }

  /**
   * get_highmem_page_buffer - An owned HighMem frame is loaded through the bounce buffer (copied one call later,
   * which ends the same); otherwise a highmem_pbe whose copy is the next safe HighMem page (ascending in
   * safe_highmem_bm) while there are some, else a lowmem safe page. Returns the frame that ends up holding the data.
   */
  private getHighmemPageBuffer(pfn: number, highmemCopies: number[]): number {
    if (this.isForbidden(pfn) && this.isFree(pfn)) {
      this.direct++;
      return pfn;
    }
    const chainPage = this.chainAlloc();
    if (chainPage === null) throw new Enomem();
    let copyPage: number;
    if (this.safeHighmemPages > 0) {
      copyPage = highmemCopies.shift()!;
      this.safeHighmemPages--;
    } else {
      const page = this.getSafePage();
      if (page === null) throw new Enomem();
      copyPage = page;
    }
    this.highmemPblist.unshift({ copyPage, origPage: pfn, chainPage });
    return copyPage;
  }

  /** snapshot_write_next() for every data and zero page, in ascending PFN order, then snapshot_write_finalize(). */
  private loadImage(): void {
    this.chain = []; // chain_init(PG_SAFE)
    this.chainUsedSpace = linkedPageDataSize(this.m.pageSize);
    this.restorePblist = [];
    const zero = new Set(this.image.zeroPfns);
    const highmemCopies = this.safeHighmemBm ? ascending(this.safeHighmemBm.bits) : [];
    for (const pfn of ascending(this.origBm!.bits)) {
      const dest = this.getBuffer(pfn, highmemCopies);
      this.contents.set(dest, zero.has(pfn) ? { kind: "zero" } : { kind: "image", pfn });
    }
    this.ownedAfterLoading = this.image.pfns.filter((pfn) => this.isForbidden(pfn)).sort((a, b) => a - b);
    // snapshot_write_finalize(): the whole image was loaded
    this.memoryBmRecycle(this.origBm!);
    this.origBm = null;
    if (this.safeHighmemBm) this.memoryBmFree(this.safeHighmemBm, PG_UNSAFE_CLEAR);
    this.safeHighmemBm = null;
    if (this.buffer !== null) this.freeImagePage(this.buffer, PG_UNSAFE_CLEAR);
    this.buffer = null;
  }

  /** restore_highmem - Swap each highmem PBE's copy with its original frame through a temporary safe page. */
  private restoreHighmem(): void {
    if (this.highmemPblist.length === 0) return;
    const temp = this.getImagePage(PG_SAFE);
    if (temp === null) throw new Enomem();
    for (const pbe of this.highmemPblist) {
      const copy = this.content(pbe.copyPage);
      this.contents.set(pbe.copyPage, this.content(pbe.origPage));
      this.contents.set(pbe.origPage, copy);
    }
    this.contents.set(temp, { kind: "meta" });
    this.freeImagePage(temp, PG_UNSAFE_CLEAR);
  }

  /** core_restore_code - Copy every PBE's page to its original frame, head first (arch/x86/power/hibernate_asm_64.S).
   * */
  private atomicCopy(): void {
    for (const pbe of this.restorePblist) this.contents.set(pbe.origAddress, this.content(pbe.address));
  }

  /** swsusp_free - Free every page with both bits set; clear restore_pblist and the counters (kernel/power/snapshot.c).
   * */
  private swsuspFree(): void {
    if (!this.forbiddenPagesMap || !this.freePagesMap) return;
    for (const pfn of ascending(this.forbiddenPagesMap.bits)) {
      if (!this.freePagesMap.bits.has(pfn) || !this.pfnValid(pfn)) continue;
      this.forbiddenPagesMap.bits.delete(pfn);
      this.freePagesMap.bits.delete(pfn);
      this.freePage(pfn);
    }
    this.restorePblist = [];
    this.buffer = null;
  }

  /**
   * rollback - What a failure before the atomic copy undoes: load_image_and_restore() runs swsusp_free() and
   * free_basic_memory_bitmaps(), then boots normally (kernel/power/hibernate.c: software_resume(),
   * load_image_and_restore()).
   *
   * thaw gives back every frame the restore took (issue 2, item 7), where the kernel leaks a few: when prepare_image()
   * fails before step 4 or 5 has freed copy_bm or the PG_ANY zero_bm, the frames of those bitmaps that are not image
   * PFNs lost their "free" bit in mark_unsafe_pages() and swsusp_free() passes them by. So every bitmap still alive is
   * freed first (PG_UNSAFE_CLEAR), then swsusp_free() frees the rest.
   *
   * The lists that point into freed pages are emptied: swsusp_free() frees every page on safe_pages_list and every
   * chain page (all forbidden + free). The kernel leaves safe_pages_list and highmem_pblist as stale pointers until
   * the next resume sets them again; thaw's lists are empty, and that is what the model reports.
   */
  private rollback(): void {
    for (const bm of [this.copyBm, this.zeroBm, this.origBm, this.safeHighmemBm])
      if (bm) this.memoryBmFree(bm, PG_UNSAFE_CLEAR);
    this.copyBm = this.zeroBm = this.origBm = this.safeHighmemBm = null;
    this.swsuspFree();
    this.freeBasicMemoryBitmaps();
    this.safePagesList = [];
    this.highmemPblist = [];
  }

  // ── driving and reporting ──

  content(pfn: number): Content {
    return this.contents.get(pfn) ?? { kind: "boot", pfn };
  }

  private record(phase: ModelPhase): void {
    this.phases.push({
      phase,
      inUse: ascending(this.inUse),
      forbidden: this.forbiddenPagesMap ? ascending(this.forbiddenPagesMap.bits) : null,
      free: this.freePagesMap ? ascending(this.freePagesMap.bits) : null,
      safePagesList: [...this.safePagesList].reverse(),
    });
  }

  run(): ModelResult {
    const steps: [ModelPhase, () => void][] = [
      ["checkHeader", () => this.checkHeader()],
      ["unpackOrigPfns", () => this.unpackOrigPfns()],
      ["markUnsafePages", () => this.markUnsafePages()],
      ["prepareImage", () => this.prepareImage()],
      ["loadImage", () => this.loadImage()],
      ["restoreHighmem", () => this.restoreHighmem()],
      ["atomicCopy", () => this.atomicCopy()],
    ];
    let outcome: ModelResult["outcome"] = { ok: true };
    for (const [phase, step] of steps) {
      try {
        step();
      } catch (error) {
        if (!(error instanceof Enomem)) throw error;
        this.rollback();
        this.record(phase);
        outcome = { ok: false, phase, code: "ENOMEM" };
        break;
      }
      this.record(phase);
    }
    const counts: ModelCounts = {
      imagePages: this.image.pfns.length,
      zeroPages: this.image.zeroPfns.length,
      highmemPages: this.imageHighmem,
      ownedFrames: this.ownedAfterLoading.length,
      directPages: this.direct,
      safePages: this.safePagesAfterPrepare,
      chainPages: this.chain.length,
      pbes: this.restorePblist.length,
      highmemPbes: this.highmemPblist.length,
      allocatedUnsafePages: this.allocatedUnsafePages,
      bitmapPages: this.bitmapPages,
    };
    return {
      outcome,
      counts,
      restorePblist: this.restorePblist,
      highmemPblist: this.highmemPblist,
      ownedFrames: this.ownedAfterLoading,
      chainPages: this.chain,
      touched: ascending(this.touched),
      phases: this.phases,
      content: (pfn) => this.content(pfn),
      highmem: { imagePages: this.imageHighmem, prepared: this.nrHighmem, safePages: this.safeHighmemPagesPrepared },
      allocations: this.allocations,
    };
  }
}

/**
 * runModel - Resume @image into @machine in the model, from create_basic_memory_bitmaps() to the atomic copy.
 * @throws Error only for a model bug (a double free) or an image that is not a set of usable PFNs.
 */
export function runModel(machine: ModelMachine, image: ModelImage, options: ModelOptions = {}): ModelResult {
  const pfns = new Set(image.pfns);
  if (pfns.size !== image.pfns.length) throw new Error("model: the image lists a PFN twice");
  for (const pfn of pfns) {
    if (pfn < 0 || pfn >= machine.frames || inRanges(machine.holes, pfn) || inRanges(machine.nosave, pfn)) {
      throw new Error(`model: image PFN ${pfn} is not a usable frame`);
    }
  }
  for (const pfn of image.zeroPfns) if (!pfns.has(pfn)) throw new Error(`model: zero page ${pfn} is not an image PFN`);
  return new Restore(machine, image, options).run();
}
