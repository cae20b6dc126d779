import type { ResumeState } from "./state.js";

/**
 * markUnsafePages - mark_unsafe_pages() (kernel/power/snapshot.c), with the two steps of prepare_image() that precede
 * it (steps 1–3): free the bounce page, count the highmem image pages, then make free_pages_map a copy of the image
 * PFNs.
 *
 * From here on a frame that is "free" is an image PFN (unsafe), and "forbidden && free" is an owned original frame.
 * Returns the number of highmem image pages.
 */
export function markUnsafePages(state: ResumeState): number {
  return state.machine.engine.markUnsafePages();
}
