import { describe, expect, it } from "vitest";
import { simulate } from "../src/simulate.js";

describe("a machine whose frames lie above 2 GiB of linear memory", () => {
  it("restores pages into frames at addresses ≥ 2^31 in both modes (addresses are unsigned end to end)", async () => {
    for (const mode of ["planned", "faithful"] as const) {
      const r = await simulate({
        memory: "2304MiB",
        highmem: "1536MiB",
        boot: { profile: "scattered", share: 0.1 },
        suspend: { image: 0.03, zero: 0.1 },
        mode,
        seed: 3,
      });
      expect(r.machine.arena.framesBase + r.machine.spec.frames * r.machine.spec.pageSize).toBeGreaterThan(2 ** 31);
      expect(r.counts.highmemPbes).toBeGreaterThan(0);
      expect(r.verify).toMatchObject({ mismatches: [], untouchedMismatches: [] });
      expect(r.verify?.pages).toBe(r.counts.imagePages);
    }
  }, 180_000);
});
