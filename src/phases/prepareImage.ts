import { engineError, type ResumeState } from "./state.js";

/** Frames preallocated per engine call, between progress reports. */
const PREALLOC_BATCH = 65536;

/**
 * prepareImage - prepare_image() steps 4–8 and prepare_highmem_image() (kernel/power/snapshot.c).
 *
 * orig_bm and zero_bm move into safe pages; highmem image pages get safe highmem pages; ceil(n / PBES_PER_LINKED_PAGE)
 * safe pages are reserved for the PBE chain; then n frames are preallocated, where
 * n = (Z + C) - nr_highmem - allocated_unsafe_pages, recomputed after the reserve, a batch per engine call. Image
 * PFNs among them become owned original frames; the rest go on safe_pages_list. Fails with -ENOMEM naming what was
 * needed and what was free.
 */
export function prepareImage(state: Pick<ResumeState, "machine" | "onProgress">): void {
  const { machine } = state;
  const fail = (ret: number) =>
    engineError(
      machine,
      "prepareImage",
      ret,
      (o) =>
        `out of memory: ${o?.value ?? "more"} more frames needed, ${o?.limit ?? machine.freeFrames().low} free (the image needs a frame for every page)`,
    );
  const total = machine.engine.prepareImage();
  if (total < 0) throw fail(total);
  for (let left = total; ; ) {
    left = machine.engine.preallocateImagePages(PREALLOC_BATCH);
    if (left < 0) throw fail(left);
    state.onProgress?.({ phase: "prepareImage", done: total - left, total });
    if (left === 0) break;
  }
}
