import { describe, expect, it } from "vitest";
import * as L from "../../assembly/portable/layout.js";
import { simulate } from "../../src/simulate.js";
import { pageOf } from "../helpers/images.js";
import { expectCleanFailure, resumeRaw, SMALL } from "../helpers/resume.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();

describe("prepareImage()", () => {
  it("fails with ENOMEM, naming what was needed and what was free, when the image does not fit (kernel/power/snapshot.c: prepare_image())", async () => {
    const entries = Array.from({ length: 150 }, (_, i) => BigInt(i));
    const outcome = await resumeRaw(
      dir,
      { pageSize: 4096, frames: 256, entries, data: entries.map((_, i) => pageOf(4096, i)) },
      { ...SMALL, boot: { pfns: Array.from({ length: 120 }, (_, i) => i) } },
    );
    expectCleanFailure(outcome, "prepareImage", "ENOMEM", /out of memory: \d+ more frames needed, 0 free/);
    expect(outcome.error!.offending).toMatchObject({ kind: "pages", limit: 0 });
  });

  it("reserves ceil(n / PBES_PER_LINKED_PAGE) safe pages and preallocates n frames (kernel/power/snapshot.c: prepare_image() steps 7–8)", async () => {
    const r = await simulate({
      frames: 2048,
      pageSize: 256,
      highmem: false,
      holes: [],
      nosave: [],
      seed: 3,
      suspend: { image: 0.3, zero: 0 },
    });
    const m = r.machine;
    const perPage = Math.floor((256 - 8) / 24);
    const n = r.counts.imagePages - r.counts.allocatedUnsafePages;
    expect(m.ctx(L.CTX_NR_PREALLOCATED)).toBe(n);
    expect(m.ctx(L.CTX_NR_RESERVED)).toBeGreaterThanOrEqual(Math.ceil(n / perPage));
    expect(r.counts.ownedFrames).toBe(r.counts.directPages);
    expect(r.counts.directPages + r.counts.pbes).toBe(r.counts.imagePages);
  });
});
