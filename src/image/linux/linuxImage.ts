/**
 * A Linux hibernation image in a swap area (§5): the swsusp header in page 0, the swap map chain, the swsusp_info
 * page, the PFN metadata pages and the data pages, uncompressed (SF_NOCOMPRESS_MODE) or in LZO / LZ4 chunks — as an
 * ImageSource, so that the same phases inspect and restore it (§5.10's reader algorithm).
 */

import * as C from "../../../assembly/portable/compress.js";
import { ImageFormatError, ResumeError } from "../../errors.js";
import type { PfnRange } from "../../machine/config.js";
import { hex32 } from "../../util/crc32.js";
import { crc32Combine } from "../../util/crc32Combine.js";
import { entryPfn, readEntries as readPfnEntries } from "../pfnEntry.js";
import type { ImageSource, StreamReader } from "../source.js";
import { ChunkPool, type Compression, defaultWorkers } from "./chunkPool.js";
import { SWAP_BLOCK_SIZE, SwapDevice } from "./device.js";
import {
  decodeSwapHeader,
  SF_COMPRESSION_ALG_LZ4,
  SF_CRC32_MODE,
  SF_NOCOMPRESS_MODE,
  type SwapHeader,
} from "./swapHeader.js";
import { loadSwapMap, type SwapMap } from "./swapMap.js";
import { decodeSwsuspInfo, type SwsuspInfo } from "./swsuspInfo.js";

/** Options of opening a swap area. */
export interface LinuxOpenOptions {
  /** resume_offset: the block of the swap header within the device (swap files); default 0. */
  offset?: number;
  /** Decompression workers (0: on the calling thread). Default: clamp(CPUs - 1, 1, 3), as the kernel. */
  workers?: number;
}

const PAGE = SWAP_BLOCK_SIZE;
/** The most address space a model of a real machine may leave as holes: 4 GiB (the x86 PCI hole is at most that). */
export const MAX_HOLE_PAGES = 2 ** 20;

function checkHeaderError(
  code: ConstructorParameters<typeof ImageFormatError>[0],
  message: string,
  name: string,
  value: number | string,
  limit?: number,
): ResumeError {
  return new ResumeError("checkHeader", code, message, {
    kind: "field",
    name,
    value,
    ...(limit !== undefined && { limit }),
  });
}

/** What a compressed stream's chunks added up to, for `thaw inspect`. */
export interface ChunkStats {
  chunks: number;
  compressedBytes: number;
  uncompressedBytes: number;
}

/**
 * LinuxSwapSource - An image written by the kernel's swap writer (kernel/power/swap.c), opened read-only.
 */
export class LinuxSwapSource implements ImageSource {
  readonly format = "linux-swap";
  readonly pfnEntryBytes = 8;
  readonly pageSize = PAGE;
  readonly swapHeader: SwapHeader;
  readonly info: SwsuspInfo;
  readonly map: SwapMap;
  readonly compression: Compression | "none";
  readonly offset: number;
  readonly deviceBlocks: number;
  /** Totals of the last full pass over the stream (set by readers that reach the end). */
  chunkStats: ChunkStats | undefined;
  private readonly device: SwapDevice;
  private readonly pool: ChunkPool | undefined;
  private hints: ImageSource["machine"] | undefined;

  private constructor(
    device: SwapDevice,
    header: SwapHeader,
    info: SwsuspInfo,
    map: SwapMap,
    offset: number,
    deviceBlocks: number,
    pool: ChunkPool | undefined,
  ) {
    this.device = device;
    this.swapHeader = header;
    this.info = info;
    this.map = map;
    this.offset = offset;
    this.deviceBlocks = deviceBlocks;
    this.pool = pool;
    this.compression =
      header.flags & SF_NOCOMPRESS_MODE ? "none" : header.flags & SF_COMPRESSION_ALG_LZ4 ? "lz4" : "lzo";
  }

  /**
   * open - Read page 0, the swap map and the swsusp_info page of the swap area in @path.
   * @throws ResumeError (checkHeader) naming what is not a hibernation image or what is inconsistent.
   */
  static async open(path: string, options: LinuxOpenOptions = {}): Promise<LinuxSwapSource> {
    const device = new SwapDevice(path);
    try {
      const offset = options.offset ?? 0;
      const header = decodeSwapHeader(device.readBlock(offset));
      if (header.kind === "swap")
        throw checkHeaderError(
          "EINVAL",
          `${path} is a swap area with no hibernation image (signature ${header.signature})`,
          "sig",
          header.signature,
        );
      if (header.kind === "hibernation-other")
        throw checkHeaderError(
          "EINVAL",
          `${header.signatureName}: thaw reads images written by the kernel's own swap writer`,
          "sig",
          header.signature,
        );
      if (header.kind === "unknown")
        throw checkHeaderError(
          "EINVAL",
          `no swap signature at block ${offset} (byte ${offset * PAGE + 4086}): found "${header.signature}"`,
          "sig",
          header.signature,
        );
      const sane = header.swap.lastPage > 0 && header.swap.lastPage < 2 ** 32;
      const deviceBlocks = Math.max(device.blocks, sane ? offset + header.swap.lastPage + 1 : 0);
      if (header.image === 0 || header.image >= deviceBlocks) {
        throw checkHeaderError(
          "EINVAL",
          `swsusp_header.image is block ${header.image}, outside the device's ${deviceBlocks} blocks`,
          "image",
          header.image,
          deviceBlocks,
        );
      }
      let map: SwapMap;
      try {
        map = loadSwapMap(device, header.image, deviceBlocks);
      } catch (error) {
        throw error instanceof ImageFormatError ? error.inPhase("checkHeader") : error;
      }
      if (map.entries.length === 0)
        throw checkHeaderError("EINVAL", "the swap map is empty: no swsusp_info page", "entries", 0);
      const info = decodeSwsuspInfo(device.readBlock(map.entries[0]!));
      checkInfo(info, header, map);
      const compressed = !(header.flags & SF_NOCOMPRESS_MODE);
      return new LinuxSwapSource(
        device,
        header,
        info,
        map,
        offset,
        deviceBlocks,
        compressed ? await ChunkPool.create(options.workers ?? defaultWorkers()) : undefined,
      );
    } catch (error) {
      device.close();
      throw error;
    }
  }

  get path() {
    return this.device.path;
  }
  get numPhyspages() {
    return this.info.numPhyspages;
  }
  get imagePages() {
    return this.info.imagePages;
  }
  get metaPages() {
    return this.info.pages - this.info.imagePages - 1;
  }
  get pages() {
    return this.info.pages;
  }
  get crc32() {
    return this.swapHeader.flags & SF_CRC32_MODE ? this.swapHeader.crc32 : undefined;
  }

  get headerFields(): Record<string, unknown> {
    const h = this.swapHeader;
    return {
      signature: h.signature,
      signatureName: h.signatureName,
      origSig: h.origSig,
      flags: h.flags,
      flagNames: h.flagNames,
      hwSig: h.hwSig,
      crc32: hex32(h.crc32),
      image: h.image,
      offset: this.offset,
      deviceBlocks: this.deviceBlocks,
      mapPages: this.map.mapPages.length,
      mapEntries: this.map.entries.length,
      compression: this.compression,
      swap: h.swap,
      swsuspInfo: this.info,
    };
  }

  /**
   * pastEndBlocks - Blocks the stream uses that lie past the end of the file. A trimmed copy of a device (the
   * fixtures) ends after its last non-zero block and reads as zeros past it; in a damaged copy, those are lost pages.
   * An uncompressed image carries no CRC to tell the two apart.
   */
  get pastEndBlocks(): number {
    const fileBlocks = this.device.blocks;
    return this.map.entries.filter((block) => block >= fileBlocks).length;
  }

  warnings(): string[] {
    const n = this.pastEndBlocks;
    if (n === 0) return [];
    const check =
      this.crc32 === undefined
        ? "this image carries no CRC, so nothing can tell a trimmed copy from a truncated one"
        : "the CRC check covers them";
    return [
      `${n} of the image's ${this.map.entries.length} blocks lie past the end of ${this.path} and read as zeros (a trimmed copy of the device, or a truncated one: ${check})`,
    ];
  }

  summaryFields(): Record<string, unknown> {
    const stats = this.chunkStats;
    return {
      signature: this.swapHeader.signature,
      flags: this.swapHeader.flagNames,
      compression: this.compression,
      pastEndBlocks: this.pastEndBlocks,
      ...(stats && {
        chunks: stats.chunks,
        compressedBytes: stats.compressedBytes,
        compressionRatio: Number((stats.compressedBytes / stats.uncompressedBytes).toFixed(4)),
      }),
    };
  }

  /**
   * machine - The machine the image came from. The image gives num_physpages (present pages) and, through its PFNs,
   * the span they reach; the PFN span is rounded up to 2 MiB and the pages that are not present are modelled as holes:
   * the legacy VGA/BIOS hole [640 KiB, 1 MiB) when no image PFN lies there, then the widest gaps between image PFNs.
   * x86_64 has no HighMem; ZONE_DMA is the first 16 MiB. A PFN more than 4 GiB of holes beyond num_physpages is
   * refused (EFAULT): no machine of that size has it.
   */
  get machine(): ImageSource["machine"] {
    this.hints ??= this.modelMachine();
    return this.hints;
  }

  check(): void {
    if (this.compression === "none" && this.map.entries.length < this.pages) {
      throw new ResumeError(
        "checkHeader",
        "ENODATA",
        `the swap map lists ${this.map.entries.length} pages, the image has ${this.pages} (it is truncated)`,
        { kind: "pages", value: this.map.entries.length, limit: this.pages },
      );
    }
  }

  fileExtents() {
    if (this.compression !== "none") return undefined;
    const runs: number[] = [];
    const entries = this.map.entries;
    const last = Math.min(this.pages, entries.length);
    for (let i = 1; i < last; ) {
      let run = 1;
      while (i + run < last && entries[i + run] === entries[i]! + run) run++;
      runs.push(entries[i]! * PAGE, run * PAGE);
      i += run;
    }
    return { path: this.path, extents: Float64Array.from(runs), zeroFill: true };
  }

  stream(): StreamReader {
    return this.pool ? new CompressedReader(this, this.device, this.pool) : new PlainReader(this, this.device);
  }

  close(): void {
    this.pool?.close();
    this.device.close();
  }

  private modelMachine(): ImageSource["machine"] {
    const entries = this.pfnEntries();
    const pfns = Float64Array.from(new Set(entries.map(entryPfn))).sort();
    const max = pfns.length ? pfns[pfns.length - 1]! : -1;
    const present = this.numPhyspages;
    if (max >= present + MAX_HOLE_PAGES) {
      throw new ResumeError(
        "checkHeader",
        "EFAULT",
        `PFN ${max} lies beyond num_physpages (${present}) plus the largest hole thaw models (${MAX_HOLE_PAGES} pages, 4 GiB)`,
        { kind: "pfn", value: max, limit: present + MAX_HOLE_PAGES },
      );
    }
    const frames = Math.max(present, Math.ceil((max + 1) / 512) * 512);
    let budget = frames - present;
    const holes: PfnRange[] = [];
    const legacy = { start: 0xa0, end: 0x100 };
    const taken: PfnRange[] = [];
    if (
      budget >= legacy.end - legacy.start &&
      frames >= legacy.end &&
      !pfns.some((pfn) => pfn >= legacy.start && pfn < legacy.end)
    ) {
      holes.push(legacy);
      budget -= legacy.end - legacy.start;
      taken.push(legacy);
    }
    const gaps = freeGaps(pfns, taken, frames);
    gaps.sort((a, b) => b.end - b.start - (a.end - a.start));
    for (const gap of gaps) {
      if (budget === 0) break;
      const take = Math.min(budget, gap.end - gap.start);
      holes.push({ start: gap.end - take, end: gap.end });
      budget -= take;
    }
    if (budget > 0)
      throw checkHeaderError(
        "EINVAL",
        `num_physpages (${present}) leaves no room for the image's ${entries.length} PFNs`,
        "num_physpages",
        present,
      );
    return {
      frames,
      zones: { dmaEndPfn: Math.min(frames, 4096), highmemStartPfn: frames },
      holes: holes.sort((a, b) => a.start - b.start),
      nosave: [],
    };
  }

  /** pfnEntries - Every PFN entry of the metadata pages, normalised (pfnEntry.ts). */
  private pfnEntries(): bigint[] {
    const reader = this.stream();
    const out: bigint[] = [];
    const page = new Uint8Array(PAGE);
    for (let i = 0; i < this.metaPages; i++) {
      let got: number;
      try {
        got = reader.read(page);
      } catch (error) {
        throw error instanceof ImageFormatError ? error.inPhase("checkHeader") : error;
      }
      if (got === 0) break;
      readPfnEntries(page, this.pfnEntryBytes, (e) => {
        out.push(e);
        return true;
      });
    }
    return out;
  }
}

/**
 * freeGaps - The runs of [0, @frames) that hold neither a PFN of @pfns (ascending, distinct) nor a frame of @taken
 * (one range at most), in ascending order: computed from the PFNs, so its cost follows the image, not the machine.
 */
function freeGaps(pfns: Float64Array, taken: readonly PfnRange[], frames: number): PfnRange[] {
  const used: PfnRange[] = Array.from(pfns, (pfn) => ({ start: pfn, end: pfn + 1 }));
  for (const range of taken) {
    const at = used.findIndex((u) => u.start > range.start);
    used.splice(at < 0 ? used.length : at, 0, range);
  }
  const gaps: PfnRange[] = [];
  let pfn = 0;
  for (const u of used) {
    if (u.start > pfn) gaps.push({ start: pfn, end: u.start });
    pfn = Math.max(pfn, u.end);
  }
  if (pfn < frames) gaps.push({ start: pfn, end: frames });
  return gaps;
}

function checkInfo(info: SwsuspInfo, header: SwapHeader, map: SwapMap): void {
  if (info.numPhyspages < 1 || info.numPhyspages >= 2 ** 32)
    throw checkHeaderError(
      "EINVAL",
      `swsusp_info.num_physpages is ${info.numPhyspages}`,
      "num_physpages",
      info.numPhyspages,
    );
  if (info.pages < info.imagePages + 2) {
    throw checkHeaderError(
      "EINVAL",
      `swsusp_info.pages (${info.pages}) leaves no PFN metadata page beside ${info.imagePages} image pages and the header`,
      "pages",
      info.pages,
      info.imagePages + 2,
    );
  }
  if (info.imagePages > info.numPhyspages)
    throw checkHeaderError(
      "EINVAL",
      `image_pages (${info.imagePages}) exceeds num_physpages (${info.numPhyspages})`,
      "image_pages",
      info.imagePages,
      info.numPhyspages,
    );
  const metaPages = info.pages - info.imagePages - 1;
  const maxMeta = Math.ceil((info.numPhyspages * 8) / PAGE) * 2 + 1;
  if (metaPages > maxMeta)
    throw checkHeaderError(
      "EINVAL",
      `${metaPages} PFN metadata pages for a machine of ${info.numPhyspages} pages`,
      "pages",
      info.pages,
    );
  if (info.size !== info.pages * PAGE)
    throw checkHeaderError(
      "EINVAL",
      `swsusp_info.size is ${info.size}, not pages × 4096 = ${info.pages * PAGE}`,
      "size",
      info.size,
      info.pages * PAGE,
    );
  if (header.flags & SF_NOCOMPRESS_MODE && header.flags & SF_COMPRESSION_ALG_LZ4) {
    throw checkHeaderError(
      "EINVAL",
      "flags say both SF_NOCOMPRESS_MODE and SF_COMPRESSION_ALG_LZ4",
      "flags",
      header.flags,
    );
  }
  if (info.pages - 1 > map.entries.length * C.UNC_PAGES) {
    throw checkHeaderError(
      "EINVAL",
      `${info.pages} stream pages cannot come out of ${map.entries.length} map entries`,
      "pages",
      info.pages,
    );
  }
}

/** Reads runs of consecutive blocks in one call. */
function readEntries(
  device: SwapDevice,
  entries: readonly number[],
  first: number,
  count: number,
  target: Uint8Array,
  offset = 0,
): void {
  let i = 0;
  while (i < count) {
    let run = 1;
    while (i + run < count && entries[first + i + run] === entries[first + i]! + run) run++;
    device.readBlocks(entries[first + i]!, run, target, offset + i * PAGE);
    i += run;
  }
}

/** SF_NOCOMPRESS_MODE: stream page i is at map entry i (§5.5). */
class PlainReader implements StreamReader {
  position = 0;
  constructor(
    private readonly source: LinuxSwapSource,
    private readonly device: SwapDevice,
  ) {}

  read(target: Uint8Array): number {
    const entries = this.source.map.entries;
    const left = Math.min(this.source.pages - 1, entries.length - 1) - this.position;
    const count = Math.min(Math.floor(target.length / PAGE), left);
    if (count <= 0) return 0;
    readEntries(this.device, entries, 1 + this.position, count, target);
    this.position += count;
    return count;
  }
}

/**
 * Compressed stream (§5.6): after the header page, chunks of an 8-byte cmp_len, cmp_len compressed bytes, padding
 * to whole pages; each decompresses to 1–32 whole pages. The kernel's bounds apply: 0 < cmp_len ≤
 * bytes_worst_compress(UNC_SIZE), 0 < unc_len ≤ UNC_SIZE, unc_len a multiple of the page size.
 *
 * The main thread reads chunks into the pool's slots ahead of use (one per worker), the workers decompress and
 * checksum them, and the reader hands the pages out in stream order, combining the checksums (crc32).
 */
class CompressedReader implements StreamReader {
  position = 0;
  crc32 = 0;
  private entry = 1;
  private chunk = 0;
  private readonly queue: { slot: number; where: string }[] = [];
  private current: { slot: number; pages: number; at: number } | undefined;
  private stats: ChunkStats = { chunks: 0, compressedBytes: 0, uncompressedBytes: 0 };

  constructor(
    private readonly source: LinuxSwapSource,
    private readonly device: SwapDevice,
    private readonly pool: ChunkPool,
  ) {
    pool.drain();
  }

  read(target: Uint8Array): number {
    const want = Math.min(Math.floor(target.length / PAGE), this.source.pages - 1 - this.position);
    let delivered = 0;
    while (delivered < want) {
      if ((!this.current || this.current.at === this.current.pages) && !this.nextChunk()) break;
      const c = this.current!;
      const n = Math.min(c.pages - c.at, want - delivered);
      target.set(this.pool.output(c.slot, (c.at + n) * PAGE).subarray(c.at * PAGE), delivered * PAGE);
      c.at += n;
      delivered += n;
    }
    this.position += delivered;
    if (this.position === this.source.pages - 1) this.source.chunkStats = { ...this.stats };
    return delivered;
  }

  /** Submit chunks to free slots until every slot is busy or the map is exhausted. */
  private fill(): void {
    const entries = this.source.map.entries;
    const busy = new Set(this.queue.map((q) => q.slot));
    if (this.current) busy.add(this.current.slot);
    for (let slot = 0; slot < this.pool.slots && this.entry < entries.length; slot++) {
      if (busy.has(slot)) continue;
      const input = this.pool.input(slot);
      const where = `chunk ${this.chunk} (map entry ${this.entry})`;
      this.device.readBlocks(entries[this.entry]!, 1, input);
      const cmpLen = Number(new DataView(input.buffer, input.byteOffset, 8).getBigUint64(0, true));
      if (cmpLen === 0 || cmpLen > C.WORST_CMP_LEN) {
        throw new ImageFormatError(
          "EINVAL",
          `${where}: cmp_len ${cmpLen} is outside 1…${C.WORST_CMP_LEN} (bytes_worst_compress(UNC_SIZE))`,
          { kind: "field", name: "cmp_len", value: cmpLen, limit: C.WORST_CMP_LEN },
        );
      }
      const cmpPages = Math.ceil((C.CMP_HEADER + cmpLen) / PAGE);
      if (this.entry + cmpPages > entries.length) {
        throw new ImageFormatError(
          "ENODATA",
          `${where}: needs ${cmpPages} map entries, only ${entries.length - this.entry} are left (truncated chunk)`,
          { kind: "pages", value: entries.length - this.entry, limit: cmpPages },
        );
      }
      if (cmpPages > 1) readEntries(this.device, entries, this.entry + 1, cmpPages - 1, input, PAGE);
      this.pool.submit(slot, this.source.compression as Compression, cmpLen);
      this.queue.push({ slot, where });
      this.entry += cmpPages;
      this.chunk++;
      this.stats.compressedBytes += cmpLen;
    }
  }

  private nextChunk(): boolean {
    this.current = undefined;
    this.fill();
    const next = this.queue.shift();
    if (!next) return false;
    const { uncLen, crc } = this.pool.wait(next.slot, this.source.compression as Compression, next.where);
    if (uncLen === 0 || uncLen > C.UNC_SIZE || uncLen % PAGE !== 0) {
      throw new ImageFormatError(
        "EINVAL",
        `${next.where}: decompresses to ${uncLen} bytes, not 1…${C.UNC_PAGES} whole pages`,
        { kind: "bytes", value: uncLen, limit: C.UNC_SIZE },
      );
    }
    this.crc32 = crc32Combine(this.crc32, crc, uncLen);
    this.current = { slot: next.slot, pages: uncLen / PAGE, at: 0 };
    this.stats.chunks++;
    this.stats.uncompressedBytes += uncLen;
    this.fill();
    return true;
  }
}
