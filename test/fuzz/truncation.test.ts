/**
 * Truncation at every page boundary, systematically: each seed cut at each boundary of its stream pages (thaw) or
 * device blocks (Linux). A thaw image is refused in checkHeader before anything is allocated. A Linux device copy
 * reads as zeros past its end (src/image/linux/device.ts: trimmed copies of a device end after their last non-zero
 * page), so a cut compressed stream is refused (cmp_len 0) while a cut uncompressed one restores zeros, as the kernel
 * would from a device that returned them: there is no CRC in that format. Never anything else.
 */
import { describe, expect, it } from "vitest";
import { BAD_COUNTS, type CampaignSummary, runCampaign } from "../../fuzz/campaign.js";
import { tempDir } from "../helpers/tmp.js";

function expectClean(summary: CampaignSummary) {
  expect(
    Object.fromEntries(BAD_COUNTS.map((k) => [k, summary[k]])),
    `failing cases: ${summary.failures.join(", ")}`,
  ).toEqual(Object.fromEntries(BAD_COUNTS.map((k) => [k, 0])));
  expect(summary.cases).toBe(summary.sweepLength);
  expect(summary.sweepCases).toBe(summary.sweepLength);
}

describe("truncation sweep", () => {
  it("thaw images cut at every page boundary (512-, 64- and 16384-byte pages): all refused in checkHeader", async () => {
    const summary = await runCampaign({
      cases: "sweep",
      seed: 1,
      seeds: ["thaw-512-highmem-flat", "thaw-64-tiny-pages-summary", "thaw-16384-flat"],
      fixtures: false,
      failuresDir: tempDir("thaw-fuzz-trunc-"),
    });
    expectClean(summary);
    expect(summary.cases).toBeGreaterThan(1200);
    expect(summary.rejected).toBe(summary.cases);
    expect(Object.keys(summary.rejectedBy).every((k) => k.startsWith("checkHeader "))).toBe(true);
  }, 600_000);

  it("Linux swap areas (raw, LZO, LZ4) cut at every block boundary: restored or refused, nothing lost", async () => {
    const summary = await runCampaign({
      cases: "sweep",
      seed: 1,
      seeds: ["linux-none", "linux-lzo", "linux-lz4"],
      fixtures: false,
      failuresDir: tempDir("thaw-fuzz-trunc-"),
    });
    expectClean(summary);
    expect(summary.cases).toBeGreaterThan(250);
    for (const seed of ["linux-lzo", "linux-lz4"]) {
      const s = summary.seeds[seed]!;
      expect(
        s.rejected,
        `${seed}: a cut that only drops the zero tail of the last chunk may restore`,
      ).toBeGreaterThanOrEqual(s.cases - 1);
    }
    expect(
      summary.seeds["linux-none"]!.ok,
      "an uncompressed stream read past the end of a device copy reads zeros (no CRC to tell)",
    ).toBeGreaterThan(0);
  }, 600_000);
});
