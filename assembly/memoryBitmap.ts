// The restore's memory bitmaps as the machine sees them: memory_bm_create(), memory_bm_free() and
// memory_bm_recycle() of kernel/power/snapshot.c, which take and give back the frames a bitmap is built from.
//
// In the kernel a bitmap is built from single pages taken with get_image_page(), and which frames those are decides
// how many image frames the restore happens to own (allocated_unsafe_pages). thaw charges every bitmap exactly the
// frames that the modern kernel's radix tree would take (leaves, inner nodes and the descriptor chain pages:
// create_zone_bm_rtree()), through get_image_page() with the bitmap's safe_needed, whatever strategy holds the bits
// (bitmap/bitmap.ts keeps those in an arena slot). So every count, every owned frame and the PBE chain are the
// kernel's and do not depend on the strategy, and strategies are compared on equal terms.
import {
  BMD_CHARGED, BMD_NR_CHARGED, CTX_BM_CHARGE, CTX_BM_NR_SLOTS, CTX_NR_BITMAP_PAGES, CTX_NR_FREE_LOW, NO_PFN,
  ERR_WHAT_BITMAP_FRAMES, ERR_WHAT_BITMAP_SLOTS,
} from "./portable/layout";
import { ENOMEM } from "./portable/errno";
import { ctx32, incCtx32, fail } from "./common";
import { bitmapSlotTake, bitmapSlotInit, bitmapSlotRelease } from "./bitmap/bitmap";
import { getImagePage, freeImagePage, recycleSafePage } from "./pages";

/**
 * memory_bm_create - Create a bitmap covering every PFN of the machine, all bits clear.
 * @safeNeeded: PG_SAFE if every frame charged to it must be a safe page (restore only), PG_ANY otherwise.
 *
 * Returns the descriptor's address, or 0 with -ENOMEM recorded: no slot free, or the frames it is charged not to be
 * had (what: the frames one bitmap takes; limit: the lowmem frames that were free). On failure every frame taken so
 * far is given back, as memory_bm_free() does in the kernel.
 */
export function memoryBmCreate(safeNeeded: u32): usize {
  const bm = bitmapSlotTake();
  if (bm == 0) {
    fail(ENOMEM, ERR_WHAT_BITMAP_SLOTS, <u64>ctx32(CTX_BM_NR_SLOTS) + 1, ctx32(CTX_BM_NR_SLOTS));
    return 0;
  }
  const charge = ctx32(CTX_BM_CHARGE);
  const charged = <usize>load<u32>(bm, BMD_CHARGED);
  const free = ctx32(CTX_NR_FREE_LOW);
  for (let i: u32 = 0; i < charge; i++) {
    const pfn = getImagePage(safeNeeded);
    if (pfn == NO_PFN) {
      memoryBmFree(bm, 1);
      fail(ENOMEM, ERR_WHAT_BITMAP_FRAMES, charge, free);
      return 0;
    }
    store<u32>(charged + (<usize>i << 2), pfn);
    store<u32>(bm, i + 1, BMD_NR_CHARGED);
  }
  incCtx32(CTX_NR_BITMAP_PAGES, charge);
  bitmapSlotInit(bm);
  return bm;
}

/**
 * memory_bm_free - Free a bitmap and every frame charged to it.
 * @clearNosaveFree: PG_UNSAFE_CLEAR also clears each frame's bit in free_pages_map; PG_UNSAFE_KEEP leaves it.
 */
export function memoryBmFree(bm: usize, clearNosaveFree: u32): void {
  const charged = <usize>load<u32>(bm, BMD_CHARGED);
  const n = load<u32>(bm, BMD_NR_CHARGED);
  for (let i: u32 = 0; i < n; i++) freeImagePage(load<u32>(charged + (<usize>i << 2)), clearNosaveFree);
  bitmapSlotRelease(bm);
}

/**
 * memory_bm_recycle - Put every frame of a bitmap built from safe pages on safe_pages_list, and drop it. Returns false
 * (-ENOMEM recorded) when a machine without frame memory has no room left on its safe page stack.
 */
export function memoryBmRecycle(bm: usize): bool {
  const charged = <usize>load<u32>(bm, BMD_CHARGED);
  const n = load<u32>(bm, BMD_NR_CHARGED);
  for (let i: u32 = 0; i < n; i++) {
    if (!recycleSafePage(load<u32>(charged + (<usize>i << 2)))) return false;
  }
  bitmapSlotRelease(bm);
  return true;
}
