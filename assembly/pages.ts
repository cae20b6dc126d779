// Image-page allocation (kernel/power/snapshot.c: get_image_page()) and safe_pages_list (kernel/power/snapshot.c:
// __get_safe_page()).
//
// During a restore two bits per frame say who may use it (kernel/power/snapshot.c: create_basic_memory_bitmaps()):
// "forbidden" marks frames the hibernation code allocated (and nosave regions), "free" marks frames it allocated and,
// after mark_unsafe_pages(), every image PFN. A frame with both bits set is ours; swsusp_free() gives back exactly
// those.
import {
  CTX_FORBIDDEN_PAGES_MAP, CTX_FREE_PAGES_MAP, CTX_ALLOCATED_UNSAFE_PAGES, CTX_SAFE_PAGES_LIST,
  NO_PFN, PG_UNSAFE_CLEAR, ZONE_CLASS_LOW, LINKED_PAGE_NEXT, CTX_HAS_CONTENTS, CTX_SAFE_STACK, CTX_SAFE_STACK_LEN,
  CTX_SAFE_STACK_CAP, ERR_WHAT_METADATA,
} from "./portable/layout";
import { ENOMEM } from "./portable/errno";
import { ctx32, setCtx32, incCtx32, fail, pfnToVirt, virtToPfn, zeroPage, pageSize } from "./common";
import { allocFrame, freeFrame } from "./machine/allocator";
import { memoryBmSetBit, memoryBmClearBit, memoryBmTestBit } from "./bitmap/bitmap";

/** hasContents - False on a placement-only machine: frames have no memory behind them. */
// @ts-ignore: decorator
@inline export function hasContents(): bool {
  return ctx32(CTX_HAS_CONTENTS) != 0;
}

/** swsusp_page_is_forbidden - The forbidden bit of @pfn (false while the basic bitmaps do not exist). */
// @ts-ignore: decorator
@inline export function pageIsForbidden(pfn: u32): bool {
  const bm = <usize>ctx32(CTX_FORBIDDEN_PAGES_MAP);
  return bm != 0 && memoryBmTestBit(bm, pfn);
}

/** swsusp_page_is_free - The free bit of @pfn; after mark_unsafe_pages(), true for every image PFN. */
// @ts-ignore: decorator
@inline export function pageIsFree(pfn: u32): bool {
  const bm = <usize>ctx32(CTX_FREE_PAGES_MAP);
  return bm != 0 && memoryBmTestBit(bm, pfn);
}

// @ts-ignore: decorator
@inline export function setPageForbidden(pfn: u32): void {
  const bm = <usize>ctx32(CTX_FORBIDDEN_PAGES_MAP);
  if (bm != 0) memoryBmSetBit(bm, pfn);
}

// @ts-ignore: decorator
@inline export function setPageFree(pfn: u32): void {
  const bm = <usize>ctx32(CTX_FREE_PAGES_MAP);
  if (bm != 0) memoryBmSetBit(bm, pfn);
}

// @ts-ignore: decorator
@inline export function unsetPageForbidden(pfn: u32): void {
  const bm = <usize>ctx32(CTX_FORBIDDEN_PAGES_MAP);
  if (bm != 0) memoryBmClearBit(bm, pfn);
}

// @ts-ignore: decorator
@inline export function unsetPageFree(pfn: u32): void {
  const bm = <usize>ctx32(CTX_FREE_PAGES_MAP);
  if (bm != 0) memoryBmClearBit(bm, pfn);
}

/** clearFrame - get_zeroed_page()'s clearing, skipped when the model has no frame contents. */
// @ts-ignore: decorator
@inline export function clearFrame(pfn: u32): void {
  if (hasContents()) zeroPage(pfnToVirt(pfn));
}

/**
 * get_image_page - Allocate a zeroed lowmem page for the hibernation code.
 * @safeNeeded: PG_SAFE: the page must not be an image PFN. Each image PFN the allocator returns instead is marked
 *   forbidden, kept allocated (it is now an owned original frame) and counted in allocated_unsafe_pages.
 *
 * The page returned is marked forbidden + free. Returns its PFN, or NO_PFN when memory runs out (recorded by the
 * allocator).
 */
export function getImagePage(safeNeeded: u32): u32 {
  let pfn = allocFrame(ZONE_CLASS_LOW);
  if (pfn == NO_PFN) return NO_PFN;
  if (safeNeeded) {
    while (pageIsFree(pfn)) {
      setPageForbidden(pfn);
      incCtx32(CTX_ALLOCATED_UNSAFE_PAGES);
      pfn = allocFrame(ZONE_CLASS_LOW);
      if (pfn == NO_PFN) return NO_PFN;
    }
  }
  clearFrame(pfn);
  setPageForbidden(pfn);
  setPageFree(pfn);
  return pfn;
}

/**
 * free_image_page - Give back a page that get_image_page() returned.
 * @clearNosaveFree: PG_UNSAFE_CLEAR also clears the free bit; PG_UNSAFE_KEEP leaves it (it may mark an image PFN).
 */
export function freeImagePage(pfn: u32, clearNosaveFree: u32): void {
  unsetPageForbidden(pfn);
  if (clearNosaveFree == PG_UNSAFE_CLEAR) unsetPageFree(pfn);
  freeFrame(pfn);
}

/**
 * recycle_safe_page - Push safe page @pfn onto safe_pages_list, linking it through its first 8 bytes. On a machine
 * without frame memory the list is a stack of PFNs in the metadata arena (same order). Returns false, with -ENOMEM
 * recorded, when that stack is full.
 */
export function recycleSafePage(pfn: u32): bool {
  if (!hasContents()) {
    const len = ctx32(CTX_SAFE_STACK_LEN);
    const cap = ctx32(CTX_SAFE_STACK_CAP);
    if (len == cap) {
      fail(ENOMEM, ERR_WHAT_METADATA, <u64>len + 1, cap);
      return false;
    }
    store<u32>(<usize>ctx32(CTX_SAFE_STACK) + (<usize>len << 2), pfn);
    setCtx32(CTX_SAFE_STACK_LEN, len + 1);
    return true;
  }
  const addr = pfnToVirt(pfn);
  store<u64>(addr, <u64>ctx32(CTX_SAFE_PAGES_LIST), LINKED_PAGE_NEXT);
  setCtx32(CTX_SAFE_PAGES_LIST, <u32>addr);
  return true;
}

/**
 * __get_safe_page - A zeroed safe page: the head of safe_pages_list, else get_image_page(PG_SAFE).
 * @zero: false when the caller overwrites the whole page at once (planned loading's data copies), so the clearing
 *   the kernel does is skipped; the page's final contents are the same.
 *
 * Returns its PFN, or NO_PFN when memory runs out (recorded by the allocator).
 */
export function getSafePage(zero: bool = true): u32 {
  if (!hasContents()) {
    const len = ctx32(CTX_SAFE_STACK_LEN);
    if (len == 0) return getImagePage(1);
    setCtx32(CTX_SAFE_STACK_LEN, len - 1);
    return load<u32>(<usize>ctx32(CTX_SAFE_STACK) + (<usize>(len - 1) << 2));
  }
  const head = <usize>ctx32(CTX_SAFE_PAGES_LIST);
  if (head == 0) return getImagePage(1);
  setCtx32(CTX_SAFE_PAGES_LIST, <u32>load<u64>(head, LINKED_PAGE_NEXT));
  const pfn = virtToPfn(head);
  if (zero) clearFrame(pfn);
  return pfn;
}

/** clearSafePagesList - Clear every page on safe_pages_list (after planning, the preallocated pages no one used). */
export function clearSafePagesList(): void {
  if (!hasContents()) return;
  const size = <usize>pageSize();
  for (let p = <usize>ctx32(CTX_SAFE_PAGES_LIST); p != 0; ) {
    const next = <usize>load<u64>(p, LINKED_PAGE_NEXT);
    memory.fill(p + LINKED_PAGE_NEXT + 8, 0, size - 8);
    p = next;
  }
}

/** safePagesListLength - Pages on safe_pages_list (walks the list; for reports and tests). */
export function safePagesListLength(): u32 {
  if (!hasContents()) return ctx32(CTX_SAFE_STACK_LEN);
  let n: u32 = 0;
  for (let p = <usize>ctx32(CTX_SAFE_PAGES_LIST); p != 0; p = <usize>load<u64>(p, LINKED_PAGE_NEXT)) n++;
  return n;
}
