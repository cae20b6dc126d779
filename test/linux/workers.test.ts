import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openImage } from "../../src/image/open.js";
import { ResumeSession } from "../../src/resume.js";
import { crc32Le } from "../../src/util/crc32.js";

const IMAGES = ["test/fixtures/linux-6.12/e-tiny-lzo/swap.img.gz", "test/fixtures/linux-6.12/f-tiny-lz4/swap.img.gz"];

async function pass(path: string, workers: number) {
  const source = await openImage(path, { workers });
  try {
    const reader = source.stream();
    const buffer = new Uint8Array(37 * 4096);
    const hash = createHash("sha256");
    let crc = 0;
    let pages = 0;
    for (let n: number; (n = reader.read(buffer)) > 0; pages += n) {
      hash.update(buffer.subarray(0, n * 4096));
      crc = crc32Le(buffer.subarray(0, n * 4096), crc);
    }
    return { pages, sha: hash.digest("hex"), crc, workerCrc: reader.crc32 };
  } finally {
    source.close();
  }
}

describe.each(IMAGES)("decompression workers on %s", (path) => {
  it("give the same stream and the same CRC with 0, 1, 2 and 3 workers", async () => {
    const results = [];
    for (const workers of [0, 1, 2, 3]) results.push(await pass(path, workers));
    for (const r of results) {
      expect(r).toEqual({ ...results[0], workerCrc: r.crc });
      expect(r.workerCrc).toBe(r.crc);
    }
  });

  it("restore with 2 workers and verify every page", async () => {
    const result = (await ResumeSession.open(path, { workers: 2 })).run();
    expect(result.verify).toMatchObject({ mismatches: [], untouchedMismatches: [] });
  });
});
