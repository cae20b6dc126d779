import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as L from "../../assembly/portable/layout.js";
import { createMachine } from "../../src/machine/machine.js";
import { ResumeSession } from "../../src/resume.js";
import { suspendMachine } from "../../src/suspend.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();

function highmemDigest(machine: Awaited<ReturnType<typeof createMachine>>): string {
  const hash = createHash("sha256");
  for (let pfn = machine.spec.highmemStartPfn; pfn < machine.spec.frames; pfn++) hash.update(machine.frame(pfn));
  return hash.digest("hex");
}

describe("restoreHighmem()", () => {
  it("swaps every highmem PBE; a second call swaps the boot kernel's highmem back (kernel/power/snapshot.c: prepare_highmem_image())", async () => {
    const machine = await createMachine({
      frames: 2048,
      pageSize: 512,
      zones: { highmemStartPfn: 1536 },
      holes: [],
      nosave: [],
      seed: 5,
    });
    const path = join(dir, "hm.thaw");
    suspendMachine(machine, { out: path, image: 0.4, zero: 0.05 });
    const session = await ResumeSession.open(path, { machine });
    while (session.nextPhase !== "restoreHighmem") session.step();
    const before = highmemDigest(machine);
    const swapped = session.step();
    expect(swapped.pages).toBe(machine.ctx(L.CTX_NR_HIGHMEM_PBES));
    expect(swapped.pages).toBeGreaterThan(0);
    expect(highmemDigest(machine)).not.toBe(before);
    expect(machine.engine.restoreHighmem()).toBe(swapped.pages);
    expect(highmemDigest(machine)).toBe(before);
  });
});
