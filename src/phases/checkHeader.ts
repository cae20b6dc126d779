import * as L from "../../assembly/portable/layout.js";
import { ResumeError } from "../errors.js";
import { engineError, type ResumeState } from "./state.js";

/**
 * checkHeader - load_header()/check_header() (kernel/power/snapshot.c), after create_basic_memory_bitmaps()
 * (kernel/power/snapshot.c).
 * @state: the resume; its header was decoded (and its structure checked) when the image was opened.
 *
 * The image must fit the machine: same page size, and num_physpages equal to the machine's present frames, as the
 * kernel requires ("Image mismatch: memory size", -EPERM). The image's own structural checks follow (a thaw image must
 * be exactly as long as its header says: -ENODATA when truncated), so a short image fails here, before anything is
 * allocated. Then the basic bitmaps are created,
 * the bounce page taken, and copy_bm and zero_bm created (PG_ANY), as snapshot_write_next() does for pages 0 and 1.
 */
export function checkHeader(state: ResumeState): void {
  const { machine, source } = state;
  const { spec } = machine;
  if (source.pageSize !== spec.pageSize) {
    throw new ResumeError(
      "checkHeader",
      "EPERM",
      `Image mismatch: page size (image ${source.pageSize} bytes, machine ${spec.pageSize})`,
      { kind: "field", name: "page_size", value: source.pageSize, limit: spec.pageSize },
    );
  }
  if (source.numPhyspages !== machine.numPhyspages) {
    throw new ResumeError(
      "checkHeader",
      "EPERM",
      `Image mismatch: memory size (image ${source.numPhyspages} pages, machine ${machine.numPhyspages})`,
      { kind: "field", name: "num_physpages", value: source.numPhyspages, limit: machine.numPhyspages },
    );
  }
  source.check();
  const engine = machine.engine;
  let ret = engine.createBasicMemoryBitmaps();
  if (ret === 0) ret = engine.loadHeader(source.imagePages, source.metaPages);
  if (ret < 0) {
    throw engineError(
      machine,
      "checkHeader",
      ret,
      () =>
        `no memory for the basic bitmaps (${machine.arena.bmCharge} frames each; ${machine.freeFrames().low} lowmem frames free)`,
    );
  }
  machine.setCtx(L.CTX_NR_PFN_ENTRIES, 0);
  machine.setCtx(L.CTX_PFN_LIST_UNSORTED, 0);
}
