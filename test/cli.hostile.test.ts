import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileFingerprint } from "./helpers/images.js";
import { tempDir } from "./helpers/tmp.js";

const dir = tempDir();
const temp = join(dir, "tmp");
mkdirSync(temp);
const FIXTURE = "test/fixtures/linux-6.12/e-tiny-lzo/swap.img.gz";

const thaw = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/thaw.js", ...args], {
    encoding: "utf8",
    env: { ...process.env, THAW_WASM: "release", TMPDIR: temp },
    timeout: 60_000,
  });

/** jsonFailure - The one JSON object a --json failure prints on stdout, with nothing on stderr and exit status 1. */
function jsonFailure(...args: string[]) {
  const out = thaw(...args, "--json");
  expect(out.status, out.stderr).toBe(1);
  expect(out.stderr).toBe("");
  const lines = out.stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  const json = JSON.parse(lines[0]!);
  expect(json.ok).toBe(false);
  return json.error as { phase: string; code: string; message: string; offending?: Record<string, unknown> };
}

function copy(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, readFileSync("test/fixtures/linux-6.12/d-tiny-nocompress/swap.img.gz"));
  return path;
}

describe("thaw (the CLI) on hostile input", () => {
  it("every option error is one JSON object on stdout naming the option and the value", () => {
    const cases: [string[], string, string][] = [
      [["inspect", FIXTURE, "--offset", "-1"], "--offset", "-1"],
      [["inspect", FIXTURE, "--offset", "1.5"], "--offset", "1.5"],
      [["inspect", FIXTURE, "--offset", "x"], "--offset", "x"],
      [["inspect", FIXTURE, "--offset", "9007199254740991"], "--offset", "9007199254740991"],
      [["inspect", FIXTURE, "--workers", "-1"], "--workers", "-1"],
      [["inspect", FIXTURE, "--workers", "1000000"], "--workers", "1000000"],
      [["resume", FIXTURE, "--max-memory", "abc"], "--max-memory", "abc"],
      [["resume", FIXTURE, "--max-memory", "-5"], "--max-memory", "-5"],
      [["resume", FIXTURE, "--boot", "bogus:1"], "--boot.profile", "bogus"],
      [["resume", FIXTURE, "--mode", "bogus"], "--mode", "bogus"],
      [["resume", FIXTURE, "--contents", "disk"], "--contents", "disk"],
    ];
    for (const [args, name, value] of cases) {
      const error = jsonFailure(...args);
      expect(error, args.join(" ")).toMatchObject({ phase: "config", code: "EINVAL" });
      expect(error.offending, args.join(" ")).toMatchObject({ kind: "option", name, value });
    }
    expect(jsonFailure("inspect", FIXTURE, "--bogus")).toMatchObject({ phase: "config", message: /unknown option/ });
    expect(jsonFailure("inspect")).toMatchObject({ phase: "config", message: /missing required argument/ });
  });

  it("without --json an option error is one line on stderr, exit 1", () => {
    const out = thaw("inspect", FIXTURE, "--workers", "x");
    expect(out.status).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).toMatch(/--workers must be an integer from 0 to \d+, got "x"/);
  });

  it("missing files and special files are refused in phase open with the errno's name, before any read", () => {
    expect(jsonFailure("inspect", join(dir, "missing.img"))).toMatchObject({ phase: "open", code: "ENOENT" });
    expect(jsonFailure("resume", dir)).toMatchObject({ phase: "open", code: "EISDIR" });
    expect(jsonFailure("inspect", "/dev/zero")).toMatchObject({ phase: "open", code: "ENXIO" });
    const fifo = join(dir, "fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const t0 = performance.now();
    expect(jsonFailure("resume", fifo)).toMatchObject({ phase: "open", code: "ENXIO", message: /a FIFO/ });
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it("an output that is the image is refused before any work, and the image is untouched", () => {
    const path = copy("self.img.gz");
    const before = fileFingerprint(path);
    for (const args of [
      ["inspect", path, "--digest", path],
      ["inspect", path, "--map", path],
      ["inspect", path, "--digest", path, "--force"],
      ["resume", path, "--map", path],
    ]) {
      const error = jsonFailure(...args);
      expect(error, args.join(" ")).toMatchObject({ phase: "config", message: /is the image being read/ });
      expect(fileFingerprint(path)).toBe(before);
    }
  });

  it("simulate --keep X --map X: the map would replace the kept image, refused before any work", () => {
    const same = join(dir, "same.out");
    expect(jsonFailure("simulate", "--memory", "8MiB", "--keep", same, "--map", same)).toMatchObject({
      phase: "config",
      offending: { name: "--map", value: same },
    });
    expect(existsSync(same)).toBe(false);
  });

  it("an existing output is refused unless --force; --force replaces it whole", () => {
    const path = copy("out.img.gz");
    const digest = join(dir, "digest.tsv");
    writeFileSync(digest, "keep me\n");
    const error = jsonFailure("inspect", path, "--digest", digest);
    expect(error).toMatchObject({ phase: "config", offending: { name: "digest", value: digest } });
    expect(readFileSync(digest, "utf8")).toBe("keep me\n");
    const out = thaw("inspect", path, "--digest", digest, "--force", "--json");
    expect(out.status, out.stderr).toBe(0);
    expect(readFileSync(digest, "utf8")).toMatch(/^# index\tpfn/);
    const map = join(dir, "resume-map.svg");
    writeFileSync(map, "keep me\n");
    expect(jsonFailure("resume", path, "--map", map)).toMatchObject({ offending: { name: "--map", value: map } });
    expect(readFileSync(map, "utf8")).toBe("keep me\n");
    expect(thaw("resume", path, "--map", map, "--force", "--json").status).toBe(0);
    expect(readFileSync(map, "utf8")).toMatch(/^<svg /);
    const image = join(dir, "kept.thaw");
    expect(thaw("suspend", "--out", image, "--memory", "8MiB").status).toBe(0);
    const kept = fileFingerprint(image);
    expect(jsonFailure("suspend", "--out", image, "--memory", "8MiB")).toMatchObject({ phase: "config" });
    expect(fileFingerprint(image)).toBe(kept);
    expect(thaw("suspend", "--out", image, "--memory", "8MiB", "--seed", "2", "--force").status).toBe(0);
    expect(fileFingerprint(image)).not.toBe(kept);
  });

  it("no temporary file or folder is left behind, on success or failure", () => {
    const map = join(dir, "map.svg");
    expect(thaw("inspect", FIXTURE, "--map", map, "--json").status).toBe(0);
    expect(existsSync(map)).toBe(true);
    const cut = join(dir, "cut.img.gz");
    writeFileSync(cut, readFileSync(FIXTURE).subarray(0, 50_000));
    expect(jsonFailure("resume", cut)).toMatchObject({ phase: "open", code: "EBADMSG" });
    expect(readdirSync(temp)).toEqual([]);
    expect(readdirSync(dir).filter((name) => name.includes(".thaw-"))).toEqual([]);
  });
});
