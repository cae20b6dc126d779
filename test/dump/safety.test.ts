/**
 * A dump's output (src/dump/dump.ts): an existing file is refused unless forced, the image never, a folder that takes
 * no file fails with the errno before the resume starts, and a write that fails midway (a full disk) fails in phase
 * "dump" naming the file and errno, leaving nothing behind and the restored memory still there to dump again.
 */
import { linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, ResumeError } from "../../src/errors.js";
import { DrawnImageSource } from "../../src/image/drawn.js";
import { encodeEntry } from "../../src/image/pfnEntry.js";
import { Machine } from "../../src/machine/machine.js";
import type { ProgressEvent } from "../../src/progress.js";
import { ResumeSession, resumeImage } from "../../src/resume.js";
import { openDump } from "../helpers/dumpReader.js";
import { pageOf, writeThawImage } from "../helpers/images.js";
import { writeLinuxImage } from "../helpers/linuxImages.js";
import { tempDir } from "../helpers/tmp.js";

const root = tempDir("thaw-dump-safety-");
let n = 0;

/**
 * A folder of its own with a small image: PFNs 300–499 and 1000–1099 of 4096 frames, every 7th a zero page; a Linux
 * LZO image listing them in ascending order, or a thaw image listing them in descending order.
 */
function setup(order: "ascending" | "descending" = "ascending") {
  const dir = join(root, `case-${n++}`);
  const pfns = [...Array.from({ length: 200 }, (_, i) => 300 + i), ...Array.from({ length: 100 }, (_, i) => 1000 + i)];
  if (order === "descending") pfns.reverse();
  const zero = (pfn: number) => pfn % 7 === 0;
  const entries = pfns.map((pfn) => encodeEntry(pfn, zero(pfn)));
  // The data pages follow the bitmap (memory_bm_next_pfn()), in ascending PFN order whatever the list's order.
  const data = pfns
    .filter((pfn) => !zero(pfn))
    .sort((a, b) => a - b)
    .map((pfn) => pageOf(4096, pfn));
  const image = join(dir, "swap.img");
  mkdirSync(dir);
  // pack_pfns() lists PFNs in ascending order, and Linux images must; thaw images may list them in any order.
  if (order === "ascending") writeLinuxImage(image, { compression: "lzo", numPhyspages: 4096, entries, data });
  else writeThawImage(image, { pageSize: 4096, frames: 4096, entries, data });
  return { dir, image, pfns, zero };
}

const files = (dir: string) => readdirSync(dir).sort();

describe("the output of a dump", () => {
  it("is refused when it exists, before the resume runs, and replaced with force", async () => {
    const { dir, image } = setup();
    const out = join(dir, "memory.raw");
    writeFileSync(out, "keep me");
    await expect(resumeImage(image, { out: { path: out } })).rejects.toThrow(ConfigError);
    await expect(resumeImage(image, { out: { path: out } })).rejects.toThrow(/exists; refusing to overwrite/);
    expect(readFileSync(out, "utf8")).toBe("keep me");
    const result = await resumeImage(image, { out: { path: out, force: true } });
    expect(result.dump?.bytes).toBe(1100 * 4096);
    expect(files(dir)).toEqual(["memory.raw", "swap.img"]);
  });

  it("is refused when it is the image, by name or through a hard link, even with force", async () => {
    const { dir, image } = setup();
    const before = readFileSync(image);
    await expect(resumeImage(image, { out: { path: image, force: true } })).rejects.toThrow(/is the image being read/);
    const link = join(dir, "same.raw");
    linkSync(image, link);
    await expect(resumeImage(image, { out: { path: link, force: true } })).rejects.toThrow(/is the image being read/);
    const session = await ResumeSession.open(image);
    try {
      session.run();
      expect(() => session.dump({ path: link, force: true })).toThrow(/is the image being read/);
    } finally {
      session.close();
    }
    expect(readFileSync(image).equals(before)).toBe(true);
  });

  it("fails with the errno, in phase dump, when its folder takes no file", async () => {
    const { dir, image } = setup();
    const cases: [string, string][] = [
      [join(dir, "missing", "memory.raw"), "ENOENT"],
      [join(image, "memory.raw"), "ENOTDIR"],
    ];
    for (const [path, code] of cases) {
      const error = await resumeImage(image, { out: { path } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResumeError);
      expect(error).toMatchObject({ phase: "dump", code });
      expect((error as Error).message).toContain(path);
    }
    expect(files(dir)).toEqual(["swap.img"]);
  });

  it("refuses out options that are not a path, a format and a flag, before the resume", async () => {
    const { dir, image } = setup();
    const bad: [unknown, RegExp][] = [
      ["m.raw", /out.path is undefined; it must be a file name/],
      [{ path: "" }, /out.path is ""; it must be a file name/],
      [{ path: join(dir, "m.raw"), force: "yes" }, /out.force is "yes"; it must be true or false/],
      [{ path: join(dir, "m.raw"), failWriteAt: -1 }, /out.failWriteAt is -1/],
    ];
    for (const [out, message] of bad) {
      await expect(resumeImage(image, { out: out as { path: string } })).rejects.toThrow(message);
    }
    expect(files(dir)).toEqual(["swap.img"]);
  });

  it("refuses an unknown format and a resume that has not reached the atomic copy", async () => {
    const { dir, image } = setup();
    await expect(resumeImage(image, { out: { path: join(dir, "m.bin"), format: "vmem" as "raw" } })).rejects.toThrow(
      /not a dump format/,
    );
    const session = await ResumeSession.open(image);
    try {
      session.step();
      expect(() => session.dump({ path: join(dir, "m.raw") })).toThrow(/has not run its atomic copy/);
    } finally {
      session.close();
    }
    expect(files(dir)).toEqual(["swap.img"]);
  });

  it("is refused once the session closed its contents store", async () => {
    const { dir, image } = setup();
    const session = await ResumeSession.open(image, { contents: "store", storeDir: dir });
    session.run();
    session.close();
    expect(() => session.dump({ path: join(dir, "m.raw") })).toThrow(/the session was closed/);
    expect(files(dir)).toEqual(["swap.img"]);
  });

  it("is refused for a placement-only machine, which keeps no page contents", async () => {
    const { dir } = setup();
    const machine = await Machine.create({ memory: "64MiB" }, { contents: "none", maxImagePages: 2048 });
    const source = DrawnImageSource.draw(machine, { pfns: [300, 301, 302], zeroPfns: [301] });
    const session = await ResumeSession.open(source, { machine });
    try {
      session.run();
      expect(() => session.dump({ path: join(dir, "m.raw") })).toThrow(/placement-only machine keeps no page contents/);
    } finally {
      session.close();
    }
    expect(files(dir)).toEqual(["swap.img"]);
  });

  it.each(["raw", "elf", "lime"] as const)(
    "as %s, a write failing midway (disk full) leaves nothing, and the same session dumps again",
    async (format) => {
      const { dir, image, pfns, zero } = setup();
      const session = await ResumeSession.open(image);
      try {
        session.run();
        const out = join(dir, `memory.${format}`);
        let error: unknown;
        try {
          session.dump({ path: out, format, failWriteAt: 2 });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ResumeError);
        expect(error).toMatchObject({ phase: "dump", code: "ENOSPC" });
        expect((error as Error).message).toContain(out);
        expect(files(dir)).toEqual(["swap.img"]);
        const result = session.dump({ path: out, format });
        expect(result).toMatchObject({ pages: pfns.length, runs: 2, format });
        const view = openDump(out, format);
        try {
          for (const pfn of pfns) {
            const expected = zero(pfn) ? new Uint8Array(4096) : pageOf(4096, pfn);
            expect(Buffer.from(view.page(pfn)!).equals(Buffer.from(expected)), `PFN ${pfn}`).toBe(true);
          }
        } finally {
          view.close();
        }
      } finally {
        session.close();
      }
    },
  );

  it("reports its progress in phase dump, up to every image frame", async () => {
    const { dir, image, pfns } = setup();
    const events: ProgressEvent[] = [];
    await resumeImage(image, { onProgress: (e) => events.push(e), out: { path: join(dir, "m.lime") } });
    const dump = events.filter((e) => e.phase === "dump");
    expect(dump.length).toBeGreaterThan(1);
    expect(dump.every((e) => e.total === pfns.length)).toBe(true);
    expect(dump.map((e) => e.done)).toEqual([...dump.map((e) => e.done)].sort((a, b) => a - b));
    expect(dump.at(-1)!.done).toBe(pfns.length);
  });

  it("holds an image's pages in PFN order when the image lists them out of order", async () => {
    const { dir, image, pfns, zero } = setup("descending");
    const out = join(dir, "memory.elf");
    const result = await resumeImage(image, { verify: false, out: { path: out } });
    expect(result.dump).toMatchObject({ format: "elf", runs: 2, pages: pfns.length });
    const view = openDump(out, "elf");
    try {
      expect(view.ranges.map((r) => [r.paddr / 4096, r.bytes / 4096])).toEqual([
        [300, 200],
        [1000, 100],
      ]);
      for (const pfn of pfns) {
        const expected = zero(pfn) ? new Uint8Array(4096) : pageOf(4096, pfn);
        expect(Buffer.from(view.page(pfn)!).equals(Buffer.from(expected)), `PFN ${pfn}`).toBe(true);
      }
    } finally {
      view.close();
    }
  });
});
