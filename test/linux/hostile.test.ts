/**
 * Hostile Linux images: every count an image states is bounded before the work it would cause. Count bombs (a few
 * kilobytes or megabytes that claim hundreds of thousands of metadata pages, raw or compressed, or a machine of
 * 2^32 − 1 frames) end within 5 s with a typed error and a peak RSS under 512 MiB, measured in a process of their own;
 * u64 fields keep their exact values; the verdict does not depend on the number of workers; `thaw inspect` reports
 * what `thaw resume` would refuse; SF_HW_SIG and SF_CRC32_MODE are handled as the kernel handles them.
 */

import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SF_CRC32_MODE, SF_HW_SIG, SF_NOCOMPRESS_MODE } from "../../src/image/linux/swapHeader.js";
import { encodeEntry } from "../../src/image/pfnEntry.js";
import { inspectImage } from "../../src/inspect.js";
import { ResumeSession } from "../../src/resume.js";
import { pageOf } from "../helpers/images.js";
import type { ChildCall, ChildResult } from "../helpers/libraryChild.js";
import { type LinuxImageSpec, openFails, resumeFails, writeLinuxImage } from "../helpers/linuxImages.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
let n = 0;
const PAGE = 4096;
const MAX_RSS = 512 * 2 ** 20;

function spec(compression: LinuxImageSpec["compression"], more: Partial<LinuxImageSpec> = {}): LinuxImageSpec {
  const entries: bigint[] = [];
  const data: Uint8Array[] = [];
  for (let pfn = 300; pfn < 460; pfn++) {
    entries.push(encodeEntry(pfn, pfn % 17 === 0));
    if (pfn % 17 !== 0) data.push(pageOf(PAGE, pfn));
  }
  return { compression, numPhyspages: 1024, entries, data, ...more };
}

function write(s: LinuxImageSpec): string {
  const path = join(dir, `hostile-${n++}.img`);
  writeLinuxImage(path, s);
  return path;
}

/**
 * bomb - An image whose stream is @meta (raw metadata pages: no entries list) and nothing else, whose header claims
 * @metaPages metadata pages of a machine of @numPhyspages, and whose map lists enough further blocks — distinct,
 * past the end of the file, where they read as zeros — for the stream it claims.
 */
function bomb(compression: "none" | "lzo", meta: Uint8Array, metaPages: number, numPhyspages: number): string {
  const pages = 1 + metaPages;
  const streamBlocks = compression === "none" ? 1 + meta.length / PAGE : 1 + meta.length / PAGE / 32;
  const needed = compression === "none" ? pages : 1 + Math.ceil(metaPages / 32);
  const extra = Math.max(0, needed - streamBlocks);
  const far = 2 ** 22;
  return write({
    compression,
    numPhyspages,
    entries: [],
    data: [],
    meta,
    info: { pages, imagePages: 0, size: pages * PAGE },
    mapPages: Math.ceil((streamBlocks + extra) / 511),
    mapEntries: (e) => [...e, ...Array.from({ length: extra }, (_, k) => far + k)],
    lastPage: far + extra + 16,
  });
}

/** inChild - Run @call in a process of its own: its outcome, time and peak RSS. */
function inChild(call: ChildCall): ChildResult {
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", join("test", "helpers", "libraryChild.ts"), JSON.stringify(call)],
    { encoding: "utf8", timeout: 60_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split("\n").pop()!) as ChildResult;
}

/**
 * expectBounded - @call fails with a typed @phase/@code error matching @message (inspect: reports it as its first
 * refusal, or fails so), within 5 s and 512 MiB of RSS.
 */
function expectBounded(call: ChildCall, phase: string, code: string, message: RegExp): ChildResult {
  const result = inChild(call);
  const expected = { phase, code, message: expect.stringMatching(message) };
  if (result.ok) {
    expect(call.call).toBe("inspect");
    expect(result.refusals![0]).toMatchObject(expected);
  } else expect(result.error).toMatchObject({ type: "ResumeError", ...expected });
  expect(result.ms).toBeLessThan(5000);
  expect(result.peakRssBytes).toBeLessThan(MAX_RSS);
  return result;
}

describe("count bombs end fast, typed, in bounded memory (each in a child process)", () => {
  it("an 80 KB LZO image that claims 262,144 metadata pages decompressing from almost nothing", () => {
    const path = bomb("lzo", new Uint8Array(64 * PAGE).fill(0xff), 262_144, 2 ** 27);
    expect(statSync(path).size).toBeLessThanOrEqual(84 * 1024);
    for (const call of ["resume", "inspect"] as const)
      expectBounded({ call, path }, "checkHeader", "EINVAL", /pages 1…1 hold 0 entries: .*cannot be filled/);
  });

  it("an LZO image whose first chunk holds 16,384 valid PFNs of the 262,144 pages it claims", () => {
    const meta = new Uint8Array(32 * PAGE);
    const view = new DataView(meta.buffer);
    for (let i = 0; i < 16_384; i++) view.setBigUint64(i * 8, BigInt(1000 + i), true);
    const path = bomb("lzo", meta, 262_144, 2 ** 27);
    expectBounded({ call: "resume", path }, "checkHeader", "EINVAL", /chunk 1 \(map entry \d+\): cmp_len 0 is outside/);
  });

  it("an 8 MB uncompressed image that claims 1,000,000 metadata pages", () => {
    const path = bomb("none", new Uint8Array(PAGE), 1_000_000, 512_000_000);
    expect(statSync(path).size).toBeLessThan(8.1 * 2 ** 20);
    for (const call of ["resume", "inspect"] as const)
      expectBounded({ call, path }, "checkHeader", "EINVAL", /PFN 0 is listed twice .*entries 0 and 1/);
  });

  it("a 4 MB LZO image that claims 16,777,216 metadata pages: more than any machine of 2^32 − 1 frames fills", () => {
    const path = bomb("lzo", new Uint8Array(32 * PAGE).fill(0xff), 16_777_216, 0xffffffff);
    expect(statSync(path).size).toBeLessThan(4.1 * 2 ** 20);
    expectBounded({ call: "resume", path }, "checkHeader", "EINVAL", /at most 8388608 \(512 8-byte entries a page\)/);
  });

  it("a machine of 2^32 − 1 frames: inspect --map refuses to draw it, resume to build it", () => {
    const path = write(spec("lzo", { numPhyspages: 0xffffffff }));
    const map = join(dir, "map.svg");
    expectBounded({ call: "inspect", path, options: { map } }, "inspect", "ENOMEM", /--map draws at most 67108864/);
    expectBounded({ call: "resume", path }, "checkHeader", "ENOMEM", /describes a machine/);
    expectBounded(
      { call: "resume", path, options: { maxMemory: 256 * 2 ** 20 } },
      "checkHeader",
      "ENOMEM",
      /a machine of 16\.0 TiB, whose model needs at least 512(\.0)? MiB \(a bit per frame\), more than the 256 MiB allowed \(maxMemory\)/,
    );
  });
});

describe("u64 fields keep their exact values", () => {
  it("swsusp_header.image, a swap map entry and swsusp_info fields above 2^53", async () => {
    let e = await openFails(
      write(spec("none", { image: 2n ** 64n - 1n })),
      "checkHeader",
      "EINVAL",
      /swsusp_header.image is block 18446744073709551615,/,
    );
    expect(e.offending).toMatchObject({ name: "image", value: "18446744073709551615" });
    e = await openFails(
      write(spec("none", { mapEntries: (list) => list.map((b, i) => (i === 4 ? 2 ** 53 + 2 : b)) })),
      "checkHeader",
      "EINVAL",
      /swap map entry 4 points to block 9007199254740994,/,
    );
    expect(e.offending).toMatchObject({ value: "9007199254740994" });
    const many = spec("none", { numPhyspages: 2048 });
    many.entries = Array.from({ length: 1100 }, (_, i) => BigInt(i + 100));
    many.data = many.entries.map((_, i) => pageOf(PAGE, i));
    e = await openFails(
      write({ ...many, mapNext: (m, next) => (m === 0 ? 2n ** 63n + 1n : next) }),
      "checkHeader",
      "EINVAL",
      /swap map page 1 is at block 9223372036854775809,/,
    );
    expect(e.offending).toMatchObject({ name: "next_swap", value: "9223372036854775809" });
    e = await openFails(
      write(spec("lzo", { info: { numPhyspages: 2n ** 64n - 2n } })),
      "checkHeader",
      "EINVAL",
      /num_physpages is 18446744073709551614:/,
    );
    expect(e.offending).toMatchObject({ value: "18446744073709551614" });
    e = await openFails(
      write(spec("lzo", { info: { pages: 2n ** 60n + 3n } })),
      "checkHeader",
      "EINVAL",
      /swsusp_info.pages \(1152921504606846979\) leaves 1152921504606846828 PFN metadata pages/,
    );
    expect(e.offending).toMatchObject({ value: "1152921504606846979" });
  });

  it("a cmp_len of 2^64 − 1", async () => {
    const e = await resumeFails(
      write(spec("lz4", { chunk: (i, c) => (i === 0 ? { ...c, cmpLen: 2n ** 64n - 1n } : c) })),
      "checkHeader",
      "EINVAL",
      /cmp_len 18446744073709551615 is outside 1…139333/,
    );
    expect(e.offending).toMatchObject({ name: "cmp_len", value: "18446744073709551615" });
  });
});

describe("the swap map uses every block once", () => {
  it("a block listed twice, or a map page listed as a stream page, is refused while reading the map", async () => {
    await openFails(
      write(spec("lzo", { mapEntries: (e) => e.map((b, i) => (i === 3 ? e[2]! : b)) })),
      "checkHeader",
      "EINVAL",
      /the swap map uses block \d+ twice \(entry 2 and entry 3\)/,
    );
    await openFails(
      write(spec("none", { mapEntries: (e) => e.map((b, i) => (i === 7 ? 1 : b)) })),
      "checkHeader",
      "EINVAL",
      /the swap map uses block 1 twice \(map page 0 and entry 7\)/,
    );
  });
});

describe("the verdict does not depend on the workers", () => {
  it("map entries past the end of the file after the stream: 0, 1 and 3 workers all restore", async () => {
    const s = spec("lzo");
    const path = write({ ...s, mapEntries: (e) => [...e, 5000, 5001, 5002, 5003], lastPage: 6000 });
    for (const workers of [0, 1, 3]) {
      const result = (await ResumeSession.open(path, { workers })).run();
      expect(result.verify, `${workers} workers`).toMatchObject({ mismatches: [], untouchedMismatches: [] });
      expect(result.warnings, "the blocks past the stream are not the stream's").toEqual([]);
    }
  });
});

describe("thaw inspect reports what thaw resume would refuse", () => {
  const cases: [string, LinuxImageSpec, string, string, RegExp][] = [
    [
      "a truncated map",
      spec("none", { mapEntries: (e) => e.slice(0, 50) }),
      "checkHeader",
      "ENODATA",
      /the swap map lists 50 pages, the image has \d+ \(it is truncated\)/,
    ],
    [
      "a PFN listed twice",
      (() => {
        const s = spec("lz4");
        s.entries[7] = s.entries[6]!;
        return s;
      })(),
      "checkHeader",
      "EINVAL",
      /PFN 306 is listed twice/,
    ],
    [
      "a PFN out of range",
      (() => {
        const s = spec("none");
        s.entries[159] = encodeEntry(2 ** 21);
        return s;
      })(),
      "checkHeader",
      "EFAULT",
      /PFN 2097152 \(entry 159\) lies beyond/,
    ],
    [
      "image_pages + 1 (and pages to match)",
      (() => {
        const s = spec("lzo");
        const pages = 1 + 1 + s.data.length + 1;
        return { ...s, info: { imagePages: s.data.length + 1, pages, size: pages * PAGE } };
      })(),
      "unpackOrigPfns",
      "EINVAL",
      /lists 150 data pages .* but image_pages is 151/,
    ],
    [
      "image_pages − 1 (and pages to match)",
      (() => {
        const s = spec("none");
        const pages = 1 + 1 + s.data.length - 1;
        return { ...s, info: { imagePages: s.data.length - 1, pages, size: pages * PAGE } };
      })(),
      "unpackOrigPfns",
      "EINVAL",
      /lists 150 data pages .* but image_pages is 149/,
    ],
  ];
  it.each(cases)("%s", async (_, s, phase, code, message) => {
    const path = write(s);
    await resumeFails(path, phase, code, message);
    const report = await inspectImage(path, { workers: 0 });
    expect(report.refusals[0]).toMatchObject({ phase, code, message: expect.stringMatching(message) });
    expect(report.warnings).toContainEqual(
      expect.stringMatching(new RegExp(`^thaw resume would refuse this image \\(${phase}, ${code}\\)`)),
    );
  });
});

describe("fidelity at the edges", () => {
  it("a zeroed restore record magic on an x86_64 image: EPERM, architecture specific data", async () => {
    const e = await openFails(
      write(spec("lzo", { infoPage: new Uint8Array(PAGE) })),
      "checkHeader",
      "EPERM",
      /architecture specific data .*read as an x86_64 swsusp_info, but its magic \(byte 24\) is 0x0,/,
    );
    expect(e.offending).toMatchObject({ name: "magic", value: "0x0" });
  });

  it("SF_HW_SIG with a signature thaw's machine does not have: refused unless told, a warning either way", async () => {
    const path = write(spec("none", { flags: SF_NOCOMPRESS_MODE | SF_HW_SIG, hwSig: 0x1234abcd }));
    await resumeFails(
      path,
      "checkHeader",
      "EINVAL",
      /SF_HW_SIG: .*hardware signature is 1234abcd; .*compares it with 0/,
    );
    const report = await inspectImage(path);
    expect(report.refusals).toEqual([expect.objectContaining({ phase: "checkHeader", code: "EINVAL" })]);
    const result = (await ResumeSession.open(path, { ignoreHwSig: true })).run();
    expect(result.verify).toMatchObject({ mismatches: [], untouchedMismatches: [] });
    expect(result.warnings).toEqual([expect.stringMatching(/SF_HW_SIG.*resumed anyway, as asked/)]);
    const zero = write(spec("none", { flags: SF_NOCOMPRESS_MODE | SF_HW_SIG, hwSig: 0 }));
    expect((await ResumeSession.open(zero)).run().warnings).toEqual([]);
  });

  it("SF_CRC32_MODE on an uncompressed image: not checked, as the kernel does not, and said", async () => {
    const path = write(spec("none", { flags: SF_NOCOMPRESS_MODE | SF_CRC32_MODE, crc32: 0xdeadbeef }));
    const result = (await ResumeSession.open(path)).run();
    expect(result.verify).toMatchObject({ mismatches: [], untouchedMismatches: [] });
    expect(result.warnings).toEqual([expect.stringMatching(/SF_CRC32_MODE on an uncompressed image: .*deadbeef/)]);
    const report = await inspectImage(path);
    expect(report).toMatchObject({ refusals: [], crc: { stored: null } });
  });
});
