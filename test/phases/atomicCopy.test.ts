import { describe, expect, it } from "vitest";
import { simulate } from "../../src/simulate.js";

describe("atomicCopy()", () => {
  it("walks restore_pblist by `next` and copies every PBE: one page per PBE, descending PFN order (kernel/power/snapshot.c: get_buffer(), arch/x86/power/hibernate_asm_64.S: core_restore_code)", async () => {
    const r = await simulate({
      frames: 1024,
      pageSize: 1024,
      highmem: false,
      holes: [],
      nosave: [],
      seed: 9,
      restorePblist: true,
      suspend: { image: 0.35 },
    });
    const copy = r.phases.find((p) => p.name === "atomicCopy")!;
    expect(copy.pages).toBe(r.counts.pbes);
    const list = r.restorePblist!;
    expect(list).toHaveLength(r.counts.pbes);
    const orig = list.map((p) => p.origAddress);
    expect(orig).toEqual([...orig].sort((a, b) => b - a));
    for (const pbe of list)
      expect(Buffer.from(r.machine.frame(pbe.origAddress)).equals(Buffer.from(r.machine.frame(pbe.address)))).toBe(
        true,
      );
    expect(r.verify?.mismatches).toEqual([]);
  });
});
