/**
 * thaw's own image format: the kernel's snapshot stream (kernel/power/snapshot.c: copy_data_pages(),
 * snapshot_read_next()) in a file.
 *
 *   [ header block, 4096 bytes ][ M PFN metadata pages ][ C data pages ]     (stream pages are page_size bytes)
 *
 * The header block is swsusp_info's counterpart (kernel/power/power.h) plus what a resume needs to rebuild the machine
 * (zones, holes, nosave regions); its layout is HDR_* in assembly/portable/layout.ts. The metadata pages are
 * pack_pfns() output (kernel/power/snapshot.c: pack_pfns()): u64 entries in ascending PFN order, bit 63 flagging a zero
 * page, an all-ones entry ending the list when it does not fill the last page. The data pages are the non-zero pages in
 * the same order. `pages` counts the header as stream page 0, as the kernel does, so M = pages - image_pages - 1. The
 * CRC is the kernel's crc32_le over every stream page after the header (kernel/power/swap.c: crc32_threadfn()).
 */
import * as L from "../../../assembly/portable/layout.js";
import { ResumeError } from "../../errors.js";
import type { PfnRange } from "../../machine/config.js";
import { crc32Le, hex32 } from "../../util/crc32.js";
import { ReadOnlyFile } from "../file.js";
import { metaPagesFor } from "../pfnEntry.js";
import type { ImageSource, StreamReader } from "../source.js";

/** "THAWIMG\0" */
export const THAW_MAGIC = Buffer.from("THAWIMG\0", "latin1");

/** A decoded thaw image header. */
export interface ThawImageHeader {
  version: number;
  pageSize: number;
  /** Present frames of the machine the image was taken on, holes excluded (num_physpages). */
  numPhyspages: number;
  /** PFN span of that machine, holes included. */
  nrFrames: number;
  /** Data pages in the stream (zero pages are not stored). */
  imagePages: number;
  /** Stream pages: 1 + metaPages + imagePages. */
  pages: number;
  /** Bytes of the file. */
  size: number;
  flags: number;
  /** crc32_le of the stream after the header (valid when flags has THAW_FLAG_CRC32). */
  crc32: number;
  dmaEndPfn: number;
  highmemStartPfn: number;
  holes: PfnRange[];
  nosave: PfnRange[];
  seed: number;
  /** pages - imagePages - 1. */
  metaPages: number;
}

/** streamOffset - Byte offset in the file of stream page @index (1 = the first metadata page). */
export function streamOffset(header: Pick<ThawImageHeader, "pageSize">, index: number): number {
  return L.HDR_BLOCK_SIZE + (index - 1) * header.pageSize;
}

/** encodeHeader - The 4096-byte header block of @header (its header_crc32 computed here). */
export function encodeHeader(header: Omit<ThawImageHeader, "metaPages" | "version">): Buffer {
  const block = Buffer.alloc(L.HDR_BLOCK_SIZE);
  THAW_MAGIC.copy(block, L.HDR_MAGIC);
  block.writeUInt32LE(L.THAW_IMAGE_VERSION, L.HDR_VERSION);
  block.writeUInt32LE(header.pageSize, L.HDR_PAGE_SIZE);
  block.writeBigUInt64LE(BigInt(header.numPhyspages), L.HDR_NUM_PHYSPAGES);
  block.writeBigUInt64LE(BigInt(header.imagePages), L.HDR_IMAGE_PAGES);
  block.writeBigUInt64LE(BigInt(header.pages), L.HDR_PAGES);
  block.writeBigUInt64LE(BigInt(header.size), L.HDR_SIZE);
  block.writeUInt32LE(header.flags, L.HDR_FLAGS);
  block.writeUInt32LE(header.crc32 >>> 0, L.HDR_CRC32);
  block.writeBigUInt64LE(BigInt(header.dmaEndPfn), L.HDR_DMA_END_PFN);
  block.writeBigUInt64LE(BigInt(header.highmemStartPfn), L.HDR_HIGHMEM_START_PFN);
  block.writeUInt32LE(header.holes.length, L.HDR_NR_HOLES);
  block.writeUInt32LE(header.nosave.length, L.HDR_NR_NOSAVE);
  block.writeBigUInt64LE(BigInt(header.seed), L.HDR_SEED);
  block.writeBigUInt64LE(BigInt(header.nrFrames), L.HDR_NR_FRAMES);
  header.holes.forEach((r, i) => {
    block.writeUInt32LE(r.start, L.HDR_HOLES + i * L.RANGE_SIZE);
    block.writeUInt32LE(r.end, L.HDR_HOLES + i * L.RANGE_SIZE + 4);
  });
  header.nosave.forEach((r, i) => {
    block.writeUInt32LE(r.start, L.HDR_NOSAVE + i * L.RANGE_SIZE);
    block.writeUInt32LE(r.end, L.HDR_NOSAVE + i * L.RANGE_SIZE + 4);
  });
  block.writeUInt32LE(crc32Le(block), L.HDR_HEADER_CRC32);
  return block;
}

function fail(message: string, field: string, value: number | string, limit?: number): never {
  throw new ResumeError("checkHeader", "EINVAL", message, {
    kind: "field",
    name: field,
    value,
    ...(limit !== undefined && { limit }),
  });
}

function u64(block: Buffer, offset: number, field: string): number {
  const value = block.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    fail(`header field ${field} is ${value}, beyond any machine`, field, value.toString());
  return Number(value);
}

/**
 * decodeHeader - Parse and check the structure of a thaw header block.
 * @throws ResumeError (phase checkHeader, EINVAL) naming the field that is wrong.
 */
export function decodeHeader(block: Buffer): ThawImageHeader {
  if (block.length < L.HDR_BLOCK_SIZE)
    fail(
      `image is ${block.length} bytes, shorter than the ${L.HDR_BLOCK_SIZE}-byte header`,
      "size",
      block.length,
      L.HDR_BLOCK_SIZE,
    );
  if (!block.subarray(0, 8).equals(THAW_MAGIC)) {
    const text = block
      .subarray(0, 8)
      .toString("latin1")
      .replace(/[^\x20-\x7e]/g, ".");
    fail(`not a thaw image: magic is "${text}", expected "THAWIMG"`, "magic", text);
  }
  const stored = block.readUInt32LE(L.HDR_HEADER_CRC32);
  const copy = Buffer.from(block.subarray(0, L.HDR_BLOCK_SIZE));
  copy.writeUInt32LE(0, L.HDR_HEADER_CRC32);
  const computed = crc32Le(copy);
  if (stored !== computed)
    fail(
      `header checksum mismatch: stored ${hex32(stored)}, computed ${hex32(computed)}`,
      "header_crc32",
      hex32(stored),
    );
  const version = block.readUInt32LE(L.HDR_VERSION);
  if (version !== L.THAW_IMAGE_VERSION)
    fail(
      `unsupported thaw image version ${version} (this thaw reads version ${L.THAW_IMAGE_VERSION})`,
      "version",
      version,
    );
  const pageSize = block.readUInt32LE(L.HDR_PAGE_SIZE);
  const shift = Math.log2(pageSize);
  if (!Number.isInteger(shift) || shift < L.MIN_PAGE_SHIFT || shift > L.MAX_PAGE_SHIFT)
    fail(`page_size ${pageSize} is not a power of two from 64 to 65536`, "page_size", pageSize);
  const numPhyspages = u64(block, L.HDR_NUM_PHYSPAGES, "num_physpages");
  const imagePages = u64(block, L.HDR_IMAGE_PAGES, "image_pages");
  const pages = u64(block, L.HDR_PAGES, "pages");
  const nrHoles = block.readUInt32LE(L.HDR_NR_HOLES);
  const nrNosave = block.readUInt32LE(L.HDR_NR_NOSAVE);
  if (nrHoles > L.HDR_MAX_RANGES)
    fail(`nr_holes is ${nrHoles}, at most ${L.HDR_MAX_RANGES}`, "nr_holes", nrHoles, L.HDR_MAX_RANGES);
  if (nrNosave > L.HDR_MAX_RANGES)
    fail(`nr_nosave is ${nrNosave}, at most ${L.HDR_MAX_RANGES}`, "nr_nosave", nrNosave, L.HDR_MAX_RANGES);
  const ranges = (at: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      start: block.readUInt32LE(at + i * L.RANGE_SIZE),
      end: block.readUInt32LE(at + i * L.RANGE_SIZE + 4),
    }));
  const header: ThawImageHeader = {
    version,
    pageSize,
    numPhyspages,
    nrFrames: u64(block, L.HDR_NR_FRAMES, "nr_frames"),
    imagePages,
    pages,
    size: u64(block, L.HDR_SIZE, "size"),
    flags: block.readUInt32LE(L.HDR_FLAGS),
    crc32: block.readUInt32LE(L.HDR_CRC32),
    dmaEndPfn: u64(block, L.HDR_DMA_END_PFN, "dma_end_pfn"),
    highmemStartPfn: u64(block, L.HDR_HIGHMEM_START_PFN, "highmem_start_pfn"),
    holes: ranges(L.HDR_HOLES, nrHoles),
    nosave: ranges(L.HDR_NOSAVE, nrNosave),
    seed: u64(block, L.HDR_SEED, "seed"),
    metaPages: pages - imagePages - 1,
  };
  checkCounts(header);
  return header;
}

/**
 * checkCounts - The stream's page counts must be possible for the machine it describes: this bounds every allocation
 * and every loop before the first one starts, whatever a corrupt header says.
 */
function checkCounts(h: ThawImageHeader): void {
  if (h.nrFrames < 1 || h.nrFrames > 0xffffffff)
    fail(`nr_frames is ${h.nrFrames}; a machine has 1 to ${0xffffffff} frames`, "nr_frames", h.nrFrames);
  if (h.numPhyspages < 1 || h.numPhyspages > h.nrFrames)
    fail(
      `num_physpages is ${h.numPhyspages}; the machine spans ${h.nrFrames} frames`,
      "num_physpages",
      h.numPhyspages,
      h.nrFrames,
    );
  if (h.imagePages > h.numPhyspages)
    fail(
      `image_pages (${h.imagePages}) exceeds the machine's ${h.numPhyspages} frames`,
      "image_pages",
      h.imagePages,
      h.numPhyspages,
    );
  if (h.pages < h.imagePages + 1)
    fail(
      `pages (${h.pages}) is less than image_pages + 1 (${h.imagePages + 1}): no room for the header`,
      "pages",
      h.pages,
      h.imagePages + 1,
    );
  const maxMeta = metaPagesFor(h.numPhyspages, h.pageSize);
  if (h.metaPages < 1 || h.metaPages > maxMeta) {
    fail(
      `pages - image_pages - 1 = ${h.metaPages} PFN metadata pages; a machine of ${h.numPhyspages} frames needs 1 to ${maxMeta}`,
      "pages",
      h.pages,
    );
  }
  if (h.metaPages < metaPagesFor(h.imagePages, h.pageSize)) {
    fail(
      `${h.metaPages} PFN metadata pages cannot list the ${h.imagePages} data pages (need ${metaPagesFor(h.imagePages, h.pageSize)})`,
      "pages",
      h.pages,
    );
  }
  const expectedSize = L.HDR_BLOCK_SIZE + (h.pages - 1) * h.pageSize;
  if (h.size !== expectedSize)
    fail(
      `size is ${h.size} bytes, but ${h.pages} pages of ${h.pageSize} bytes make ${expectedSize}`,
      "size",
      h.size,
      expectedSize,
    );
  if (h.highmemStartPfn > h.nrFrames || h.dmaEndPfn > h.highmemStartPfn) {
    fail(
      `zones out of order: ZONE_DMA ends at PFN ${h.dmaEndPfn}, HighMem starts at PFN ${h.highmemStartPfn}, ${h.nrFrames} frames`,
      "highmem_start_pfn",
      h.highmemStartPfn,
      h.nrFrames,
    );
  }
  for (const [name, list] of [
    ["holes", h.holes],
    ["nosave", h.nosave],
  ] as const) {
    for (const r of list) {
      if (r.end <= r.start || r.end > h.nrFrames)
        fail(
          `${name} range [${r.start}, ${r.end}) is not inside the machine's ${h.nrFrames} frames`,
          name,
          `${r.start}-${r.end}`,
          h.nrFrames,
        );
    }
  }
}

/** readThawHeader - Read and decode the header block of the thaw image in @file. */
export function readThawHeader(file: ReadOnlyFile): ThawImageHeader {
  const block = Buffer.alloc(L.HDR_BLOCK_SIZE);
  const n = file.read(block, 0);
  return decodeHeader(block.subarray(0, n));
}

/** isThawImage - True if @block (the first bytes of a file) starts with the thaw magic. */
export function isThawImage(block: Uint8Array): boolean {
  return Buffer.from(block.buffer, block.byteOffset, Math.min(block.length, 8)).equals(THAW_MAGIC);
}

/**
 * ThawImageSource - A thaw image as an ImageSource: stream page i is at file offset 4096 + (i - 1) × page_size.
 */
export class ThawImageSource implements ImageSource {
  readonly format = "thaw";
  readonly pfnEntryBytes = 8;
  readonly header: ThawImageHeader;
  private readonly file: ReadOnlyFile;

  /** @throws ResumeError (checkHeader) when @path is not a valid thaw image. */
  constructor(path: string) {
    this.file = new ReadOnlyFile(path);
    try {
      this.header = readThawHeader(this.file);
    } catch (error) {
      this.file.close();
      throw error;
    }
  }

  get path() {
    return this.file.path;
  }
  get pageSize() {
    return this.header.pageSize;
  }
  get numPhyspages() {
    return this.header.numPhyspages;
  }
  get imagePages() {
    return this.header.imagePages;
  }
  get metaPages() {
    return this.header.metaPages;
  }
  get pages() {
    return this.header.pages;
  }
  get crc32() {
    return this.header.flags & L.THAW_FLAG_CRC32 ? this.header.crc32 : undefined;
  }
  get headerFields(): Record<string, unknown> {
    const { crc32, ...rest } = this.header;
    return { ...rest, crc32: hex32(crc32) };
  }
  get machine() {
    const h = this.header;
    return {
      frames: h.nrFrames,
      zones: { dmaEndPfn: h.dmaEndPfn, highmemStartPfn: h.highmemStartPfn },
      holes: h.holes,
      nosave: h.nosave,
    };
  }

  check(): void {
    const { header, file } = this;
    if (file.size < header.size) {
      throw new ResumeError(
        "checkHeader",
        "ENODATA",
        `image is truncated: the header says ${header.size} bytes (${header.pages} pages), the file has ${file.size}`,
        { kind: "bytes", value: file.size, limit: header.size },
      );
    }
    if (file.size > header.size) {
      throw new ResumeError(
        "checkHeader",
        "EINVAL",
        `image file is ${file.size} bytes, longer than the ${header.size} bytes its header describes`,
        { kind: "bytes", value: file.size, limit: header.size },
      );
    }
  }

  fileExtents() {
    return {
      path: this.file.path,
      extents: Float64Array.of(L.HDR_BLOCK_SIZE, (this.header.pages - 1) * this.header.pageSize),
      zeroFill: false,
    };
  }

  stream(): StreamReader {
    const { file, header } = this;
    let position = 0;
    return {
      get position() {
        return position;
      },
      read(target: Uint8Array): number {
        const want = Math.min(Math.floor(target.length / header.pageSize), header.pages - 1 - position);
        if (want <= 0) return 0;
        const bytes = file.read(target, streamOffset(header, 1 + position), want * header.pageSize);
        const pages = Math.floor(bytes / header.pageSize);
        position += pages;
        return pages;
      },
    };
  }

  checkUnchanged(): void {
    this.file.checkUnchanged();
  }

  close(): void {
    this.file.close();
  }
}
