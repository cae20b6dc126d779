/**
 * `thaw inspect` and `thaw resume` on Linux images: --highmem, the word size in the report, and what resume would
 * refuse reported by inspect (exit code 2, JSON `refusals` and `warnings`).
 */
import { spawnSync } from "node:child_process";
import { truncateSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeEntry } from "../../src/image/pfnEntry.js";
import { pageOf } from "../helpers/images.js";
import { writeLinuxImage } from "../helpers/linuxImages.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
const FIXTURE = "test/fixtures/linux-6.1-i386/d-tiny-highmem-lzo/swap.img.gz";
const thaw = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/thaw.js", ...args], {
    encoding: "utf8",
    env: { ...process.env, THAW_WASM: "release" },
  });

describe("thaw and Linux images", () => {
  it("inspect --highmem at the kernel's boundary (its low ram line) reports the fixture's HighMem PFNs", () => {
    const out = thaw("inspect", FIXTURE, "--highmem", "0x375fe000", "--workers", "0", "--json");
    expect(out.status, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({
      arch: "i386",
      wordSize: 4,
      highmem: { startPfn: 226814, source: "given" },
      pfns: { count: 4965, perZone: { highmem: 1166 } },
      crc: { ok: true },
      refusals: [],
      warnings: [],
    });
    const text = thaw("inspect", FIXTURE, "--workers", "0");
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(
      /written by an i386 kernel \(4-byte unsigned long\); HighMem from PFN 225278 \(thaw's estimate/,
    );
    expect(text.stdout).toMatch(/warning: HighMem boundary not in the image: thaw estimates PFN 225278/);
  });

  it("resume --highmem pfn:N restores the fixture through highmem_pblist", () => {
    const out = thaw("resume", FIXTURE, "--highmem", "pfn:226814", "--json");
    expect(out.status, out.stderr).toBe(0);
    const json = JSON.parse(out.stdout);
    expect(json).toMatchObject({ ok: true, counts: { imagePages: 4965, highmemPages: 1166 }, warnings: [] });
    expect(json.counts.highmemPbes).toBeGreaterThan(0);
    expect(json.verify).toMatchObject({ pages: 4965, mismatches: [], untouchedMismatches: [] });
  }, 120_000);

  it("inspect of an image resume would refuse: exit 2, the refusal in JSON and as a warning", () => {
    const entries = Array.from({ length: 50 }, (_, i) => encodeEntry(300 + i));
    entries[9] = entries[8]!;
    const path = join(dir, "twice.img");
    writeLinuxImage(path, {
      compression: "none",
      numPhyspages: 1024,
      entries,
      data: entries.map((_, i) => pageOf(4096, i)),
    });
    const out = thaw("inspect", path, "--json");
    expect(out.status).toBe(2);
    const json = JSON.parse(out.stdout);
    expect(json.refusals).toEqual([
      {
        phase: "checkHeader",
        code: "EINVAL",
        message: expect.stringMatching(/PFN 308 is listed twice/),
        offending: expect.anything(),
      },
    ]);
    expect(json.warnings).toEqual([
      expect.stringMatching(/^thaw resume would refuse this image \(checkHeader, EINVAL\)/),
    ]);
  });

  it("--highmem that is not a size, a PFN or none: a ConfigError naming the option", () => {
    const out = thaw("inspect", FIXTURE, "--highmem", "pfn:x", "--json");
    expect(out.status).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({
      ok: false,
      error: { phase: "config", offending: { kind: "option", name: "highmem", value: "pfn:x" } },
    });
  });
  it("an image inspect cannot read: the failure speaks of inspecting, not of a resume that committed nothing", () => {
    const path = join(dir, "short-map.img");
    const layout = writeLinuxImage(path, {
      compression: "none",
      numPhyspages: 1024,
      entries: Array.from({ length: 600 }, (_, i) => encodeEntry(200 + i)),
      data: Array.from({ length: 600 }, (_, i) => pageOf(4096, i)),
    });
    truncateSync(path, 4096 * (Math.max(...layout.mapBlocks) + 1));
    const out = thaw("inspect", path);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/^thaw: inspect failed in checkHeader: /);
    expect(out.stderr).not.toMatch(/resume|committed/);
  });
});
