import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { HOST_CLASSES, type HostBench, type HostClass, prepareHostBench, runHostCase } from "../../fuzz/hostCases.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
let bench: HostBench;

beforeAll(async () => {
  bench = await prepareHostBench(mkdtempSync(join(dir, "bench-")));
});

/** Cases of each class a test runs: indices i with i % classes === the class's position, as a campaign plans them. */
const PER_CLASS = 4;

describe.each(HOST_CLASSES)("host cases of class %s", (kind: HostClass) => {
  it("end typed or correct, in time, under the RSS bound, the image untouched and nothing left behind", async () => {
    const position = HOST_CLASSES.indexOf(kind);
    for (let k = 0; k < PER_CLASS; k++) {
      const index = position + k * HOST_CLASSES.length;
      const verdict = await runHostCase(kind, index, 1, bench);
      expect(verdict.findings, `#${index} ${verdict.detail}: ${verdict.error}`).toEqual([]);
      expect(verdict.outcome).not.toBe("failed");
    }
  }, 60_000);
});

describe("the host judge", () => {
  it("counts a file left in the temporary folder as a finding, and cleans it for the next case", async () => {
    writeFileSync(join(bench.temp, "thaw-image-stale"), "left behind");
    const verdict = await runHostCase("specialFile", 2, 1, bench);
    expect(verdict.findings).toEqual(["leftover"]);
    expect(verdict.outcome).toBe("failed");
    expect((await runHostCase("specialFile", 2, 1, bench)).findings).toEqual([]);
  });
});
