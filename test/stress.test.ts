import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { stressCases } from "../src/stress.js";

describe("thaw stress", () => {
  it("--quick --json runs every case, verified, with phase times and peak RSS", () => {
    const out = spawnSync(process.execPath, ["bin/thaw.js", "stress", "--quick", "--json"], {
      encoding: "utf8",
      env: { ...process.env, THAW_WASM: "release" },
    });
    expect(out.status).toBe(0);
    const json = JSON.parse(out.stdout);
    expect(json.ok).toBe(true);
    expect(json.runs).toHaveLength(stressCases(true).length);
    for (const run of json.runs) {
      expect(run.ok, JSON.stringify(run)).toBe(true);
      expect(run.imagePages).toBeGreaterThan(0);
      expect(Object.keys(run.phases)).toContain("prepareImage");
      expect(run.peakRssBytes).toBeGreaterThan(0);
    }
    expect(json.runs.some((r: { placementOnly: boolean }) => r.placementOnly)).toBe(true);
  }, 120_000);

  it("the full sweep covers every strategy at 12 TiB placement-only and 3 GiB with contents", () => {
    const full = stressCases(false);
    expect(
      full
        .filter((c) => c.placementOnly && c.memory === "12TiB")
        .map((c) => c.bitmap)
        .sort(),
    ).toEqual(["bmlist", "flat", "rtree", "summary"]);
    expect(full.some((c) => !c.placementOnly && c.memory === "3GiB")).toBe(true);
  });
});
