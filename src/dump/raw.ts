/**
 * The raw format: a file indexed by physical address, the page of PFN p at p × page size, as `dd` of /dev/mem would
 * give it. Frames the image does not hold, and zero-flagged pages, are holes (sparse, reading as zeros); the file
 * ends with the highest image PFN's page.
 */
import type { DumpGeometry, DumpPlan } from "./format.js";
import type { DumpLayout } from "./layout.js";

/** planRaw - The raw plan of @layout. */
export function planRaw(layout: DumpLayout, { pageSize }: DumpGeometry): DumpPlan {
  const last = layout.pfns.length ? layout.pfns[layout.pfns.length - 1]! : -1;
  return {
    format: "raw",
    description: "raw, page of PFN p at p × page size",
    fileSize: (last + 1) * pageSize,
    runOffset: (r) => layout.pfns[layout.first[r]!]! * pageSize,
    headers: () => [],
  };
}
