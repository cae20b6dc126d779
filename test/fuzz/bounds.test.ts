/**
 * Every loop driven by image data ends, bounded by the device or by the header (issue 6, item 5): the swap map
 * chain, the compressed chunk stream, the PFN metadata pages, the thaw stream. Each test feeds the loop the worst
 * the format allows — a map page pointing at itself, a chain through every block, a stream claiming 2^40 pages —
 * and checks the typed error, the work done (blocks read, chunks decompressed, bytes read: counted at the file and
 * the decoder) against the bound, and the time.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as C from "../../assembly/portable/compress.js";
import { loadCompressors } from "../../fuzz/compressors.js";
import { rollbackState } from "../../fuzz/evidence.js";
import { type Compressors, type LinuxImageSpec, writeLinuxImage } from "../../fuzz/linuxWriter.js";
import { syntheticLinuxSpec } from "../../fuzz/seeds.js";
import { getField, packEntries, rebuildThaw, seal, setField, thawParts } from "../../fuzz/thawBytes.js";
import { ResumeError } from "../../src/errors.js";
import { ReadOnlyFile } from "../../src/image/file.js";
import { ChunkPool } from "../../src/image/linux/chunkPool.js";
import { SwapDevice } from "../../src/image/linux/device.js";
import { openImage } from "../../src/image/open.js";
import { ENTRY_END, metaPagesFor } from "../../src/image/pfnEntry.js";
import { createMachine, type Machine } from "../../src/machine/machine.js";
import { ResumeSession } from "../../src/resume.js";
import { suspendMachine } from "../../src/suspend.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("thaw-fuzz-bounds-");
let compressors: Compressors;
let n = 0;

beforeAll(async () => {
  compressors = await loadCompressors();
});

afterEach(() => {
  vi.restoreAllMocks();
});

function linuxImage(
  compression: LinuxImageSpec["compression"],
  change: Partial<LinuxImageSpec> = {},
): { path: string; blocks: number; mapBlocks: number[]; entries: number[] } {
  const { device, layout } = writeLinuxImage({ ...syntheticLinuxSpec(compression), ...change }, compressors);
  const path = join(dir, `linux-${n++}.img`);
  writeFileSync(path, device);
  return { path, blocks: layout.blocks, mapBlocks: layout.mapBlocks, entries: layout.entries };
}

/** fails - Run @action; it must throw a ResumeError in @phase with @code and a message matching @message. */
async function fails(
  action: () => Promise<unknown>,
  phase: string,
  code: string,
  message: RegExp,
): Promise<ResumeError> {
  const error = await action().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ResumeError);
  expect({
    phase: (error as ResumeError).phase,
    code: (error as ResumeError).code,
    message: (error as ResumeError).message,
  }).toMatchObject({ phase, code, message: expect.stringMatching(message) });
  return error as ResumeError;
}

/** Blocks a swap device is asked for, one entry per block. */
function deviceReads(): number[] {
  const blocks: number[] = [];
  const original = SwapDevice.prototype.readBlocks;
  vi.spyOn(SwapDevice.prototype, "readBlocks").mockImplementation(function (
    this: SwapDevice,
    block,
    count,
    target,
    offset,
  ) {
    for (let i = 0; i < count; i++) blocks.push(block + i);
    return original.call(this, block, count, target, offset);
  });
  return blocks;
}

/** Bytes read from image files. */
/** openImage() reads the first block once to tell a thaw image from a swap area, before the source reads it. */
const SNIFF = 4096;

function fileBytes(): { bytes: number } {
  const total = { bytes: 0 };
  const original = ReadOnlyFile.prototype.read;
  vi.spyOn(ReadOnlyFile.prototype, "read").mockImplementation(function (this: ReadOnlyFile, target, position, length) {
    const got = original.call(this, target, position, length);
    total.bytes += got;
    return got;
  });
  return total;
}

/** Entries of every map page, each a data block, so that a chain of @pages pages is all full pages. */
function fullMap(pages: number) {
  return (entries: number[]) =>
    Array.from({ length: pages * 511 }, (_, k) =>
      k < entries.length ? entries[k]! : entries[1 + (k % (entries.length - 1))]!,
    );
}

describe("the swap map chain: at most one read per block of the device", () => {
  it("a full map page whose next_swap is itself: EINVAL after reading it once", async () => {
    const image = linuxImage("none", { mapEntries: fullMap(1), mapNext: (m, _next, blocks) => blocks[m]! });
    const reads = deviceReads();
    const t0 = performance.now();
    await fails(
      () => openImage(image.path),
      "checkHeader",
      "EINVAL",
      /the swap map loops: map page 1 points back to block 1/,
    );
    expect(reads.filter((b) => image.mapBlocks.includes(b))).toEqual([1]);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("a chain of six full map pages whose last points back to the second: each read once, then EINVAL", async () => {
    const image = linuxImage("none", {
      mapPages: 6,
      mapEntries: fullMap(6),
      mapNext: (m, next, blocks) => (m === 5 ? blocks[1]! : next),
    });
    const reads = deviceReads();
    await fails(
      () => openImage(image.path),
      "checkHeader",
      "EINVAL",
      /the swap map loops: map page 6 points back to block 2/,
    );
    expect(reads.filter((b) => image.mapBlocks.includes(b))).toEqual(image.mapBlocks);
  });

  it("a chain through 300 full map pages that runs off the device: at most one read per block, then EINVAL", async () => {
    const image = linuxImage("none", {
      mapPages: 300,
      mapEntries: fullMap(300),
      mapNext: (m, next, blocks) => (m === 299 ? blocks[299]! + 10_000 : next),
    });
    const reads = deviceReads();
    const t0 = performance.now();
    await fails(
      () => openImage(image.path),
      "checkHeader",
      "EINVAL",
      /swap map page 300 is at block \d+, beyond the device's \d+ blocks/,
    );
    expect(new Set(reads).size).toBe(reads.length);
    expect(reads.filter((b) => image.mapBlocks.includes(b))).toEqual(image.mapBlocks);
    expect(reads.length).toBeLessThanOrEqual(image.blocks);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("next_swap = 2^63: EINVAL without reading it", async () => {
    const image = linuxImage("lz4", { mapEntries: fullMap(1), mapNext: () => 2n ** 63n });
    const reads = deviceReads();
    await fails(() => openImage(image.path), "checkHeader", "EINVAL", /beyond the device/);
    expect(reads.filter((b) => b > image.blocks)).toEqual([]);
  });

  it("a chain into the zeros past the end of a trimmed device copy (last_page says the device is larger) ends there", async () => {
    const image = linuxImage("none", {
      mapEntries: (entries) => Array.from({ length: 511 }, (_, k) => (k < entries.length ? entries[k]! : 100_000 + k)),
      mapNext: (_m, _next, blocks) => blocks[0]! + 5000,
      lastPage: 2 ** 32 - 2,
    });
    const reads = deviceReads();
    const source = await openImage(image.path);
    source.close();
    expect(reads.filter((b) => b >= image.blocks)).toEqual([1 + 5000]);
  });
});

describe("the compressed chunk stream: at most one decompression per map entry", () => {
  it("swsusp_info claiming 2^40 pages, or more pages than 32 per map entry: refused before any chunk is decompressed", async () => {
    const submitted = vi.spyOn(ChunkPool.prototype, "submit");
    const huge = linuxImage("lz4", { info: { pages: 2n ** 40n, size: 2n ** 52n } });
    await fails(
      () => ResumeSession.open(huge.path, { workers: 0 }),
      "checkHeader",
      "EINVAL",
      /swsusp_info.pages \(1099511627776\) leaves 1099511627625 PFN metadata pages beside 150 image pages/,
    );
    const many = linuxImage("lz4", {
      info: { numPhyspages: 2n ** 31n, imagePages: 100_000, pages: 100_197, size: 100_197 * 4096 },
    });
    await fails(
      () => ResumeSession.open(many.path, { workers: 0 }),
      "checkHeader",
      "EINVAL",
      /100197 stream pages cannot come out of \d+ map entries/,
    );
    expect(submitted).not.toHaveBeenCalled();
  });

  it("one-page chunks, 1,000 PFNs and image_pages 1,000, but 150 data pages: ENODATA when the map runs out", async () => {
    const base = syntheticLinuxSpec("lzo");
    const entries = Array.from({ length: 1000 }, (_, i) => BigInt(1000 + i));
    const image = linuxImage("lzo", {
      chunkBytes: 4096,
      numPhyspages: 4096,
      entries,
      info: { imagePages: 1000, pages: 1 + 2 + 1000, size: 1003 * 4096 },
    });
    const submitted = vi.spyOn(ChunkPool.prototype, "submit");
    const t0 = performance.now();
    const source = await openImage(image.path, { workers: 0 });
    const machine = await createMachine({ ...source.machine, pageSize: 4096 });
    source.close();
    await fails(
      async () => (await ResumeSession.open(image.path, { machine, workers: 0 })).run(),
      "loadImage",
      "ENODATA",
      new RegExp(`ends at data page ${base.data.length} of 1000`),
    );
    expect(
      submitted.mock.calls.length,
      "one decompression per chunk, plus the two PFN chunks read to model the machine",
    ).toBeLessThanOrEqual(image.entries.length - 1 + 2);
    expect(rollbackState(machine)).toEqual({
      freeLow: 0,
      freeHigh: 0,
      untouchedChanged: 0,
      bitmapsAlive: 0,
      restorePblist: 0,
    });
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it("a chunk whose cmp_len reaches past the end of the map: ENODATA, reading no block past it", async () => {
    const image = linuxImage("lz4", { chunk: (i, c) => (i === 4 ? { ...c, cmpLen: C.WORST_CMP_LEN } : c) });
    const reads = deviceReads();
    const source = await openImage(image.path, { workers: 0 });
    const machine = await createMachine({ ...source.machine, pageSize: 4096 });
    source.close();
    await fails(
      async () => (await ResumeSession.open(image.path, { machine, workers: 0 })).run(),
      "loadImage",
      "ENODATA",
      /chunk 4 .*needs 35 map entries, only \d+ are left \(truncated chunk\)/,
    );
    expect(Math.max(...reads)).toBeLessThan(image.blocks);
  });
});

describe("the PFN metadata pages and the thaw stream: bounded by the header, the header by the machine and the file", () => {
  let machine: Machine;
  let seedImage: Buffer;

  beforeAll(async () => {
    machine = await createMachine({
      frames: 2048,
      pageSize: 256,
      zones: { dmaEndPfn: 64, highmemStartPfn: 1500 },
      holes: [{ start: 300, end: 310 }],
      nosave: [],
      seed: 8,
      boot: { profile: "scattered", share: 0.2 },
      allocator: "random",
    });
    const path = join(dir, "seed.thaw");
    suspendMachine(machine, { out: path, image: 0.3, zero: 0.1 });
    seedImage = (await import("node:fs")).readFileSync(path);
  });

  function thawVariant(change: (image: Buffer) => Buffer): string {
    const path = join(dir, `thaw-${n++}.thaw`);
    writeFileSync(path, change(Buffer.from(seedImage)));
    return path;
  }

  async function resume(path: string) {
    return (await ResumeSession.open(path, { machine, crcThread: false })).run();
  }

  it("pages = 2^40 (header checksum recomputed, size to match): refused reading the header block only", async () => {
    const path = thawVariant((image) => {
      setField(image, "pages", 2n ** 40n);
      setField(image, "size", 4096n + (2n ** 40n - 1n) * 256n);
      return Buffer.from(seal(image, { header: true }));
    });
    const read = fileBytes();
    await fails(
      () => resume(path),
      "checkHeader",
      "EINVAL",
      /PFN metadata pages; a machine of \d+ frames needs 1 to \d+/,
    );
    expect(read.bytes).toBeLessThanOrEqual(SNIFF + 4096);
  });

  it("image_pages = 2^40: refused reading the header block only", async () => {
    const path = thawVariant((image) => {
      setField(image, "image_pages", 2n ** 40n);
      return Buffer.from(seal(image, { header: true }));
    });
    const read = fileBytes();
    await fails(() => resume(path), "checkHeader", "EINVAL", /image_pages \(1099511627776\) exceeds the machine's/);
    expect(read.bytes).toBeLessThanOrEqual(SNIFF + 4096);
  });

  it("image_pages = num_physpages with pages and size to match, on the short file: ENODATA before any stream page is read or frame taken", async () => {
    const path = thawVariant((image) => {
      const np = getField(image, "num_physpages");
      const meta = BigInt(metaPagesFor(Number(np), 256));
      setField(image, "image_pages", np);
      setField(image, "pages", 1n + meta + np);
      setField(image, "size", 4096n + (meta + np) * 256n);
      return Buffer.from(seal(image, { header: true }));
    });
    const read = fileBytes();
    await fails(() => resume(path), "checkHeader", "ENODATA", /image is truncated/);
    expect(read.bytes).toBeLessThanOrEqual(SNIFF + 4096);
    expect(rollbackState(machine)).toEqual({
      freeLow: 0,
      freeHigh: 0,
      untouchedChanged: 0,
      bitmapsAlive: 0,
      restorePblist: 0,
    });
  });

  it("as many PFN pages as the machine allows, listing fewer PFNs: each page read once, then EINVAL", async () => {
    const parts = thawParts(seedImage);
    const maxMeta = metaPagesFor(machine.numPhyspages, 256);
    const meta = packEntries(parts.entries, 256, maxMeta);
    for (let page = metaPagesFor(parts.entries.length, 256); page < maxMeta; page++)
      new DataView(meta.buffer).setBigUint64(page * 256, ENTRY_END, true);
    const path = thawVariant(() => rebuildThaw(parts, { meta, data: parts.data }));
    const read = fileBytes();
    const unpacked = vi.spyOn(machine.engine, "unpackOrigPfns");
    await fails(
      () => resume(path),
      "unpackOrigPfns",
      "EINVAL",
      new RegExp(`fill \\d+ metadata pages, but the header gives ${maxMeta}`),
    );
    expect(read.bytes).toBeLessThanOrEqual(SNIFF + 4096 + maxMeta * 256);
    expect(unpacked.mock.calls.reduce((pages, call) => pages + (call[1] as number), 0)).toBe(maxMeta);
  });

  it("a whole resume reads each stream page at most twice (load and verify)", async () => {
    const path = thawVariant((image) => image);
    const read = fileBytes();
    const result = await resume(path);
    expect(result.verify?.mismatches).toEqual([]);
    expect(read.bytes).toBeLessThanOrEqual(SNIFF + 4096 + 2 * (seedImage.length - 4096));
  });
});
