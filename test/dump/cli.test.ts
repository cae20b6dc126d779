/**
 * `thaw resume IMAGE --out FILE [--format raw|elf|lime] [--force]` (src/cli/commands/resume.ts): the JSON result
 * reports the dump; an existing output is refused before the resume; a write the file-size limit stops midway
 * (EFBIG, as a full disk stops it) fails in phase dump and leaves nothing.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("thaw-dump-cli-");
const IMAGE = "test/fixtures/linux-6.12/e-tiny-lzo/swap.img.gz";
const hasPrlimit = spawnSync("prlimit", ["--version"]).status === 0;

const thaw = (args: string[], prefix: string[] = []) => {
  const command = [...prefix, process.execPath, "bin/thaw.js", ...args];
  return spawnSync(command[0]!, command.slice(1), {
    encoding: "utf8",
    env: { ...process.env, THAW_WASM: "release" },
  });
};

describe("thaw resume --out", () => {
  it("writes the dump in the format asked and reports it in the JSON result", () => {
    const out = join(dir, "memory.bin");
    const run = thaw(["resume", IMAGE, "--out", out, "--format", "lime", "--no-verify", "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.dump).toMatchObject({ path: out, format: "lime", pages: 3444, zeroPages: 664, runs: 11 });
    expect(json.dump.bytes).toBe(statSync(out).size);
    expect(json.dump.gbps).toBeGreaterThan(0);
    expect(readFileSync(out).readUInt32LE(0)).toBe(0x4c694d45);
  });

  it("takes the format from the extension, and refuses an existing file unless --force", () => {
    const out = join(dir, "memory.elf");
    writeFileSync(out, "keep me");
    const refused = thaw(["resume", IMAGE, "--out", out, "--json"]);
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, error: { phase: "config" } });
    expect(JSON.parse(refused.stdout).error.message).toMatch(/exists; refusing to overwrite/);
    expect(readFileSync(out, "utf8")).toBe("keep me");
    const forced = thaw(["resume", IMAGE, "--out", out, "--force", "--json"]);
    expect(forced.status, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout).dump).toMatchObject({ format: "elf" });
    expect(readFileSync(out).subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  });

  it("says on a terminal what it wrote", () => {
    const out = join(dir, "memory.raw");
    const run = thaw(["resume", IMAGE, "--out", out]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `dump: ${out} (raw, page of PFN p at p × page size): 3444 frames (664 zero) in 11 runs`,
    );
  });

  it("refuses --format without --out, and --force without --out or --map", () => {
    for (const [flags, message] of [
      [["--format", "elf"], /--format applies to the dump --out writes, and no --out was given/],
      [["--force"], /--force applies to the files --out and --map write, and neither was given/],
    ] as const) {
      const run = thaw(["resume", IMAGE, ...flags, "--json"]);
      expect(run.status).toBe(1);
      expect(JSON.parse(run.stdout).error).toMatchObject({ phase: "config", message: expect.stringMatching(message) });
    }
  });

  it("refuses a format it does not know", () => {
    const run = thaw(["resume", IMAGE, "--out", join(dir, "x.raw"), "--format", "vmem"]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/vmem/);
  });

  it.skipIf(!hasPrlimit)(
    "fails in phase dump with EFBIG when the file-size limit stops a write, leaving nothing",
    () => {
      const folder = join(dir, "limited");
      mkdirSync(folder);
      const out = join(folder, "memory.raw");
      // 10 MB: enough to unpack the 7 MB image, not for the 11 MB of page data the dump writes.
      const run = thaw(["resume", IMAGE, "--out", out, "--no-verify", "--json"], ["prlimit", "--fsize=10000000"]);
      expect(run.status).toBe(1);
      const json = JSON.parse(run.stdout);
      expect(json).toMatchObject({ ok: false, error: { phase: "dump", code: "EFBIG" } });
      expect(json.error.message).toContain(out);
      expect(readdirSync(folder)).toEqual([]);
    },
  );
});
