/**
 * Injected faults (issue 6): the k-th page allocation fails, for every k of a resume; the k-th read of the image
 * fails or comes back short, for every k. After each, nothing is lost: the allocator's free count is back to where
 * it was, no frame is left marked, no bitmap is alive, and the boot kernel's frames (and every frame the restore
 * never took) are byte-identical.
 */

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ResumeError } from "../src/errors.js";
import { createMachine, type Machine } from "../src/machine/machine.js";
import { type ResumeOptions, ResumeSession } from "../src/resume.js";
import { suspendMachine } from "../src/suspend.js";
import { fileFingerprint } from "./helpers/images.js";
import { bootDigest, CLEAN, rollbackState } from "./helpers/machine.js";
import { tempDir } from "./helpers/tmp.js";

const dir = tempDir();

const SCENARIOS = [
  {
    frames: 1024,
    pageSize: 512,
    zones: { dmaEndPfn: 64, highmemStartPfn: 700 },
    holes: [{ start: 90, end: 100 }],
    nosave: [{ start: 120, end: 122 }],
    seed: 1,
    boot: { profile: "scattered" as const, share: 0.2 },
  },
  {
    frames: 768,
    pageSize: 256,
    zones: { highmemStartPfn: 400 },
    holes: [],
    nosave: [],
    seed: 2,
    allocator: "ascending" as const,
    boot: { profile: "low" as const, share: 0.3 },
  },
  {
    frames: 2048,
    pageSize: 128,
    zones: { highmemStartPfn: 1900 },
    holes: [],
    nosave: [],
    seed: 3,
    allocator: "buddy" as const,
    boot: { profile: "clustered" as const, share: 0.25, clusterPages: 16 },
  },
];

async function prepared(index: number): Promise<{ machine: Machine; path: string }> {
  const machine = await createMachine(SCENARIOS[index]!);
  const path = join(dir, `faults-${index}.thaw`);
  suspendMachine(machine, { out: path, image: 0.3, zero: 0.1 });
  return { machine, path };
}

async function attempt(machine: Machine, path: string, options: ResumeOptions) {
  const session = await ResumeSession.open(path, { machine, crcThread: false, ...options });
  const boot = bootDigest(machine);
  const before = fileFingerprint(path);
  try {
    session.run();
    return { error: undefined, boot, before };
  } catch (error) {
    return { error: error as ResumeError, boot, before };
  }
}

const seenPhases: string[] = [];

describe.each([0, 1, 2])("fault injection, scenario %i", (index) => {
  it("every k-th page allocation failing: ENOMEM, and the machine as it booted", async () => {
    const { machine, path } = await prepared(index);
    const clean = await ResumeSession.open(path, { machine, crcThread: false });
    const start = machine.allocations();
    clean.run();
    const total = machine.allocations() - start;
    expect(total).toBeGreaterThan(20);
    const phases = new Set<string>();
    for (let k = 1; k <= total; k++) {
      const { error, boot, before } = await attempt(machine, path, { failAllocationAt: k });
      expect(error, `allocation ${k} of ${total}`).toBeInstanceOf(ResumeError);
      expect(error!.code).toBe("ENOMEM");
      phases.add(error!.phase);
      expect(rollbackState(machine), `allocation ${k}`).toEqual(CLEAN);
      expect(bootDigest(machine)).toBe(boot);
      expect(fileFingerprint(path)).toBe(before);
    }
    expect([...phases]).toEqual(expect.arrayContaining(["checkHeader", "prepareImage"]));
    for (const phase of phases) expect(["checkHeader", "prepareImage", "loadImage", "restoreHighmem"]).toContain(phase);
    seenPhases.push(...phases);
  }, 120_000);

  it("every k-th read failing or coming back short: EIO / ENODATA, and the machine as it booted", async () => {
    const { machine, path } = await prepared(index);
    let reads = 0;
    for (let k = 1; ; k++) {
      const { error, boot } = await attempt(machine, path, { failReadAt: k });
      if (!error) {
        reads = k - 1;
        break;
      }
      expect(error.code).toBe("EIO");
      expect(rollbackState(machine)).toEqual(CLEAN);
      expect(bootDigest(machine)).toBe(boot);
    }
    expect(reads).toBeGreaterThan(1);
    for (let k = 1; k <= reads; k++) {
      const { error, boot } = await attempt(machine, path, { shortReadAt: k, mode: k % 2 ? "planned" : "faithful" });
      if (!error) continue;
      expect(error.code).toBe("ENODATA");
      expect(error.message).toMatch(/image ends at/);
      expect(rollbackState(machine)).toEqual(CLEAN);
      expect(bootDigest(machine)).toBe(boot);
    }
  }, 120_000);
});

describe("fault injection across the scenarios", () => {
  it("reaches allocation failures in loadImage (a highmem chain page past the reserve, kernel/power/snapshot.c: prepare_image()) and restoreHighmem", () => {
    expect(new Set(seenPhases)).toEqual(new Set(["checkHeader", "prepareImage", "loadImage", "restoreHighmem"]));
  });
});
