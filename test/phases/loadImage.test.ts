import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMachine } from "../../src/machine/machine.js";
import { ResumeSession } from "../../src/resume.js";
import { simulate } from "../../src/simulate.js";
import { suspendMachine } from "../../src/suspend.js";
import { pageOf, ZERO } from "../helpers/images.js";
import { expectCleanFailure, resumeRaw } from "../helpers/resume.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();

describe("loadImage()", () => {
  it("fails with ENODATA on a CRC32 mismatch, before anything is committed (kernel/power/swap.c: crc32_threadfn())", async () => {
    const outcome = await resumeRaw(dir, {
      pageSize: 4096,
      frames: 256,
      entries: [100n, 101n],
      data: [pageOf(4096, 1), pageOf(4096, 2)],
      crc32: 0x12345678,
    });
    expectCleanFailure(
      outcome,
      "loadImage",
      "ENODATA",
      /CRC32 mismatch: the header says 12345678, the stream gives [0-9a-f]{8}/,
    );
  });

  it("drains trailing zero pages at the end of the stream (kernel/power/snapshot.c: snapshot_write_next())", async () => {
    const outcome = await resumeRaw(dir, {
      pageSize: 4096,
      frames: 256,
      entries: [100n, 200n | ZERO, 201n | ZERO],
      data: [pageOf(4096, 1)],
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.machine.frame(201).every((b) => b === 0)).toBe(true);
    expect(outcome.session!.result().verify?.pages).toBe(3);
  });

  it("loads highmem pages through the bounce page, with both PBE lists in use", async () => {
    const r = await simulate({
      frames: 4096,
      pageSize: 1024,
      zones: { dmaEndPfn: 256, highmemStartPfn: 3072 },
      holes: [],
      nosave: [],
      seed: 11,
      suspend: { image: 0.45, zero: 0.1 },
    });
    expect(r.counts.highmemPages).toBeGreaterThan(0);
    expect(r.counts.highmemPbes).toBeGreaterThan(0);
    expect(r.counts.pbes).toBeGreaterThan(0);
    expect(r.verify?.mismatches).toEqual([]);
    expect(r.verify?.untouchedMismatches).toEqual([]);
  });
});

describe("loadImage() modes", () => {
  const frameDigest = (r: Awaited<ReturnType<typeof simulate>>) => {
    const m = r.machine;
    const hash = createHash("sha256");
    for (let pfn = 0; pfn < m.spec.frames; pfn++) {
      if (m.engine.frameTouched(pfn) && !m.engine.frameIsUsed(pfn)) continue;
      hash.update(m.frame(pfn));
    }
    return hash.digest("hex");
  };

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    "planned and faithful give the same counts, PBE lists and memory (seed %i)",
    async (seed) => {
      const options = {
        frames: 1024 + seed * 256,
        pageSize: 2 ** (8 + (seed % 5)),
        zones: { highmemStartPfn: 700 + seed * 100 },
        holes: [],
        nosave: [],
        seed,
        allocator: (["random", "ascending", "descending", "buddy"] as const)[seed % 4]!,
        boot: { profile: (["scattered", "low", "clustered"] as const)[seed % 3]!, share: 0.2 },
        suspend: { image: 0.35, zero: 0.1 },
        restorePblist: true,
      };
      const faithful = await simulate({ ...options, mode: "faithful" });
      const planned = await simulate({ ...options, mode: "planned" });
      expect(planned.counts).toEqual(faithful.counts);
      expect(planned.restorePblist).toEqual(faithful.restorePblist);
      expect(planned.verify).toEqual(faithful.verify);
      expect(frameDigest(planned)).toBe(frameDigest(faithful));
    },
  );
});

describe("loadImage() with the read-ahead thread", () => {
  it.each(["planned", "faithful"] as const)(
    "reads, checksums and places every page as this thread does (%s)",
    async (mode) => {
      const machine = await createMachine({
        frames: 4096,
        pageSize: 4096,
        zones: { highmemStartPfn: 3000 },
        holes: [],
        nosave: [],
        seed: 21,
      });
      const path = join(dir, `readahead-${mode}.thaw`);
      suspendMachine(machine, { out: path, image: 0.4, zero: 0.05 });
      const results = [];
      for (const crcThread of [true, false])
        results.push((await ResumeSession.open(path, { machine, mode, crcThread })).run());
      expect(results[0]!.counts).toEqual(results[1]!.counts);
      for (const r of results)
        expect(r.verify).toMatchObject({ pages: r.counts.imagePages, mismatches: [], untouchedMismatches: [] });
    },
  );
});
