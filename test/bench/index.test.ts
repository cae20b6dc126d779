/**
 * `npm run bench` (bench/index.ts) parses its options before it starts a suite: --help prints the options and exits,
 * an unknown option is refused, so that neither starts the 15-minute run.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

function bench(...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "bench/index.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 30_000,
  });
}

describe("npm run bench", () => {
  it.each(["--help", "-h"])("prints its options for %s and exits 0 without running a suite", (flag) => {
    const r = bench("--quick", flag);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run bench/);
    expect(r.stdout).toContain("--only NAMES");
    expect(r.stdout).toContain("bitmaps, decompress, restore");
  });

  it("refuses an unknown option, naming it, with exit code 2", () => {
    const r = bench("--quick", "--hlep");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bench: unknown option "--hlep"');
    expect(r.stdout).toBe("");
  });
});
