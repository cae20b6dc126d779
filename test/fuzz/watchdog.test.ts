/**
 * The campaign machinery: a case that overruns the time bound is counted as a hang, its worker terminated and a new
 * one started, and the case written out (image + description); a case is the same mutation whoever plans it, so
 * `--only` reproduces it; the CLI prints the JSON summary the issue asks for.
 */

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCampaign } from "../../fuzz/campaign.js";
import { type CasePlanner, planCase, sweepOf } from "../../fuzz/cases.js";
import { loadCompressors } from "../../fuzz/compressors.js";
import { buildCorpus, loadSeed } from "../../fuzz/seeds.js";
import { tempDir } from "../helpers/tmp.js";

describe("the watchdog", () => {
  it("counts a case that overruns the bound as a hang, restarts the worker, goes on, and writes the case out", async () => {
    const failuresDir = tempDir("thaw-fuzz-watchdog-");
    const summary = await runCampaign({ cases: 3, seed: 5, seeds: ["d-tiny-nocompress"], timeoutMs: 1, failuresDir });
    expect({ cases: summary.cases, hangs: summary.hangs, ok: summary.ok, rejected: summary.rejected }).toEqual({
      cases: 3,
      hangs: 3,
      ok: 0,
      rejected: 0,
    });
    expect(summary.failures).toHaveLength(3);
    for (const file of summary.failures) {
      const description = JSON.parse(readFileSync(file, "utf8"));
      expect(description).toMatchObject({
        reproduce: expect.stringMatching(/^npm run fuzz -- --seed 5 --only \d$/),
        verdict: { outcome: "hang" },
      });
      if (description.image) expect(existsSync(description.image)).toBe(true);
    }
  }, 300_000);
});

describe("cases", () => {
  async function planner(dir: string): Promise<CasePlanner> {
    const compressors = await loadCompressors();
    const corpus = await buildCorpus(dir, compressors, { fixtures: false, names: ["thaw-4096-summary", "linux-lz4"] });
    const seeds = await Promise.all(corpus.seeds.map((s) => loadSeed(corpus.dir, s)));
    return { seeds, sweep: sweepOf(seeds), campaignSeed: 77, sweepEvery: 4, compressors, bootPfns: new Map() };
  }

  it("case i of campaign S is the same mutation whoever plans it (so --only reproduces it)", async () => {
    const a = await planner(join(tempDir("thaw-fuzz-plan-"), "a"));
    const b = await planner(join(tempDir("thaw-fuzz-plan-"), "b"));
    const digest = (p: CasePlanner, i: number) => {
      const c = planCase(p, i);
      return {
        seed: c.seed.info.name,
        name: c.mutation.name,
        detail: c.mutation.detail,
        options: c.options,
        sha: createHash("sha256").update(c.mutation.image).digest("hex"),
      };
    };
    for (let i = 0; i < 40; i++) expect(digest(b, i)).toEqual(digest(a, i));
    expect(new Set(Array.from({ length: 40 }, (_, i) => digest(a, i).sha)).size).toBeGreaterThan(30);
  }, 120_000);
});

describe("npm run fuzz -- --json", () => {
  it("prints one object that starts with cases, ok, rejected, crashes, hangs, traps, bootBytesChanged, imageWrites, seed", async () => {
    const cli = join(process.cwd(), "fuzz", "cli.ts");
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "--import",
        "tsx",
        cli,
        "--cases",
        "12",
        "--seed",
        "3",
        "--json",
        "--no-fixtures",
        "--seeds",
        "thaw-4096-summary,linux-lzo",
        "--out",
        tempDir("thaw-fuzz-cli-"),
      ],
      { env: process.env },
    );
    const summary = JSON.parse(stdout);
    expect(Object.keys(summary).slice(0, 9)).toEqual([
      "cases",
      "ok",
      "rejected",
      "crashes",
      "hangs",
      "traps",
      "bootBytesChanged",
      "imageWrites",
      "seed",
    ]);
    expect(summary).toMatchObject({
      cases: 12,
      crashes: 0,
      hangs: 0,
      traps: 0,
      bootBytesChanged: 0,
      imageWrites: 0,
      seed: 3,
    });
    expect(summary.ok + summary.rejected).toBe(12);
  }, 120_000);
});
