// The restore half of kernel/power/snapshot.c: from the header to the loaded image (snapshot_write_next() to
// snapshot_image_loaded()).
//
// The kernel drives all of this from snapshot_write_next(), one stream page per call. thaw keeps the kernel's order
// and decisions exactly but takes a batch of stream pages per call from the host: unpackOrigPfns() takes every
// metadata page at once, loadImagePages() a batch of data pages.
import {
  CTX_FORBIDDEN_PAGES_MAP, CTX_FREE_PAGES_MAP, CTX_COPY_BM, CTX_ZERO_BM, CTX_ORIG_BM, CTX_SAFE_HIGHMEM_BM,
  CTX_BUFFER, CTX_SAFE_PAGES_LIST, CTX_RESTORE_PBLIST, CTX_HIGHMEM_PBLIST, CTX_NR_COPY_PAGES, CTX_NR_META_PAGES,
  CTX_NR_ZERO_PAGES, CTX_NR_HIGHMEM, CTX_ALLOCATED_UNSAFE_PAGES, CTX_SAFE_HIGHMEM_PAGES, CTX_LAST_HIGHMEM_PAGE,
  CTX_HANDLE_BUFFERS, CTX_NR_PFN_ENTRIES, CTX_NR_IMAGE_HIGHMEM, CTX_NR_DIRECT, CTX_NR_PBES, CTX_NR_HIGHMEM_PBES,
  CTX_NR_RESERVED, CTX_NR_PREALLOCATED, CTX_NR_OWNED, CTX_NR_SAFE_PAGES,
  CTX_NR_FRAMES, CTX_NR_FREE_HIGH, CTX_NR_NOSAVE, NOSAVE_START, RANGE_SIZE, CTX_CA_CHAIN, CTX_VERIFY_PFNS,
  CTX_PFN_LIST_UNSORTED, CTX_NR_FREE_LOW, ERR_WHAT_PAGES_NEEDED, CTX_BM_CHARGE, CTX_DEFER_ZERO, CTX_PREALLOC_LEFT,
  CTX_PLANNED, CTX_PLAN_ZEROS, ERR_WHAT_PAGE_INDEX, ERR_WHAT_HIGHMEM_NEEDED,
  NO_PFN, BM_END_OF_MAP, PG_ANY, PG_SAFE, PG_UNSAFE_KEEP, PG_UNSAFE_CLEAR, ZONE_CLASS_LOW, ZONE_CLASS_HIGH,
  PBE_SIZE, PBE_ADDRESS, PBE_ORIG_ADDRESS, PBE_NEXT, HIGHMEM_PBE_COPY_PAGE, HIGHMEM_PBE_ORIG_PAGE,
  HIGHMEM_PBE_NEXT, LINKED_PAGE_DATA, PFN_ENTRY_SIZE, ERR_WHAT_PFN, ERR_WHAT_COUNT,
} from "./portable/layout";
import { ENOMEM, EFAULT, EINVAL, ENODATA } from "./portable/errno";
import {
  ctx32, setCtx32, incCtx32, pageSize, pageShift, pfnToVirt, pfnToPhys, pageHighMem, pfnValid, pfnIsNosave,
  fail, lastError, clearError, zeroPage, copyPage,
} from "./common";
import { allocFrame, freeFrame } from "./machine/allocator";
import { memoryBmCreate, memoryBmFree, memoryBmRecycle } from "./memoryBitmap";
import {
  memoryBmSetBit, memoryBmTestBit, memoryBmNextPfn,
  memoryBmPositionReset, memoryBmGetCurrent, memoryBmClearCurrent, memoryBmPfnPresent, duplicateMemoryBitmap,
} from "./bitmap/bitmap";
import {
  getImagePage, freeImagePage, recycleSafePage, getSafePage, clearFrame, pageIsForbidden, pageIsFree,
  setPageForbidden, setPageFree, safePagesListLength, hasContents, clearSafePagesList,
} from "./pages";
import { chainInit, chainAlloc } from "./chain";
import { ENTRY_END, ENTRY_PFN, ENTRY_ZERO, loadEntry } from "./pfnEntry";


// @ts-ignore: decorator
@inline function bmOf(field: usize): usize {
  return <usize>ctx32(field);
}

// @ts-ignore: decorator
@inline function pbesPerLinkedPage(): u32 {
  return (pageSize() - LINKED_PAGE_DATA) / PBE_SIZE;
}

/**
 * create_basic_memory_bitmaps - Create forbidden_pages_map and free_pages_map, and mark the nosave regions forbidden.
 *
 * Both are made with PG_ANY before either is published, so their own frames carry no bits. Returns 0 or -ENOMEM
 * (recorded by memory_bm_create()).
 */
export function createBasicMemoryBitmaps(): i32 {
  const forbidden = memoryBmCreate(PG_ANY);
  if (forbidden == 0) return lastError();
  const free = memoryBmCreate(PG_ANY);
  if (free == 0) {
    memoryBmFree(forbidden, PG_UNSAFE_CLEAR);
    return lastError();
  }
  setCtx32(CTX_FORBIDDEN_PAGES_MAP, <u32>forbidden);
  setCtx32(CTX_FREE_PAGES_MAP, <u32>free);
  // mark_nosave_pages
  const n = ctx32(CTX_NR_NOSAVE);
  for (let i: u32 = 0; i < n; i++) {
    const r = <usize>NOSAVE_START + <usize>i * RANGE_SIZE;
    const end = load<u32>(r, 4);
    for (let pfn = load<u32>(r); pfn < end; pfn++) {
      if (pfnValid(pfn) && memoryBmPfnPresent(forbidden, pfn)) memoryBmSetBit(forbidden, pfn);
    }
  }
  return 0;
}

/** free_basic_memory_bitmaps - Unpublish and free the two basic bitmaps. */
export function freeBasicMemoryBitmaps(): void {
  const forbidden = bmOf(CTX_FORBIDDEN_PAGES_MAP);
  const free = bmOf(CTX_FREE_PAGES_MAP);
  setCtx32(CTX_FORBIDDEN_PAGES_MAP, 0);
  setCtx32(CTX_FREE_PAGES_MAP, 0);
  if (forbidden != 0) memoryBmFree(forbidden, PG_UNSAFE_CLEAR);
  if (free != 0) memoryBmFree(free, PG_UNSAFE_CLEAR);
}

/**
 * load_header - The state changes of snapshot_write_next() for stream pages 0 and 1 (kernel/power/snapshot.c).
 * @nrCopyPages: image_pages of the header (C).
 * @nrMetaPages: pages - image_pages - 1 (M).
 *
 * Takes the bounce page `buffer` (PG_ANY), records C and M, empties safe_pages_list and restore_pblist, and creates
 * copy_bm and zero_bm (PG_ANY). The host has already checked the header (check_header). Returns 0 or -ENOMEM.
 */
export function loadHeader(nrCopyPages: u32, nrMetaPages: u32): i32 {
  const buffer = getImagePage(PG_ANY);
  if (buffer == NO_PFN) return lastError();
  setCtx32(CTX_BUFFER, buffer);
  setCtx32(CTX_RESTORE_PBLIST, 0);
  setCtx32(CTX_HIGHMEM_PBLIST, 0);
  setCtx32(CTX_NR_COPY_PAGES, nrCopyPages);
  setCtx32(CTX_NR_META_PAGES, nrMetaPages);
  setCtx32(CTX_SAFE_PAGES_LIST, 0);
  setCtx32(CTX_LAST_HIGHMEM_PAGE, NO_PFN);
  const copyBm = memoryBmCreate(PG_ANY);
  if (copyBm == 0) return lastError();
  setCtx32(CTX_COPY_BM, <u32>copyBm);
  const zeroBm = memoryBmCreate(PG_ANY);
  if (zeroBm == 0) return lastError();
  setCtx32(CTX_ZERO_BM, <u32>zeroBm);
  setCtx32(CTX_NR_ZERO_PAGES, 0);
  return 0;
}

/**
 * unpack_orig_pfns - Mark the PFNs of @nrPages metadata pages at @src in copy_bm (and zero-flagged ones in zero_bm).
 *
 * Each page holds page_size / @entryBytes entries (pfnEntry.ts: 8 bytes, or 4 from a 32-bit kernel); an all-ones
 * entry ends the page; the top bit flags a zero page. Like
 * the kernel, a PFN that is not a valid frame of the machine fails with -EFAULT; like v3.17, so does a PFN in a nosave
 * region; unlike any kernel, a PFN listed twice fails with -EINVAL (the kernel would assign data to the wrong frames or
 * run out of PFNs later, kernel/power/snapshot.c: unpack_orig_pfns()). CTX_ERR_VALUE then holds the PFN. Each entry
 * accepted is also appended to the PFN list (CTX_VERIFY_PFNS) for verification. Returns the number of entries so far,
 * or -errno.
 */
export function unpackOrigPfns(src: usize, nrPages: u32, entryBytes: u32): i32 {
  const copyBm = bmOf(CTX_COPY_BM);
  const zeroBm = bmOf(CTX_ZERO_BM);
  const nrFrames = ctx32(CTX_NR_FRAMES);
  const perPage = pageSize() / entryBytes;
  const list = <usize>ctx32(CTX_VERIFY_PFNS);
  let entries = ctx32(CTX_NR_PFN_ENTRIES);
  let last: u64 = entries > 0 ? load<u64>(list + (<usize>(entries - 1) << 3)) & ENTRY_PFN : 0;
  let zeros: u32 = 0;
  for (let p: u32 = 0; p < nrPages; p++) {
    const page = src + (<usize>p << <usize>pageShift());
    for (let i: u32 = 0; i < perPage; i++) {
      const entry = loadEntry(page + <usize>i * entryBytes, entryBytes);
      if (entry == ENTRY_END) break;
      const pfn64 = entry & ENTRY_PFN;
      if (pfn64 >= <u64>nrFrames) return fail(EFAULT, ERR_WHAT_PFN, pfn64, nrFrames);
      const pfn = <u32>pfn64;
      if (!pfnValid(pfn) || !memoryBmPfnPresent(copyBm, pfn) || pfnIsNosave(pfn)) {
        return fail(EFAULT, ERR_WHAT_PFN, pfn64, nrFrames);
      }
      if (memoryBmTestBit(copyBm, pfn)) return fail(EINVAL, ERR_WHAT_PFN, pfn64, nrFrames);
      memoryBmSetBit(copyBm, pfn);
      if (entry & ENTRY_ZERO) {
        memoryBmSetBit(zeroBm, pfn);
        zeros++;
      }
      if (entries > 0 && pfn64 < last) setCtx32(CTX_PFN_LIST_UNSORTED, 1);
      last = pfn64;
      store<u64>(list + (<usize>entries << 3), entry);
      entries++;
    }
  }
  incCtx32(CTX_NR_ZERO_PAGES, zeros);
  setCtx32(CTX_NR_PFN_ENTRIES, entries);
  return <i32>entries;
}

/**
 * markUnsafePages - The first three steps of prepare_image() (kernel/power/snapshot.c): free the bounce page, count the
 * highmem image pages, and mark_unsafe_pages() (kernel/power/snapshot.c): clear free_pages_map and copy the image PFNs
 * into it.
 *
 * From here on "free" means "this PFN is in the image". Returns the number of highmem image pages.
 */
export function markUnsafePages(): u32 {
  const buffer = ctx32(CTX_BUFFER);
  if (buffer != NO_PFN) {
    freeImagePage(buffer, PG_UNSAFE_CLEAR);
    setCtx32(CTX_BUFFER, NO_PFN);
  }
  const copyBm = bmOf(CTX_COPY_BM);
  let nrHighmem: u32 = 0;
  memoryBmPositionReset(copyBm);
  for (let pfn = memoryBmNextPfn(copyBm); pfn != BM_END_OF_MAP; pfn = memoryBmNextPfn(copyBm)) {
    if (pageHighMem(pfn)) nrHighmem++;
  }
  setCtx32(CTX_NR_HIGHMEM, nrHighmem);
  setCtx32(CTX_NR_IMAGE_HIGHMEM, nrHighmem);
  // mark_unsafe_pages
  const free = bmOf(CTX_FREE_PAGES_MAP);
  memoryBmPositionReset(free);
  for (let pfn = memoryBmNextPfn(free); pfn != BM_END_OF_MAP; pfn = memoryBmNextPfn(free)) memoryBmClearCurrent(free);
  duplicateMemoryBitmap(free, copyBm);
  setCtx32(CTX_ALLOCATED_UNSAFE_PAGES, 0);
  return nrHighmem;
}

/** noMemory - -ENOMEM, recording that @needed more lowmem frames were wanted and how many were free. */
function noMemory(needed: u32): i32 {
  return fail(ENOMEM, ERR_WHAT_PAGES_NEEDED, needed, ctx32(CTX_NR_FREE_LOW));
}

/**
 * prepare_highmem_image - Take safe highmem pages for the highmem image pages (kernel/power/snapshot.c).
 *
 * Creates safe_highmem_bm (PG_SAFE) and the bounce page `buffer` (PG_SAFE), then allocates min(free highmem pages,
 * nr_highmem) highmem frames, lowering nr_highmem to that. A frame that is not an image PFN is a safe highmem page
 * (set in safe_highmem_bm); every one is marked forbidden + free. Returns 0 or -ENOMEM.
 */
function prepareHighmemImage(): i32 {
  const bm = memoryBmCreate(PG_SAFE);
  if (bm == 0) return lastError();
  setCtx32(CTX_SAFE_HIGHMEM_BM, <u32>bm);
  const buffer = getImagePage(PG_SAFE);
  if (buffer == NO_PFN) return noMemory(1);
  setCtx32(CTX_BUFFER, buffer);
  let toAlloc = ctx32(CTX_NR_FREE_HIGH);
  const nrHighmem = ctx32(CTX_NR_HIGHMEM);
  if (toAlloc > nrHighmem) toAlloc = nrHighmem;
  else setCtx32(CTX_NR_HIGHMEM, toAlloc);
  let safe: u32 = 0;
  while (toAlloc-- > 0) {
    const pfn = allocFrame(ZONE_CLASS_HIGH);
    if (pfn == NO_PFN) return fail(ENOMEM, ERR_WHAT_HIGHMEM_NEEDED, <u64>(toAlloc + 1), ctx32(CTX_NR_FREE_HIGH));
    if (!pageIsFree(pfn)) {
      memoryBmSetBit(bm, pfn);
      safe++;
    }
    setPageForbidden(pfn);
    setPageFree(pfn);
  }
  setCtx32(CTX_SAFE_HIGHMEM_PAGES, safe);
  memoryBmPositionReset(bm);
  return 0;
}

// @ts-ignore: decorator
@inline function imagePagesNeedingFrames(): u32 {
  return ctx32(CTX_NR_ZERO_PAGES) + ctx32(CTX_NR_COPY_PAGES) - ctx32(CTX_NR_HIGHMEM) -
    ctx32(CTX_ALLOCATED_UNSAFE_PAGES);
}

/**
 * prepare_image - Steps 4–7 of prepare_image() (kernel/power/snapshot.c): move orig_bm and zero_bm into safe pages,
 * prepare highmem, and reserve the PBE chain pages; step 8 is preallocateImagePages().
 *
 * Reserve ceil(n / PBES_PER_LINKED_PAGE) safe pages with n = (Z + C) - nr_highmem - allocated_unsafe_pages, then
 * recompute n (the reserve may have hit image PFNs): the frames step 8 must take. Returns that n, or -ENOMEM (the
 * caller runs swsusp_free()).
 */
export function prepareImage(): i32 {
  const copyBm = bmOf(CTX_COPY_BM);
  const origBm = memoryBmCreate(PG_SAFE);
  if (origBm == 0) return lastError();
  duplicateMemoryBitmap(origBm, copyBm);
  memoryBmFree(copyBm, PG_UNSAFE_KEEP);
  setCtx32(CTX_COPY_BM, 0);
  setCtx32(CTX_ORIG_BM, <u32>origBm);

  // zero_bm must live in safe pages too; the temporary copy is itself PG_SAFE and freed with PG_UNSAFE_CLEAR (the
  // v6.6-rc fix of kernel/power/snapshot.c: prepare_image() step 5).
  const tmp = memoryBmCreate(PG_SAFE);
  if (tmp == 0) return lastError();
  const oldZero = bmOf(CTX_ZERO_BM);
  duplicateMemoryBitmap(tmp, oldZero);
  memoryBmFree(oldZero, PG_UNSAFE_KEEP);
  setCtx32(CTX_ZERO_BM, 0);
  const zeroBm = memoryBmCreate(PG_SAFE);
  if (zeroBm == 0) {
    memoryBmFree(tmp, PG_UNSAFE_CLEAR);
    return lastError();
  }
  duplicateMemoryBitmap(zeroBm, tmp);
  memoryBmFree(tmp, PG_UNSAFE_CLEAR);
  setCtx32(CTX_ZERO_BM, <u32>zeroBm);

  if (ctx32(CTX_NR_HIGHMEM) > 0) {
    const error = prepareHighmemImage();
    if (error) return error;
  }

  const perPage = pbesPerLinkedPage();
  let nrPages = (imagePagesNeedingFrames() + perPage - 1) / perPage;
  setCtx32(CTX_NR_RESERVED, nrPages);
  while (nrPages > 0) {
    const pfn = getImagePage(PG_SAFE);
    if (pfn == NO_PFN) return noMemory(nrPages + imagePagesNeedingFrames());
    if (!recycleSafePage(pfn)) return lastError();
    nrPages--;
  }

  nrPages = imagePagesNeedingFrames();
  setCtx32(CTX_NR_PREALLOCATED, nrPages);
  setCtx32(CTX_PREALLOC_LEFT, nrPages);
  return <i32>nrPages;
}

/**
 * preallocateImagePages - prepare_image() step 8, at most @max frames per call (the host calls it until it returns 0,
 * reporting progress in between): get_zeroed_page() for every frame still to preallocate; an image PFN becomes an
 * owned original frame, any other frame goes on safe_pages_list. When the last one is taken, chain_init(PG_SAFE),
 * reset the cursors and empty restore_pblist, as snapshot_write_next() does next. With CTX_DEFER_ZERO (planned
 * loading) the frames are not cleared here: planImage() clears those that will not receive a whole data page.
 * Returns the frames still to take, or -ENOMEM (the caller runs swsusp_free()).
 */
export function preallocateImagePages(max: u32): i32 {
  let nrPages = ctx32(CTX_PREALLOC_LEFT);
  const deferZero = ctx32(CTX_DEFER_ZERO) != 0;
  for (let done: u32 = 0; nrPages > 0 && done < max; done++) {
    const pfn = allocFrame(ZONE_CLASS_LOW);
    if (pfn == NO_PFN) return noMemory(nrPages);
    if (!deferZero) clearFrame(pfn);
    if (!pageIsFree(pfn) && !recycleSafePage(pfn)) return lastError();
    setPageForbidden(pfn);
    setPageFree(pfn);
    nrPages--;
  }
  setCtx32(CTX_PREALLOC_LEFT, nrPages);
  if (nrPages > 0) return <i32>nrPages;
  setCtx32(CTX_NR_SAFE_PAGES, safePagesListLength());
  chainInit(PG_SAFE);
  memoryBmPositionReset(bmOf(CTX_ORIG_BM));
  memoryBmPositionReset(bmOf(CTX_ZERO_BM));
  setCtx32(CTX_RESTORE_PBLIST, 0);
  setCtx32(CTX_HANDLE_BUFFERS, 0);
  setCtx32(CTX_PLANNED, 0);
  return 0;
}

/**
 * get_highmem_page_buffer - Where the data of highmem image page @pfn goes (kernel/power/snapshot.c).
 *
 * An owned original frame is filled through the bounce page: `buffer` is returned and last_highmem_page set to the
 * frame. Otherwise a highmem PBE is prepended to highmem_pblist; its copy is the next safe highmem page (again
 * through `buffer`) or, when those have run out, a lowmem safe page, returned directly. With @planned, a highmem
 * frame is returned itself instead of `buffer` (the planned mode needs no bounce page). Returns a PFN, or NO_PFN with
 * the failure recorded.
 */
function getHighmemPageBuffer(pfn: u32, planned: bool): u32 {
  const buffer = ctx32(CTX_BUFFER);
  if (pageIsForbidden(pfn) && pageIsFree(pfn)) {
    incCtx32(CTX_NR_DIRECT);
    if (planned) return pfn;
    setCtx32(CTX_LAST_HIGHMEM_PAGE, pfn);
    return buffer;
  }
  const pbe = chainAlloc(PBE_SIZE);
  if (pbe == 0) return placingFailed();
  store<u64>(pbe, pfnToPhys(pfn), HIGHMEM_PBE_ORIG_PAGE);
  let dst: u32;
  const safeHighmem = ctx32(CTX_SAFE_HIGHMEM_PAGES);
  if (safeHighmem > 0) {
    const copy = memoryBmNextPfn(bmOf(CTX_SAFE_HIGHMEM_BM));
    setCtx32(CTX_SAFE_HIGHMEM_PAGES, safeHighmem - 1);
    store<u64>(pbe, pfnToPhys(copy), HIGHMEM_PBE_COPY_PAGE);
    if (planned) dst = copy;
    else {
      setCtx32(CTX_LAST_HIGHMEM_PAGE, copy);
      dst = buffer;
    }
  } else {
    const copy = getSafePage(!planned || ctx32(CTX_DEFER_ZERO) == 0);
    if (copy == NO_PFN) return placingFailed();
    store<u64>(pbe, pfnToPhys(copy), HIGHMEM_PBE_COPY_PAGE);
    dst = copy;
  }
  store<u64>(pbe, <u64>ctx32(CTX_HIGHMEM_PBLIST), HIGHMEM_PBE_NEXT);
  setCtx32(CTX_HIGHMEM_PBLIST, <u32>pbe);
  incCtx32(CTX_NR_HIGHMEM_PBES);
  return dst;
}

/**
 * placingFailed - NO_PFN, recording the image page being placed (its index among the C + Z entries, in PFN order)
 * with the errno of the allocation that failed underneath.
 */
function placingFailed(): u32 {
  const code = -lastError();
  fail(code != 0 ? code : ENOMEM, ERR_WHAT_PAGE_INDEX, ctx32(CTX_HANDLE_BUFFERS), imageEntries());
  return NO_PFN;
}

// @ts-ignore: decorator
@inline function imageEntries(): u32 {
  return ctx32(CTX_NR_COPY_PAGES) + ctx32(CTX_NR_ZERO_PAGES);
}

/** copy_last_highmem_page - Copy the bounce page into the highmem frame it was filled for, if one is pending. */
function copyLastHighmemPage(): void {
  const last = ctx32(CTX_LAST_HIGHMEM_PAGE);
  if (last == NO_PFN) return;
  if (hasContents()) copyPage(pfnToVirt(last), pfnToVirt(ctx32(CTX_BUFFER)));
  setCtx32(CTX_LAST_HIGHMEM_PAGE, NO_PFN);
}

/**
 * get_buffer - The frame where the next image page goes (kernel/power/snapshot.c).
 *
 * Takes the next PFN of orig_bm. An owned original frame (forbidden && free) is written in place; any other lowmem
 * frame gets a PBE from the chain (chain_alloc() first, then the copy's safe page), prepended to restore_pblist.
 * Returns the PFN to write, or NO_PFN with the failure recorded: -EFAULT past the end of orig_bm, -ENOMEM.
 */
function getBuffer(planned: bool): u32 {
  const pfn = memoryBmNextPfn(bmOf(CTX_ORIG_BM));
  if (pfn == BM_END_OF_MAP) {
    fail(EFAULT, ERR_WHAT_PAGE_INDEX, ctx32(CTX_HANDLE_BUFFERS), imageEntries());
    return NO_PFN;
  }
  if (pageHighMem(pfn)) return getHighmemPageBuffer(pfn, planned);
  if (pageIsForbidden(pfn) && pageIsFree(pfn)) {
    incCtx32(CTX_NR_DIRECT);
    return pfn;
  }
  const pbe = chainAlloc(PBE_SIZE);
  if (pbe == 0) return placingFailed();
  store<u64>(pbe, pfnToPhys(pfn), PBE_ORIG_ADDRESS);
  const copy = getSafePage(!planned || ctx32(CTX_DEFER_ZERO) == 0);
  if (copy == NO_PFN) return placingFailed();
  store<u64>(pbe, pfnToPhys(copy), PBE_ADDRESS);
  store<u64>(pbe, <u64>ctx32(CTX_RESTORE_PBLIST), PBE_NEXT);
  setCtx32(CTX_RESTORE_PBLIST, <u32>pbe);
  incCtx32(CTX_NR_PBES);
  return copy;
}

/**
 * snapshot_write_next - For data pages: the frame for the next page of the stream (kernel/power/snapshot.c).
 *
 * Copies the pending highmem page, then asks get_buffer(); a zero-flagged PFN has its frame cleared and consumes no
 * stream page, so the loop goes on. Returns the PFN, or NO_PFN: when all C + Z pages have a home (imageEntries() ==
 * CTX_HANDLE_BUFFERS), when get_buffer() failed (recorded), or when @zeroPlan (the frames given to zero pages, for
 * planImage()) holds @zeroCap of them (nothing recorded: the caller cleared the record first).
 * @planned: highmem pages get their final frame, not the bounce page (planImage()).
 */
function nextDataBuffer(planned: bool, zeroPlan: usize = 0, zeroCap: u32 = 0): u32 {
  const total = imageEntries();
  const origBm = bmOf(CTX_ORIG_BM);
  const zeroBm = bmOf(CTX_ZERO_BM);
  const hasZero = ctx32(CTX_NR_ZERO_PAGES) != 0;
  const contents = hasContents();
  for (;;) {
    const given = ctx32(CTX_HANDLE_BUFFERS);
    if (given >= total) return NO_PFN;
    if (zeroPlan != 0 && ctx32(CTX_PLAN_ZEROS) >= zeroCap) return NO_PFN;
    copyLastHighmemPage();
    const dst = getBuffer(planned);
    if (dst == NO_PFN) return NO_PFN;
    setCtx32(CTX_HANDLE_BUFFERS, given + 1);
    if (hasZero && memoryBmTestBit(zeroBm, memoryBmGetCurrent(origBm))) {
      if (contents) zeroPage(pfnToVirt(dst));
      if (zeroPlan != 0) {
        const z = ctx32(CTX_PLAN_ZEROS);
        store<u32>(zeroPlan + (<usize>z << 2), dst);
        setCtx32(CTX_PLAN_ZEROS, z + 1);
      }
      continue;
    }
    return dst;
  }
}

// @ts-ignore: decorator
@inline function allPlaced(): bool {
  return ctx32(CTX_HANDLE_BUFFERS) >= imageEntries();
}

/**
 * loadImagePages - Load @count data pages staged at @src, in stream order, as load_image() does page by page.
 *
 * Returns @count, -ENODATA if the stream holds more data pages than the PFN list has homes for, or the -errno of
 * get_buffer().
 */
export function loadImagePages(src: usize, count: u32): i32 {
  const shift = <usize>pageShift();
  for (let i: u32 = 0; i < count; i++) {
    const dst = nextDataBuffer(false);
    if (dst == NO_PFN) {
      return allPlaced() ? fail(ENODATA, ERR_WHAT_PAGE_INDEX, imageEntries(), imageEntries()) : lastError();
    }
    copyPage(pfnToVirt(dst), src + (<usize>i << shift));
  }
  return <i32>count;
}

/**
 * planImage - Decide every data page's destination in one pass, before any data is read (thaw's planned mode).
 * @plan: where to write one u32 destination PFN per data page, in stream order (0: decide only).
 *
 * Runs get_buffer() for every image PFN exactly as the page-by-page loop would — same allocations, same PBEs in the
 * same order, zero pages cleared — but without data in between, so that loading becomes one copy (or one read) per
 * page into a known place. Highmem pages go straight to their frame: the bounce page is not needed. Pages taken
 * for data copies are not cleared first (they receive a whole page); with CTX_DEFER_ZERO the safe pages left over
 * are cleared at the end, so memory ends as the faithful order leaves it. At most @max destinations per call, the
 * n-th data page's at @plan + 4 × (n mod @max): the host calls again until bit 31 of CTX_PLANNED says every image
 * page has a home. @zeroPlan, when not 0, receives the frame cleared for each zero page met on the way (at most
 * @zeroCap of them: the call stops early when it is full; CTX_PLAN_ZEROS says how many), for a host that keeps frame
 * contents outside the machine. Returns the data pages planned so far, or -errno as get_buffer() fails.
 */
export function planImage(plan: usize, max: u32, zeroPlan: usize, zeroCap: u32): i32 {
  let n = ctx32(CTX_PLANNED);
  if ((n & 0x80000000) != 0) return <i32>(n & 0x7fffffff);
  let done: u32 = 0;
  setCtx32(CTX_PLAN_ZEROS, 0);
  clearError();
  for (; done < max; done++) {
    const dst = nextDataBuffer(true, zeroPlan, zeroCap);
    if (dst == NO_PFN) {
      if (lastError() != 0) return lastError();
      break;
    }
    if (plan != 0) store<u32>(plan + (<usize>done << 2), dst);
    n++;
  }
  setCtx32(CTX_PLANNED, n);
  if (!allPlaced()) return <i32>n;
  if (ctx32(CTX_DEFER_ZERO) != 0) clearSafePagesList();
  setCtx32(CTX_PLANNED, n | 0x80000000);
  return <i32>n;
}

/**
 * loadPlannedPages - Copy @count staged data pages at @src to the frames @plan names (u32 PFNs, one per page).
 */
export function loadPlannedPages(plan: usize, src: usize, count: u32): void {
  const shift = <usize>pageShift();
  for (let i: u32 = 0; i < count; i++) {
    copyPage(pfnToVirt(load<u32>(plan + (<usize>i << 2))), src + (<usize>i << shift));
  }
}

/**
 * snapshot_write_finalize - Finish loading: drain trailing zero pages, copy the last highmem page, recycle orig_bm's
 * frames onto safe_pages_list and free the highmem data (safe_highmem_bm and `buffer`); then, as
 * snapshot_image_loaded() does, refuse an image with no data page at all.
 *
 * Like the swap path's last snapshot_write_next() call, trailing zero pages are drained here. Returns 0, -ENODATA if
 * the stream ended before every data page arrived or held none, or -errno.
 */
export function snapshotWriteFinalize(): i32 {
  clearError();
  const dst = nextDataBuffer(false);
  if (dst != NO_PFN) return fail(ENODATA, ERR_WHAT_PAGE_INDEX, ctx32(CTX_HANDLE_BUFFERS) - 1, imageEntries());
  if (!allPlaced()) return lastError();
  copyLastHighmemPage();
  const origBm = bmOf(CTX_ORIG_BM);
  let owned: u32 = 0;
  memoryBmPositionReset(origBm);
  for (let pfn = memoryBmNextPfn(origBm); pfn != BM_END_OF_MAP; pfn = memoryBmNextPfn(origBm)) {
    if (pageIsForbidden(pfn)) owned++;
  }
  setCtx32(CTX_NR_OWNED, owned);
  if (!memoryBmRecycle(origBm)) return lastError();
  setCtx32(CTX_ORIG_BM, 0);
  // free_highmem_data
  const safeHighmemBm = bmOf(CTX_SAFE_HIGHMEM_BM);
  if (safeHighmemBm != 0) {
    memoryBmFree(safeHighmemBm, PG_UNSAFE_CLEAR);
    setCtx32(CTX_SAFE_HIGHMEM_BM, 0);
  }
  const buffer = ctx32(CTX_BUFFER);
  if (buffer != NO_PFN) {
    freeImagePage(buffer, PG_UNSAFE_CLEAR);
    setCtx32(CTX_BUFFER, NO_PFN);
  }
  // snapshot_image_loaded(): nr_copy_pages must not be 0
  if (ctx32(CTX_NR_COPY_PAGES) == 0) return fail(ENODATA, ERR_WHAT_COUNT, 0, imageEntries());
  return 0;
}

function freeRestoreBitmap(field: usize): void {
  const bm = bmOf(field);
  if (bm != 0) memoryBmFree(bm, PG_UNSAFE_CLEAR);
  setCtx32(field, 0);
}

/**
 * swsusp_free - Give back every frame the restore allocated (kernel/power/snapshot.c) and forget the restore's state.
 *
 * First the bitmaps the restore made (thaw frees them explicitly, so nothing depends on the bits their frames still
 * carry), then every valid PFN set in both forbidden_pages_map and free_pages_map, found by merge-joining the two
 * ascending iterators as the kernel has done since 2014.
 */
export function swsuspFree(): void {
  freeRestoreBitmap(CTX_COPY_BM);
  freeRestoreBitmap(CTX_ZERO_BM);
  freeRestoreBitmap(CTX_ORIG_BM);
  freeRestoreBitmap(CTX_SAFE_HIGHMEM_BM);
  const forbidden = bmOf(CTX_FORBIDDEN_PAGES_MAP);
  const free = bmOf(CTX_FREE_PAGES_MAP);
  if (forbidden != 0 && free != 0) {
    memoryBmPositionReset(forbidden);
    memoryBmPositionReset(free);
    let fb = memoryBmNextPfn(forbidden);
    let fr = memoryBmNextPfn(free);
    while (fb != BM_END_OF_MAP && fr != BM_END_OF_MAP) {
      if (fb < fr) {
        fb = memoryBmNextPfn(forbidden);
      } else if (fr < fb) {
        fr = memoryBmNextPfn(free);
      } else {
        if (pfnValid(fb)) {
          memoryBmClearCurrent(forbidden);
          memoryBmClearCurrent(free);
          freeFrame(fb);
        }
        fb = memoryBmNextPfn(forbidden);
        fr = memoryBmNextPfn(free);
      }
    }
  }
  setCtx32(CTX_NR_COPY_PAGES, 0);
  setCtx32(CTX_NR_META_PAGES, 0);
  setCtx32(CTX_NR_ZERO_PAGES, 0);
  setCtx32(CTX_RESTORE_PBLIST, 0);
  setCtx32(CTX_HIGHMEM_PBLIST, 0);
  setCtx32(CTX_SAFE_PAGES_LIST, 0);
  setCtx32(CTX_BUFFER, NO_PFN);
  setCtx32(CTX_LAST_HIGHMEM_PAGE, NO_PFN);
  setCtx32(CTX_CA_CHAIN, 0);
}
