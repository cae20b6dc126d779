import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileFingerprint } from "./helpers/images.js";
import { tempDir } from "./helpers/tmp.js";

const dir = tempDir();
const thaw = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/thaw.js", ...args], {
    encoding: "utf8",
    env: { ...process.env, THAW_WASM: "release" },
  });

describe("thaw (the CLI)", () => {
  it("simulate --json prints one object that follows the JSON contract", () => {
    const out = thaw("simulate", "--memory", "16MiB", "--json");
    expect(out.status).toBe(0);
    const json = JSON.parse(out.stdout);
    expect(json).toMatchObject({ ok: true, bitmap: "flat", pageSize: 4096 });
    for (const key of [
      "imagePages",
      "zeroPages",
      "highmemPages",
      "ownedFrames",
      "directPages",
      "safePages",
      "chainPages",
      "pbes",
      "highmemPbes",
      "allocatedUnsafePages",
    ]) {
      expect(json.counts[key], key).toBeTypeOf("number");
    }
    expect(json.phases.map((p: { name: string }) => p.name)).toEqual([
      "checkHeader",
      "unpackOrigPfns",
      "markUnsafePages",
      "prepareImage",
      "loadImage",
      "restoreHighmem",
      "atomicCopy",
      "verify",
    ]);
    expect(json.verify).toMatchObject({ pages: json.counts.imagePages, mismatches: [] });
    expect(out.stderr).toBe("");
  });

  it("simulate --scenario prints restorePblist in chain order", () => {
    const json = JSON.parse(thaw("simulate", "--scenario", "examples/worked-example.json", "--json").stdout);
    expect(json.restorePblist).toEqual([
      { address: 60, origAddress: 52 },
      { address: 61, origAddress: 11 },
      { address: 62, origAddress: 10 },
    ]);
  });

  it("suspend --out then resume FILE works with no other flags, and never writes the image", () => {
    const path = join(dir, "x.thaw");
    expect(thaw("suspend", "--out", path, "--memory", "8MiB").status).toBe(0);
    const before = fileFingerprint(path);
    const out = thaw("resume", path);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/verified (\d+)\/\1 image pages/);
    expect(fileFingerprint(path)).toBe(before);
    const inspect = JSON.parse(thaw("inspect", path, "--json").stdout);
    expect(inspect).toMatchObject({ format: "thaw", pageSize: 4096, crc: { ok: true } });
    expect(inspect.dataPages).toBe(inspect.imagePages);
  });

  it("fails with a non-zero exit and { ok: false, error } naming the phase", () => {
    const path = join(dir, "junk.thaw");
    execFileSync("sh", ["-c", `head -c 8192 /dev/zero > ${path}`]);
    const out = thaw("resume", path, "--json");
    expect(out.status).not.toBe(0);
    const json = JSON.parse(out.stdout);
    expect(json).toMatchObject({ ok: false, error: { phase: "checkHeader", code: "EINVAL" } });
    expect(json.error.message).toMatch(/neither a thaw image .* nor a swap area/);
  });

  it("explains a machine that does not fit in wasm32, with the largest that would", () => {
    const out = thaw("simulate", "--memory", "8GiB");
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/more than wasm32's 4 GiB; the largest that fits with page size 4096 is \d+ frames/);
  });

  it("--help lists the commands and examples", () => {
    const out = thaw("--help");
    expect(out.stdout).toMatch(/simulate/);
    expect(out.stdout).toMatch(/Examples:/);
  });
});
