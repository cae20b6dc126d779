// The chain allocator (kernel/power/snapshot.c: chain_alloc()): a bump allocator for small records (PBEs, highmem PBEs)
// over linked pages.
//
// Records cannot be freed one by one, only with the whole chain. The restore's chain is never freed on success (the
// image kernel's memory replaces it) and is reclaimed by swsusp_free() on failure: its pages are forbidden + free.
import {
  CTX_CA_CHAIN, CTX_CA_USED_SPACE, CTX_CA_SAFE_NEEDED, CTX_NR_CHAIN_PAGES, LINKED_PAGE_NEXT, LINKED_PAGE_DATA, NO_PFN,
  PG_ANY, CTX_META_NEXT, CTX_META_END, CTX_META_START, ERR_WHAT_METADATA,
} from "./portable/layout";
import { ENOMEM } from "./portable/errno";
import { ctx32, setCtx32, incCtx32, fail, pageSize, pfnToVirt } from "./common";
import { getSafePage, getImagePage, hasContents } from "./pages";

/**
 * chainPageMemory - Where the chain page in frame @pfn is: the frame itself, or on a machine without frame memory
 * the next page of the metadata arena (0, with -ENOMEM recorded, when that is full).
 */
function chainPageMemory(pfn: u32): usize {
  if (hasContents()) return pfnToVirt(pfn);
  const next = <usize>ctx32(CTX_META_NEXT);
  const end = <usize>ctx32(CTX_META_END);
  if (next + <usize>pageSize() > end) {
    const capacity = (end - <usize>ctx32(CTX_META_START)) >> <usize>ctz(pageSize());
    fail(ENOMEM, ERR_WHAT_METADATA, <u64>capacity + 1, <u64>capacity);
    return 0;
  }
  setCtx32(CTX_META_NEXT, <u32>(next + <usize>pageSize()));
  return next;
}

// @ts-ignore: decorator
@inline function linkedPageDataSize(): u32 {
  return pageSize() - LINKED_PAGE_DATA;
}

/** chain_init - Start an empty chain whose pages are safe pages if @safeNeeded. */
export function chainInit(safeNeeded: u32): void {
  setCtx32(CTX_CA_CHAIN, 0);
  setCtx32(CTX_CA_USED_SPACE, linkedPageDataSize());
  setCtx32(CTX_CA_SAFE_NEEDED, safeNeeded);
}

/**
 * chain_alloc - Carve @size bytes out of the chain.
 *
 * When the current page has less than @size bytes left, a new page (__get_safe_page() for a safe chain, else
 * get_image_page(PG_ANY)) is pushed on the front of the chain. Returns the record's address, or 0 when memory runs
 * out (recorded).
 */
export function chainAlloc(size: u32): usize {
  const dataSize = linkedPageDataSize();
  let used = ctx32(CTX_CA_USED_SPACE);
  if (dataSize - used < size) {
    const pfn = ctx32(CTX_CA_SAFE_NEEDED) ? getSafePage() : getImagePage(PG_ANY);
    if (pfn == NO_PFN) return 0;
    const page = chainPageMemory(pfn);
    if (page == 0) return 0;
    store<u64>(page, <u64>ctx32(CTX_CA_CHAIN), LINKED_PAGE_NEXT);
    setCtx32(CTX_CA_CHAIN, <u32>page);
    incCtx32(CTX_NR_CHAIN_PAGES);
    used = 0;
  }
  const record = <usize>ctx32(CTX_CA_CHAIN) + LINKED_PAGE_DATA + <usize>used;
  setCtx32(CTX_CA_USED_SPACE, used + size);
  return record;
}
