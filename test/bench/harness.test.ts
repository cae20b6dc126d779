/**
 * The bitmap lab's harness (bench/lab/harness.ts), its standalone cross-check (standalone.ts) and its per-group child
 * (child.ts): timings that are numbers of the right kind, and a child that refuses a group it does not know.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { measure } from "../../bench/lab/harness.js";
import { runStandalone } from "../../bench/lab/standalone.js";

const root = join(import.meta.dirname, "../..");

describe("the bitmap lab's harness", () => {
  it("warms a case, then takes at least minSamples timed calls and at most maxSamples", () => {
    let calls = 0;
    const t = measure(
      () => {
        calls++;
      },
      1,
      { warmCalls: 4, warmMs: 0, minSamples: 6, maxMs: 0, maxSamples: 6 },
    );
    expect(t.samples).toBe(6);
    expect(calls).toBe(4 + 6);
    expect(t.nsMin).toBeLessThanOrEqual(t.nsMedian);
    expect(t.rme).toBeGreaterThanOrEqual(0);
  });

  it("reports ns per op: a call of 1000 ops is timed at a thousandth of its duration", () => {
    const busy = () => {
      const end = process.hrtime.bigint() + 2_000_000n;
      while (process.hrtime.bigint() < end);
    };
    const t = measure(busy, 1000, { warmCalls: 1, warmMs: 0, minSamples: 3, maxMs: 0, maxSamples: 3 });
    expect(t.nsMin).toBeGreaterThanOrEqual(2000);
    expect(t.nsMin).toBeLessThan(200_000);
  });

  it("propagates what the case throws", () => {
    expect(() =>
      measure(
        () => {
          throw new Error("peer broke");
        },
        1,
        { warmCalls: 1, warmMs: 0, minSamples: 1, maxMs: 0, maxSamples: 1 },
      ),
    ).toThrow("peer broke");
  });

  it("times the standalone plain JS bitmap's set and test", () => {
    const figures = runStandalone(1 << 16, 4096, 3, 7);
    expect(figures.map((f) => f.op)).toEqual(["set", "test"]);
    for (const f of figures) {
      expect(f.nsMin).toBeGreaterThan(0);
      expect(f.nsMin).toBeLessThanOrEqual(f.nsMedian);
    }
  });

  it("refuses to run a child for a group it does not know", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "bench/lab/child.ts", '{"group":"bitset"}'], {
      cwd: root,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("group must be one of thaw, js, typedfastbitset, roaring-wasm, roaring, got bitset");
  });
});
