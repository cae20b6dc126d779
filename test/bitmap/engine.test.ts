/**
 * The engine's results do not depend on the bitmap strategy (assembly/bitmap/bitmap.ts): every bitmap is charged the
 * radix tree's frames whatever holds its bits, so counts, owned frames, restore_pblist and the restored memory must
 * be identical for flat, bmlist, rtree and summary.
 */
import { describe, expect, it } from "vitest";
import type { MachineOptions } from "../../src/machine/config.js";
import { simulate } from "../../src/simulate.js";
import { STRATEGIES } from "./helpers.js";

const SCENARIOS: readonly (MachineOptions & { name: string })[] = [
  { name: "32 MiB with 8 MiB of HighMem, seed 7", memory: "32MiB", highmem: "24MiB", seed: 7 },
  {
    name: "32 MiB with 8 MiB of HighMem, seed 11, descending allocator",
    memory: "32MiB",
    highmem: "24MiB",
    seed: 11,
    allocator: "descending",
  },
  {
    name: "48 MiB without HighMem, clustered boot kernel, seed 3",
    memory: "48MiB",
    highmem: false,
    seed: 3,
    boot: { profile: "clustered", share: 0.3 },
  },
  { name: "8 MiB of 1 KiB pages with HighMem, seed 5", memory: "8MiB", pageSize: 1024, highmem: "6MiB", seed: 5 },
];

describe.each(SCENARIOS)("simulate() on $name", (scenario) => {
  it("gives identical counts, restore_pblist and verification with every bitmap strategy", async () => {
    const { name: _name, ...options } = scenario;
    const results = [];
    for (const bitmap of STRATEGIES) {
      const r = await simulate({ ...options, bitmap, restorePblist: true });
      results.push({
        bitmap,
        counts: r.counts,
        restorePblist: r.restorePblist,
        verify: { pages: r.verify?.pages, mismatches: r.verify?.mismatches, untouched: r.verify?.untouchedMismatches },
      });
    }
    const flat = results[0]!;
    expect(flat.counts.zeroPages).toBeGreaterThan(0);
    if (options.highmem !== false) expect(flat.counts.highmemPbes).toBeGreaterThan(0);
    expect(flat.verify.mismatches).toEqual([]);
    expect(flat.verify.untouched).toEqual([]);
    expect(flat.verify.pages).toBe(flat.counts.imagePages);
    expect(flat.restorePblist!.length).toBe(flat.counts.pbes);
    for (const r of results.slice(1)) {
      expect({ ...r, bitmap: "flat" }).toEqual(flat);
    }
  });
});
