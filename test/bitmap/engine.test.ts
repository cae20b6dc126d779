/**
 * The engine's results do not depend on the bitmap strategy (assembly/bitmap/bitmap.ts): every bitmap is charged the
 * radix tree's frames whatever holds its bits, so counts, owned frames, restore_pblist and the restored memory must
 * be identical for flat, bmlist, rtree and summary.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { MachineOptions } from "../../src/machine/config.js";
import { createMachine } from "../../src/machine/machine.js";
import { ResumeSession } from "../../src/resume.js";
import { simulate } from "../../src/simulate.js";
import { suspendMachine } from "../../src/suspend.js";
import { tempDir } from "../helpers/tmp.js";
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

describe("a machine resumed again", () => {
  it.each(STRATEGIES)(
    "gives the same counts and restore_pblist the second time with %s (slots dirtied by the first are cleared)",
    async (bitmap) => {
      const dir = tempDir("thaw-bitmap-again-");
      const machine = await createMachine({ memory: "32MiB", highmem: "24MiB", seed: 9, bitmap });
      const path = join(dir, "m.thaw");
      suspendMachine(machine, { out: path, image: 0.4, zero: 0.05 });
      const runs = [];
      for (let i = 0; i < 2; i++) {
        const session = await ResumeSession.open(path, { machine });
        const r = await session.run();
        runs.push({ counts: r.counts, pblist: session.restorePblist(), mismatches: r.verify?.mismatches });
      }
      expect(runs[0]!.counts.pbes).toBeGreaterThan(0);
      expect(runs[0]!.mismatches).toEqual([]);
      expect(runs[1]).toEqual(runs[0]);
    },
  );
});
