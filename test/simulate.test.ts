import { describe, expect, it } from "vitest";
import { simulate } from "../src/simulate.js";

describe("simulate()", () => {
  it("restores and verifies every image page of a small machine with HighMem", async () => {
    const r = await simulate({ memory: "32MiB", highmem: "24MiB", seed: 7 });
    const c = r.counts;
    expect(r.verify?.mismatches).toEqual([]);
    expect(r.verify?.untouchedMismatches).toEqual([]);
    expect(r.verify?.pages).toBe(c.imagePages);
    expect(c.directPages + c.pbes + c.highmemPbes).toBe(c.imagePages);
    expect(c.highmemPages).toBeGreaterThan(0);
    expect(c.highmemPbes).toBeGreaterThan(0);
    expect(c.pbes).toBeGreaterThan(0);
  });
});
