/**
 * Dumps of a machine above what wasm32 holds: a 12 GiB machine (PFNs above 4 GiB, a hole below) restored through a
 * contents store, written in every format with each page where the atomic copy left it; the raw file is sparse, and
 * an ELF core of more than 65534 runs counts its PT_LOADs in section header 0, as readelf reads it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeEntry } from "../../src/image/pfnEntry.js";
import { ResumeSession } from "../../src/resume.js";
import { openDump } from "../helpers/dumpReader.js";
import { writeLinuxImage } from "../helpers/linuxImages.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("thaw-dump-large-");
const GIB = 2 ** 30 / 4096;
const hasReadelf = spawnSync("readelf", ["--version"]).status === 0;

/** page - A data page that says which PFN it belongs to. */
function page(pfn: number): Uint8Array {
  const bytes = new Uint8Array(4096);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4096; i += 8) view.setBigUint64(i, BigInt(pfn) * 0x9e3779b97f4a7c15n + BigInt(i), true);
  return bytes;
}

describe("a dump of a 12 GiB machine restored through a contents store", () => {
  const pfns = [
    ...Array.from({ length: 300 }, (_, i) => 256 + i),
    ...Array.from({ length: 1200 }, (_, i) => 4 * GIB + 17 + 3 * i),
    ...Array.from({ length: 500 }, (_, i) => 11 * GIB + 5000 + i),
  ];
  const zero = new Set(pfns.filter((_, i) => i % 9 === 4));
  const image = join(dir, "12gib.img");
  writeLinuxImage(image, {
    compression: "lz4",
    numPhyspages: 12 * GIB - GIB,
    entries: pfns.map((pfn) => encodeEntry(pfn, zero.has(pfn))),
    data: pfns.filter((pfn) => !zero.has(pfn)).map(page),
  });

  it.each(["raw", "elf", "lime"] as const)("as %s holds every image page and nothing else", async (format) => {
    const session = await ResumeSession.open(image, { storeDir: dir, workers: 0 });
    try {
      expect(session.run().contents).toBe("store");
      const out = join(dir, `12gib.${format}`);
      const result = session.dump({ path: out, format });
      expect(result).toMatchObject({ pages: pfns.length, zeroPages: zero.size, runs: 1 + 1200 + 1 });
      expect(result.written).toBeLessThan((pfns.length - zero.size + 8) * 4096 + result.runs * 64);
      const view = openDump(out, format);
      try {
        for (const pfn of pfns) {
          const expected = zero.has(pfn) ? new Uint8Array(4096) : page(pfn);
          expect(Buffer.from(view.page(pfn)!).equals(Buffer.from(expected)), `PFN ${pfn}`).toBe(true);
        }
        if (format !== "raw") expect(view.ranges).toHaveLength(result.runs);
        else {
          expect(statSync(out).size).toBe((11 * GIB + 5500) * 4096);
          expect(statSync(out).blocks * 512).toBeLessThan(64 * 2 ** 20);
          expect(view.page(4 * GIB + 18)!.every((b) => b === 0)).toBe(true);
        }
        if (format === "elf") expect(view.elf).toMatchObject({ bits: 64, machine: 62 });
      } finally {
        view.close();
      }
    } finally {
      session.close();
    }
  });

  it.skipIf(!hasReadelf)("as an ELF core of 70000 runs, counted through PN_XNUM, that readelf -l reads", async () => {
    const runs = 70000;
    const spread = Array.from({ length: runs }, (_, i) => 5 * GIB + 2 * i);
    const path = join(dir, "xnum.img");
    writeLinuxImage(path, {
      compression: "none",
      numPhyspages: 6 * GIB,
      entries: spread.map((pfn, i) => encodeEntry(pfn, i % 1000 !== 0)),
      data: spread.filter((_, i) => i % 1000 === 0).map(page),
    });
    const session = await ResumeSession.open(path, { storeDir: dir, workers: 0, verify: false });
    try {
      session.run();
      const out = join(dir, "xnum.elf");
      expect(session.dump({ path: out }).runs).toBe(runs);
      const text = execFileSync("readelf", ["-l", "-W", out], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
      expect(text).toContain(`There are ${runs} program headers`);
      const loads = text.split("\n").filter((l) => /^\s+LOAD\s/.test(l));
      expect(loads).toHaveLength(runs);
      expect(Number(loads[runs - 1]!.trim().split(/\s+/)[3])).toBe(spread[runs - 1]! * 4096);
      const view = openDump(out, "elf");
      try {
        expect(view.elf?.phnum).toBe(runs);
        expect(Buffer.from(view.page(spread[3000]!)!).equals(Buffer.from(page(spread[3000]!)))).toBe(true);
        expect(view.page(spread[3001]!)!.every((b) => b === 0)).toBe(true);
      } finally {
        view.close();
      }
    } finally {
      session.close();
    }
  });
});
