import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { entryPfn } from "../../src/image/pfnEntry.js";
import { createMachine } from "../../src/machine/machine.js";
import { UNTOUCHED_READS } from "../../src/phases/verify.js";
import { ResumeSession } from "../../src/resume.js";
import { suspendMachine } from "../../src/suspend.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();

describe("verify()", () => {
  it("reports an image PFN whose frame differs and an untouched frame that changed", async () => {
    const machine = await createMachine({
      frames: 512,
      pageSize: 4096,
      highmem: false,
      holes: [],
      nosave: [],
      seed: 2,
    });
    const path = join(dir, "v.thaw");
    const image = suspendMachine(machine, { out: path, image: 0.3 });
    const session = await ResumeSession.open(path, { machine });
    while (session.nextPhase !== "verify") session.step();
    const list = new BigUint64Array(machine.memory.buffer, machine.arena.pfnList, image.entries);
    const imagePfn = entryPfn(list[3]!);
    const frame = machine.frame(imagePfn);
    frame[17] = frame[17]! ^ 0xff;
    const inImage = new Set(Array.from(list, (e) => entryPfn(e)));
    const untouched = machine.bootPfns.find((pfn) => !inImage.has(pfn))!;
    const boot = machine.frame(untouched);
    boot[0] = boot[0]! ^ 1;
    session.step();
    const v = session.result().verify!;
    expect(v.pages).toBe(image.entries);
    expect(v.mismatches).toEqual([imagePfn]);
    expect(v.untouchedMismatches).toEqual([untouched]);
  });
  it("reads never-written untouched frames only as an evenly spaced sample, so the machine is not faulted in whole", async () => {
    const machine = await createMachine({ frames: 40000, pageSize: 4096, highmem: false, seed: 3 });
    const path = join(dir, "sample.thaw");
    suspendMachine(machine, { out: path, image: 0.05 });
    const session = await ResumeSession.open(path, { machine });
    const v = session.run().verify!;
    const stride = Math.ceil(40000 / UNTOUCHED_READS);
    expect(stride).toBeGreaterThan(1);
    expect(v.untouchedMismatches).toEqual([]);
    expect(v.untouchedRead).toBeLessThan(v.untouchedFrames);
    expect(v.untouchedRead).toBeGreaterThanOrEqual(Math.floor(v.untouchedFrames / stride));
    expect(v.untouchedRead).toBeLessThanOrEqual(UNTOUCHED_READS + machine.bootPfns.length);
  });
});
