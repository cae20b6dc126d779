/**
 * The fuzzer's judge can see what it counts: engine traps (even when the resume wraps them into an EIO), crashes,
 * typed rejections, a machine that was not rolled back, and a file that was written.
 */

import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as L from "../../assembly/portable/layout.js";
import { bootDigest, fileFingerprint, rollbackState } from "../../fuzz/evidence.js";
import { judgeError, MachinePool, openFds } from "../../fuzz/oracle.js";
import { ConfigError, ResumeError } from "../../src/errors.js";
import { createMachine } from "../../src/machine/machine.js";
import { ResumeSession } from "../../src/resume.js";
import { suspendMachine } from "../../src/suspend.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("thaw-fuzz-oracle-");
const MACHINE = {
  frames: 512,
  pageSize: 1024,
  zones: { dmaEndPfn: 32, highmemStartPfn: 400 },
  holes: [],
  nosave: [],
  seed: 9,
  boot: { profile: "scattered" as const, share: 0.25 },
  allocator: "random" as const,
};

describe("judgeError()", () => {
  it("a typed ResumeError is a rejection in its phase; a ConfigError a rejection of the machine", () => {
    expect(judgeError(new ResumeError("unpackOrigPfns", "EFAULT", "PFN 9 is beyond"), undefined)).toMatchObject({
      outcome: "rejected",
      phase: "unpackOrigPfns",
      code: "EFAULT",
    });
    expect(judgeError(new ConfigError("no", { kind: "option", name: "holes", value: 1 }), undefined)).toMatchObject({
      outcome: "rejected",
      phase: "config",
    });
  });

  it("an exception the resume wrapped into EIO on its way out is a trap or a crash, not a rejection", () => {
    expect(judgeError(new ResumeError("loadImage", "EIO", "unreachable"), undefined)).toMatchObject({
      outcome: "trap",
    });
    expect(judgeError(new ResumeError("loadImage", "EIO", "memory access out of bounds"), undefined)).toMatchObject({
      outcome: "trap",
    });
    expect(
      judgeError(
        new ResumeError(
          "prepareImage",
          "EIO",
          "memory_bm_set_bit: PFN outside the bitmap in assembly/bitmap/bitmap.ts:255:13",
        ),
        undefined,
      ),
    ).toMatchObject({ outcome: "trap" });
    expect(
      judgeError(new ResumeError("loadImage", "EIO", "Cannot read properties of undefined (reading 'x')"), undefined),
    ).toMatchObject({ outcome: "crash" });
    expect(
      judgeError(
        new ResumeError("verify", "EIO", "the image changed while it was restored: data page 3 can no longer be read"),
        undefined,
      ),
    ).toMatchObject({ outcome: "rejected" });
  });

  it("a RuntimeError is a trap, any other exception a crash; what the engine threw wins over what came out", () => {
    expect(judgeError(new WebAssembly.RuntimeError("unreachable"), undefined)).toMatchObject({ outcome: "trap" });
    expect(judgeError(new RangeError("Invalid typed array length: 4294967296"), undefined)).toMatchObject({
      outcome: "crash",
      message: expect.stringMatching(/^RangeError/),
    });
    expect(
      judgeError(new ResumeError("loadImage", "EINVAL", "fine"), new Error("abort in assembly/x.ts:1:1")),
    ).toMatchObject({ outcome: "trap" });
  });
});

describe("MachinePool", () => {
  it("sees an engine assertion (debug build) at the engine's exports, once", async () => {
    const pool = new MachinePool();
    const machine = await pool.get(MACHINE);
    machine.boot();
    expect(machine.engine.createBasicMemoryBitmaps()).toBe(0);
    const bm = machine.ctx(L.CTX_FREE_PAGES_MAP);
    expect(() => machine.engine.bmSetBit(bm, 10_000_000)).toThrow(/PFN outside the bitmap/);
    expect(String(pool.trapOf(machine))).toMatch(/memory_bm_set_bit: PFN outside the bitmap in assembly\//);
    expect(pool.trapOf(machine)).toBeUndefined();
  });

  it("reuses a machine for the same options and builds another for different ones", async () => {
    const pool = new MachinePool();
    const a = await pool.get(MACHINE);
    expect(await pool.get({ ...MACHINE })).toBe(a);
    expect(await pool.get({ ...MACHINE, seed: 10 })).not.toBe(a);
  });
});

describe("the rollback evidence", () => {
  it("shows a machine left half-way through a resume (frames taken, bitmaps alive), and all zero after the undo", async () => {
    const machine = await createMachine(MACHINE);
    const path = join(dir, "half.thaw");
    suspendMachine(machine, { out: path, image: 0.3, zero: 0.1 });
    const session = await ResumeSession.open(path, { machine, crcThread: false });
    const boot = bootDigest(machine);
    for (let i = 0; i < 5; i++) session.step();
    const half = rollbackState(machine);
    expect(half.freeLow + half.freeHigh).toBeLessThan(0);
    expect(half.bitmapsAlive).toBeGreaterThan(0);
    expect(half.untouchedChanged).toBe(0);
    expect(bootDigest(machine)).toBe(boot);
    session.close();
    machine.engine.swsuspFree();
    machine.engine.freeBasicMemoryBitmaps();
    expect(rollbackState(machine)).toEqual({
      freeLow: 0,
      freeHigh: 0,
      untouchedChanged: 0,
      bitmapsAlive: 0,
      restorePblist: 0,
    });
  });

  it("sees a boot-kernel frame written", async () => {
    const machine = await createMachine(MACHINE);
    const boot = bootDigest(machine);
    const pfn = machine.bootPfns[3]!;
    machine.frame(pfn)[7]! ^= 1;
    expect(bootDigest(machine)).not.toBe(boot);
  });

  it("sees a file rewritten with the same bytes", async () => {
    const path = join(dir, "same.bin");
    writeFileSync(path, "x".repeat(5000));
    const before = fileFingerprint(path);
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeFileSync(path, readFileSync(path));
    expect(fileFingerprint(path)).not.toBe(before);
  });
});

describe("openFds()", () => {
  it("counts the descriptors open on the case's folder, not those the campaign holds elsewhere", () => {
    const caseDir = mkdtempSync(join(dir, "case-"));
    const other = join(tmpdir(), `fuzz-campaign-${process.pid}.log`);
    writeFileSync(join(caseDir, "case.img"), "x");
    writeFileSync(other, "x");
    const before = openFds(caseDir);
    const mine = openSync(join(caseDir, "case.img"), "r");
    const theirs = openSync(other, "r");
    try {
      expect(openFds(caseDir)).toBe(before + 1);
    } finally {
      closeSync(mine);
      closeSync(theirs);
    }
    expect(openFds(caseDir)).toBe(before);
    rmSync(other);
  });
});
