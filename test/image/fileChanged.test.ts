import { truncateSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMachine } from "../../src/machine/machine.js";
import { ResumeSession } from "../../src/resume.js";
import { suspendMachine } from "../../src/suspend.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
let n = 0;

async function image(): Promise<string> {
  const out = join(dir, `image-${n++}.thaw`);
  const machine = await createMachine({ memory: "16MiB", seed: 5 });
  suspendMachine(machine, { out });
  machine.dispose();
  return out;
}

describe("the file under a restore: a change is ESTALE, never a verified result", () => {
  it("truncated after open: loadImage fails with ESTALE and nothing is committed", async () => {
    const path = await image();
    using session = await ResumeSession.open(path, { crcThread: false });
    truncateSync(path, 64 * 1024);
    expect(() => session.run()).toThrow(expect.objectContaining({ phase: "loadImage", code: "ESTALE" }));
    expect(session.result().verify).toBeUndefined();
  });

  it("written to (mtime changed) during the restore: ESTALE after loadImage", async () => {
    const path = await image();
    using session = await ResumeSession.open(path);
    for (const phase of ["checkHeader", "unpackOrigPfns", "markUnsafePages", "prepareImage"]) {
      expect(session.step().name).toBe(phase);
    }
    utimesSync(path, new Date(), new Date(Date.now() + 60_000));
    expect(() => session.step()).toThrow(/changed while it was being read: it was written to/);
  });

  it("changed between the atomic copy and verify: verify fails with ESTALE, no verified report", async () => {
    const path = await image();
    using session = await ResumeSession.open(path);
    while (session.nextPhase !== "verify") session.step();
    truncateSync(path, 4096);
    expect(() => session.step()).toThrow(expect.objectContaining({ phase: "verify", code: "ESTALE" }));
  });

  it("an unchanged file restores and verifies", async () => {
    const path = await image();
    using session = await ResumeSession.open(path);
    expect(session.run().verify?.mismatches).toEqual([]);
  });
});
