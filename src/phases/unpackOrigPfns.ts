import { EINVAL } from "../../assembly/portable/errno.js";
import * as L from "../../assembly/portable/layout.js";
import { ResumeError } from "../errors.js";
import { metaPagesFor } from "../image/pfnEntry.js";
import { engineError, type ResumeState } from "./state.js";

/**
 * unpackOrigPfns - unpack_orig_pfns() over every PFN metadata page (kernel/power/snapshot.c): the image PFNs into
 * copy_bm, zero-flagged ones also into zero_bm.
 *
 * Pages are read straight into the staging region, a batch at a time, and unpacked by one engine call per batch.
 * Rejects (with the PFN) entries beyond the machine, in a hole, in a nosave region (-EFAULT) and duplicates
 * (-EINVAL; the kernel does not check them). Then the list must agree with the header: as many data entries as
 * image_pages, and exactly ceil(entries × entry size / page_size) metadata pages (-EINVAL otherwise).
 */
export function unpackOrigPfns(state: ResumeState): void {
  const { machine, source } = state;
  const { pageSize } = machine.spec;
  const batch = state.stage.batch;
  const label = { phase: "unpackOrigPfns" as const, what: "PFN metadata page", total: source.metaPages };
  for (let page = 0; page < source.metaPages; page += batch) {
    const count = Math.min(batch, source.metaPages - page);
    const view = state.stage.take(count, { ...label, first: 1 + page });
    const ret = machine.engine.unpackOrigPfns(view.byteOffset, count, source.pfnEntryBytes);
    if (ret < 0) {
      throw engineError(machine, "unpackOrigPfns", ret, (o) => {
        const pfn = Number(o?.value);
        if (ret === -EINVAL) return `PFN ${pfn} is listed twice in the image's PFN metadata`;
        if (pfn >= machine.spec.frames) return `PFN ${pfn} is beyond the machine's ${machine.spec.frames} frames`;
        const inHole = machine.spec.holes.some((r) => pfn >= r.start && pfn < r.end);
        return `PFN ${pfn} lies in ${inHole ? "a hole (no memory there)" : "a nosave region"} and cannot be restored`;
      });
    }
    state.onProgress?.({ phase: "unpackOrigPfns", done: page + count, total: source.metaPages });
  }
  const entries = machine.ctx(L.CTX_NR_PFN_ENTRIES);
  const zero = machine.ctx(L.CTX_NR_ZERO_PAGES);
  if (entries - zero !== source.imagePages) {
    throw new ResumeError(
      "unpackOrigPfns",
      "EINVAL",
      `the PFN metadata lists ${entries - zero} data pages (${entries} PFNs, ${zero} zero pages) but image_pages is ${source.imagePages}`,
      { kind: "field", name: "image_pages", value: source.imagePages, limit: entries - zero },
    );
  }
  const filled = metaPagesFor(entries, pageSize, source.pfnEntryBytes);
  if (filled !== source.metaPages) {
    throw new ResumeError(
      "unpackOrigPfns",
      "EINVAL",
      `${entries} PFN entries fill ${filled} metadata pages, but the header gives ${source.metaPages}`,
      { kind: "field", name: "pages", value: source.pages },
    );
  }
}
