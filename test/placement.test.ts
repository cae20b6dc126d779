import { describe, expect, it } from "vitest";
import { BITMAP_STRATEGIES } from "../src/engine/strategies.js";
import { simulatePlacement } from "../src/placement.js";
import { simulate } from "../src/simulate.js";
import { createRandom, sample } from "../src/util/random.js";

function scenario(seed: number, highmem: boolean) {
  const frames = 2048 + seed * 512;
  const holes = [{ start: 100, end: 140 }];
  const nosave = [{ start: 300, end: 304 }];
  const usable = Uint32Array.from({ length: frames }, (_, i) => i).filter(
    (p) => !(p >= 100 && p < 140) && !(p >= 300 && p < 304),
  );
  const random = createRandom(seed, 9);
  const boot = Array.from(sample(usable, Math.floor(usable.length * 0.2), random));
  const pfns = Array.from(sample(usable, Math.floor(usable.length * 0.3), random));
  const zeroPfns = pfns.filter((_, i) => i % 7 === 0);
  const machine = {
    frames,
    pageSize: 1024,
    holes,
    nosave,
    boot: { pfns: boot },
    allocator: (["ascending", "descending"] as const)[seed % 2]!,
    seed,
    zones: { dmaEndPfn: 64, highmemStartPfn: highmem ? frames - 600 : frames },
  };
  return { machine, pfns, zeroPfns };
}

describe("simulatePlacement()", () => {
  it.each([1, 2, 3, 4, 5, 6])(
    "places exactly as a machine with contents does (same counts, same restore_pblist; seed %i)",
    async (seed) => {
      const s = scenario(seed, seed % 2 === 0);
      const contents = await simulate({
        ...s.machine,
        suspend: { pfns: s.pfns, zeroPfns: s.zeroPfns },
        restorePblist: true,
      });
      const placement = await simulatePlacement({
        ...s.machine,
        pfns: s.pfns,
        zeroPfns: s.zeroPfns,
        restorePblist: true,
      });
      expect(placement.ok).toBe(true);
      expect(placement.counts).toEqual(contents.counts);
      expect(placement.restorePblist).toEqual(contents.restorePblist);
      expect(placement.verify).toMatchObject({
        pages: s.pfns.length,
        pbes: contents.counts.pbes,
        highmemPbes: contents.counts.highmemPbes,
        violations: [],
      });
    },
  );

  it.each(BITMAP_STRATEGIES)(
    "runs a 64 GiB machine (16M frames) with the %s bitmap and checks every PBE",
    async (bitmap) => {
      const r = await simulatePlacement({
        memory: "64GiB",
        highmem: false,
        bitmap,
        allocator: "random",
        image: "1%",
        seed: 4,
      });
      expect(r.ok).toBe(true);
      expect(r.frames).toBe(16 * 2 ** 20);
      expect(r.verify.violations).toEqual([]);
      expect(r.counts.directPages + r.counts.pbes + r.counts.highmemPbes).toBe(r.counts.imagePages);
      expect(r.counts.imagePages).toBeGreaterThan(150_000);
      expect(r.memoryBytes).toBeLessThan(64 * 2 ** 20);
    },
  );

  it("draws the same image and footprint for the same seed, whatever the strategy", async () => {
    const runs = await Promise.all(
      ["flat", "rtree"].map((bitmap) => simulatePlacement({ memory: "8GiB", bitmap: bitmap as "flat", seed: 12 })),
    );
    expect(runs[0]!.counts).toEqual(runs[1]!.counts);
  });

  it("refuses an allocator order it cannot compute", async () => {
    await expect(simulatePlacement({ memory: "1GiB", allocator: "buddy" })).rejects.toThrow(
      /placement-only machine computes its allocator order/,
    );
  });
});
