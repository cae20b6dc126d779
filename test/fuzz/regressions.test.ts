/**
 * Failures the fuzzer found, each fixed, each kept here as the case that found it (reduced by hand).
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeLinuxImage } from "../../fuzz/linuxWriter.js";
import { ResumeError } from "../../src/errors.js";
import { openImage } from "../../src/image/open.js";
import { ENTRY_ZERO as ZERO } from "../../src/image/pfnEntry.js";
import { machineOf, ResumeSession } from "../../src/resume.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("thaw-fuzz-regressions-");

function plainImage(name: string, entries: bigint[], numPhyspages: number, info?: { numPhyspages: bigint }): string {
  const data = entries.filter((e) => !(e & ZERO)).map((_, i) => new Uint8Array(4096).fill(i + 1));
  const path = join(dir, name);
  writeFileSync(
    path,
    writeLinuxImage({ compression: "none", numPhyspages, entries, data, ...(info && { info }) }).device,
  );
  return path;
}

describe("modelling the machine of a Linux image", () => {
  it("a swsusp_info claiming 2^32 - 1 present pages fails in checkHeader at once with frames in memory, or under maxMemory (it walked every frame: 14 s; seed 3, case 829)", async () => {
    const path = plainImage(
      "huge-physpages.img",
      Array.from({ length: 20 }, (_, i) => BigInt(300 + i)),
      1024,
      { numPhyspages: 2n ** 32n - 1n },
    );
    const t0 = performance.now();
    const source = await openImage(path);
    try {
      expect(machineOf(source).frames).toBe(2 ** 32 - 1);
    } finally {
      source.close();
    }
    for (const options of [{ contents: "memory" as const }, { maxMemory: 512 * 2 ** 20 }]) {
      const error = await ResumeSession.open(path, options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ResumeError);
      expect({ phase: (error as ResumeError).phase, code: (error as ResumeError).code }).toEqual({
        phase: "checkHeader",
        code: "ENOMEM",
      });
    }
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("models the same holes from the PFN list as it did from a map of every frame", async () => {
    const entries = [...Array.from({ length: 160 }, (_, i) => BigInt(300 + i)), 1500n | ZERO, 2000n];
    const source = await openImage(plainImage("gaps.img", entries, 1024));
    try {
      expect(machineOf(source)).toMatchObject({
        frames: 2048,
        holes: [
          { start: 160, end: 256 },
          { start: 572, end: 1500 },
        ],
      });
    } finally {
      source.close();
    }
  });
});
