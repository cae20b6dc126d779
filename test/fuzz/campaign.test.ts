/**
 * A fuzzing campaign over every seed (thaw images, synthetic Linux images in the three encodings, the kernel-written
 * fixtures), random mutations of every family with every fourth case a step of the truncation sweep, on a worker
 * thread under the watchdog: no crash, no hang, no trap, no boot-kernel byte changed, no image written, nothing
 * leaked or left allocated, no accepted image restored wrongly.
 */
import { describe, expect, it } from "vitest";
import { BAD_COUNTS, runCampaign } from "../../fuzz/campaign.js";
import { ALL_MUTATORS } from "../../fuzz/registry.js";
import { tempDir } from "../helpers/tmp.js";

const CASES = 1500;

describe("fuzz campaign (seed 20261125)", () => {
  it(`${CASES} cases: every one ends restored and verified, or rejected with a typed error and nothing lost`, async () => {
    const summary = await runCampaign({
      cases: CASES,
      seed: 20261125,
      failuresDir: tempDir("thaw-fuzz-campaign-"),
      timeoutMs: 60_000,
    });
    const bad = Object.fromEntries(BAD_COUNTS.map((k) => [k, summary[k]]));
    expect(bad, `failing cases: ${summary.failures.join(", ")}`).toEqual(
      Object.fromEntries(BAD_COUNTS.map((k) => [k, 0])),
    );
    expect(summary.cases).toBe(CASES);
    expect(summary.ok + summary.rejected).toBe(CASES);

    expect(summary.ok).toBeGreaterThan(CASES * 0.1);
    expect(summary.rejected).toBeGreaterThan(CASES * 0.5);
    const families = new Set(ALL_MUTATORS.map((m) => m.name.split(".")[0]!));
    for (const family of families)
      expect(
        Object.keys(summary.mutations).some((name) => name.startsWith(family)),
        family,
      ).toBe(true);
    for (const seed of [
      "thaw-512-highmem-flat",
      "thaw-64-tiny-pages-summary",
      "linux-none",
      "linux-lzo",
      "linux-lz4",
      "linux32-none",
      "linux32-lzo",
      "linux32-lz4",
      "i386-6.1-pages-lzo",
      "d-tiny-nocompress",
      "e-tiny-lzo",
      "f-tiny-lz4",
    ]) {
      expect(summary.seeds[seed]?.cases ?? 0, seed).toBeGreaterThan(0);
    }
    for (const phase of ["checkHeader", "unpackOrigPfns", "loadImage"])
      expect(
        Object.keys(summary.rejectedBy).some((k) => k.startsWith(phase)),
        phase,
      ).toBe(true);
    expect(summary.sweepCases).toBe(Math.ceil(CASES / 4));
  }, 600_000);
});
