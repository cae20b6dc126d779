/**
 * A Linux hibernation image in a swap area (kernel/power/swap.c): the swsusp header in page 0, the swap map chain,
 * the swsusp_info page, the PFN metadata pages and the data pages, uncompressed (SF_NOCOMPRESS_MODE) or in LZO / LZ4
 * chunks — as an ImageSource, so that the same phases inspect and restore it. Images of x86_64 and i386 kernels:
 * the restore record's magic gives the word size, and with it the width of PFN entries and of a chunk's cmp_len.
 */

import * as C from "../../../assembly/portable/compress.js";
import { ImageFormatError, ResumeError } from "../../errors.js";
import { hex32 } from "../../util/crc32.js";
import { crc32Combine } from "../../util/crc32Combine.js";
import { formatBytes } from "../../util/units.js";
import type { PfnEntryBytes } from "../pfnEntry.js";
import type { ImageSource, StreamReader } from "../source.js";
import { ChunkPool, type Compression, defaultWorkers } from "./chunkPool.js";
import { SWAP_BLOCK_SIZE, SwapDevice } from "./device.js";
import { atLeast, type ExactValue, exact } from "./exact.js";
import { estimateWarning, type HighmemBoundary, type HighmemOption, highmemBoundary } from "./highmem.js";
import { type MachineModel, modelMachine } from "./machineModel.js";
import {
  decodeSwapHeader,
  SF_COMPRESSION_ALG_LZ4,
  SF_CRC32_MODE,
  SF_HW_SIG,
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
  /** Where HighMem starts in the machine the image came from (highmem.ts); default: thaw's estimate for i386. */
  highmem?: HighmemOption;
  /** Refuse an image whose machine needs more than this many bytes, before reading its PFN metadata. */
  maxMemory?: number;
  /** Resume an image whose SF_HW_SIG signature differs from the machine's (thaw models none: 0). */
  ignoreHwSig?: boolean;
}

const PAGE = SWAP_BLOCK_SIZE;

function checkHeaderError(
  code: ConstructorParameters<typeof ImageFormatError>[0],
  message: string,
  name: string,
  value: ExactValue,
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
  /** Map entries the stream used, the header's included. */
  entries: number;
}

/**
 * LinuxSwapSource - An image written by the kernel's swap writer (kernel/power/swap.c), opened read-only.
 */
export class LinuxSwapSource implements ImageSource {
  readonly format = "linux-swap";
  readonly pageSize = PAGE;
  readonly swapHeader: SwapHeader;
  readonly info: SwsuspInfo;
  readonly map: SwapMap;
  readonly compression: Compression | "none";
  readonly offset: number;
  readonly deviceBlocks: number;
  /** Where HighMem starts in the model of the machine, and whence the figure. */
  readonly highmem: HighmemBoundary;
  /** Totals of the last full pass over the stream (set by readers that reach the end). */
  chunkStats: ChunkStats | undefined;
  private readonly device: SwapDevice;
  private readonly pool: ChunkPool | undefined;
  private readonly options: LinuxOpenOptions;
  private model: MachineModel | ResumeError | undefined;

  private constructor(
    device: SwapDevice,
    read: { header: SwapHeader; info: SwsuspInfo; map: SwapMap; deviceBlocks: number; highmem: HighmemBoundary },
    pool: ChunkPool | undefined,
    options: LinuxOpenOptions,
  ) {
    const { header } = read;
    this.device = device;
    this.swapHeader = header;
    this.info = read.info;
    this.map = read.map;
    this.offset = options.offset ?? 0;
    this.deviceBlocks = read.deviceBlocks;
    this.highmem = read.highmem;
    this.pool = pool;
    this.options = options;
    this.compression =
      header.flags & SF_NOCOMPRESS_MODE ? "none" : header.flags & SF_COMPRESSION_ALG_LZ4 ? "lz4" : "lzo";
  }

  /**
   * open - Read page 0, the swap map and the swsusp_info page of the swap area in @path, and check every count they
   * state against what the device and the machine can hold, before any of the work it would cause.
   * @throws ResumeError (checkHeader) naming what is not a hibernation image or what is inconsistent, or
   *   ConfigError for an option thaw cannot use.
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
      if (header.image === 0 || atLeast(header.image, deviceBlocks)) {
        throw checkHeaderError(
          "EINVAL",
          `swsusp_header.image is block ${header.image}, outside the device's ${deviceBlocks} blocks`,
          "image",
          header.image,
          deviceBlocks,
        );
      }
      let map: SwapMap;
      let info: SwsuspInfo;
      try {
        map = loadSwapMap(device, header.image as number, deviceBlocks);
        if (map.entries.length === 0)
          throw checkHeaderError("EINVAL", "the swap map is empty: no swsusp_info page", "entries", 0);
        info = decodeSwsuspInfo(device.readBlock(map.entries[0]!));
      } catch (error) {
        throw error instanceof ImageFormatError ? error.inPhase("checkHeader") : error;
      }
      checkStream(info, header, map);
      if (options.maxMemory !== undefined && info.numPhyspages / 8 > options.maxMemory)
        throw tooLarge(info.numPhyspages, options.maxMemory);
      const highmem = highmemBoundary(info.arch, options.highmem);
      const compressed = !(header.flags & SF_NOCOMPRESS_MODE);
      return new LinuxSwapSource(
        device,
        { header, info, map, deviceBlocks, highmem },
        compressed ? await ChunkPool.create(options.workers ?? defaultWorkers()) : undefined,
        options,
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
  /** Bytes of a stored PFN entry: sizeof(unsigned long) of the writing kernel. */
  get pfnEntryBytes(): PfnEntryBytes {
    return this.info.wordSize;
  }
  /** Bytes of a compressed chunk's cmp_len: sizeof(size_t) of the writing kernel (CMP_HEADER). */
  get cmpHeader(): PfnEntryBytes {
    return this.info.wordSize;
  }
  /**
   * crc32 - The stored CRC, when the kernel would check it: SF_CRC32_MODE on a compressed image. The kernel computes
   * and checks it only while it decompresses (load_compressed_image()); on an uncompressed image the flag is ignored.
   */
  get crc32() {
    return this.swapHeader.flags & SF_CRC32_MODE && this.compression !== "none" ? this.swapHeader.crc32 : undefined;
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
      arch: this.info.arch,
      wordSize: this.info.wordSize,
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
    const used = this.compression === "none" ? this.pages : (this.chunkStats?.entries ?? this.map.entries.length);
    let n = 0;
    for (let i = 0; i < Math.min(used, this.map.entries.length); i++) if (this.map.entries[i]! >= fileBlocks) n++;
    return n;
  }

  /** hwSigMismatch - True if SF_HW_SIG asks for a firmware signature other than the model's (none: 0). */
  get hwSigMismatch(): boolean {
    return (this.swapHeader.flags & SF_HW_SIG) !== 0 && this.swapHeader.hwSig !== 0;
  }

  warnings(): string[] {
    const out: string[] = [];
    const n = this.pastEndBlocks;
    if (n > 0) {
      const check =
        this.crc32 === undefined
          ? "this image carries no CRC, so nothing can tell a trimmed copy from a truncated one"
          : "the CRC check covers them";
      out.push(
        `${n} of the blocks the image's stream uses lie past the end of ${this.path} and read as zeros (a trimmed copy of the device, or a truncated one: ${check})`,
      );
    }
    if (this.highmem.source === "estimate") out.push(estimateWarning(this.highmem.startPfn!));
    if (this.highmem.source === "given" && this.info.arch === "x86_64")
      out.push(
        `an x86_64 kernel has no HighMem; the model has HighMem from PFN ${this.highmem.startPfn}, as asked (highmem)`,
      );
    if (this.swapHeader.flags & SF_CRC32_MODE && this.compression === "none")
      out.push(
        `flags say SF_CRC32_MODE on an uncompressed image: the kernel checks the CRC only while it decompresses, so the stored CRC ${hex32(this.swapHeader.crc32)} is not checked`,
      );
    if (this.hwSigMismatch)
      out.push(`${this.hwSigMessage()}${this.options.ignoreHwSig ? "; resumed anyway, as asked (ignoreHwSig)" : ""}`);
    return out;
  }

  summaryFields(): Record<string, unknown> {
    const stats = this.chunkStats;
    return {
      signature: this.swapHeader.signature,
      flags: this.swapHeader.flagNames,
      compression: this.compression,
      arch: this.info.arch,
      wordSize: this.info.wordSize,
      highmem: { startPfn: this.highmem.startPfn ?? null, source: this.highmem.source },
      pastEndBlocks: this.pastEndBlocks,
      ...(stats && {
        chunks: stats.chunks,
        compressedBytes: stats.compressedBytes,
        compressionRatio: Number((stats.compressedBytes / stats.uncompressedBytes).toFixed(4)),
      }),
    };
  }

  /**
   * machine - The machine the image came from (machineModel.ts), with HighMem from this.highmem. Its PFN metadata is
   * read once, every entry checked on the way (EFAULT beyond any machine of num_physpages, EINVAL out of order or
   * twice), before any machine exists; a model larger than maxMemory is refused (ENOMEM). The verdict is kept.
   * @throws ResumeError (checkHeader).
   */
  get machine(): ImageSource["machine"] {
    this.model ??= this.modelOrError();
    if (this.model instanceof ResumeError) throw this.model;
    return this.model.machine;
  }

  private modelOrError(): MachineModel | ResumeError {
    let model: MachineModel;
    try {
      model = modelMachine(
        {
          numPhyspages: this.numPhyspages,
          metaPages: this.metaPages,
          imagePages: this.imagePages,
          entryBytes: this.pfnEntryBytes,
          highmemStartPfn: this.highmem.startPfn,
        },
        this.stream(),
      );
    } catch (error) {
      if (error instanceof ImageFormatError) return error.inPhase("checkHeader");
      throw error;
    }
    const max = this.options.maxMemory;
    return max !== undefined && model.machine.frames! / 8 > max ? tooLarge(model.machine.frames!, max) : model;
  }

  /**
   * check - What swsusp_check() and the loader refuse before any page is placed: a uncompressed stream longer than the
   * swap map (truncated), and an SF_HW_SIG signature that differs from the machine's (-EINVAL), unless told.
   * @throws ResumeError (checkHeader).
   */
  check(): void {
    if (this.compression === "none" && this.map.entries.length < this.pages) {
      throw new ResumeError(
        "checkHeader",
        "ENODATA",
        `the swap map lists ${this.map.entries.length} pages, the image has ${this.pages} (it is truncated)`,
        { kind: "pages", value: this.map.entries.length, limit: this.pages },
      );
    }
    if (this.hwSigMismatch && !this.options.ignoreHwSig)
      throw checkHeaderError(
        "EINVAL",
        `${this.hwSigMessage()}; --ignore-hw-sig (option ignoreHwSig) resumes it anyway`,
        "hw_sig",
        hex32(this.swapHeader.hwSig),
        0,
      );
  }

  private hwSigMessage(): string {
    return `SF_HW_SIG: the image was written on firmware whose hardware signature is ${hex32(this.swapHeader.hwSig)}; thaw models no firmware, so it compares it with 0 (a machine with no ACPI FACS signature), and the kernel refuses a mismatch (swsusp_check(): -EINVAL)`;
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

  checkUnchanged(): void {
    this.device.checkUnchanged();
  }

  close(): void {
    this.pool?.close();
    this.device.close();
  }
}

/**
 * tooLarge - The refusal of a machine of @frames frames whose model could not stay within @maxMemory: even its map of
 * one bit per frame, the least any model of it keeps (src/machine/machine.ts lays out the rest), is larger. Said
 * before the PFN metadata is read, so a header alone cannot make thaw work on a machine it would refuse.
 */
function tooLarge(frames: number, maxMemory: number): ResumeError {
  return new ResumeError(
    "checkHeader",
    "ENOMEM",
    `the image describes a machine of ${formatBytes(frames * PAGE)}, whose model needs at least ${formatBytes(frames / 8)} (a bit per frame), more than the ${formatBytes(maxMemory)} allowed (maxMemory)`,
    { kind: "bytes", value: Math.ceil(frames / 8), limit: maxMemory },
  );
}

/** checkStream - The stream the header and the map describe can come out of the map's blocks. */
function checkStream(info: SwsuspInfo, header: SwapHeader, map: SwapMap): void {
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

/** SF_NOCOMPRESS_MODE: stream page i is at map entry i (kernel/power/swap.c: load_image()). */
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
 * Compressed stream (kernel/power/swap.c: load_compressed_image()): after the header page, chunks of a cmp_len
 * (size_t: 8 bytes on x86_64, 4 on i386), cmp_len compressed bytes, padding to whole pages; each decompresses to 1–32
 * whole pages. The kernel's bounds apply, the same for both word sizes: 0 < cmp_len ≤ bytes_worst_compress(UNC_SIZE)
 * = 139333 (a chunk may thus span 35 pages, and cmp_len may exceed the 131072 bytes it decodes to), 0 < unc_len ≤
 * UNC_SIZE, unc_len a multiple of the page size.
 *
 * The main thread reads chunks into the pool's slots ahead of use (one per worker), the workers decompress and
 * checksum them, and the reader hands the pages out in stream order, combining the checksums (crc32). A chunk read
 * ahead that turns out bad (cmp_len 0, past the map's end) fails only when the stream reaches it: what a reader
 * decides never depends on how many workers read ahead, and a stream that ends before it never sees it.
 */
class CompressedReader implements StreamReader {
  position = 0;
  crc32 = 0;
  private entry = 1;
  private chunk = 0;
  private stopped = false;
  private readonly queue: (
    | { slot: number; where: string; end: number; cmpLen: number }
    | { error: ImageFormatError }
  )[] = [];
  private current: { slot: number; pages: number; at: number } | undefined;
  private stats: ChunkStats = { chunks: 0, compressedBytes: 0, uncompressedBytes: 0, entries: 1 };

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

  /** Submit chunks to free slots until every slot is busy, the map is exhausted or a chunk header is bad. */
  private fill(): void {
    const entries = this.source.map.entries;
    const header = this.source.cmpHeader;
    const busy = new Set(this.queue.flatMap((q) => ("slot" in q ? [q.slot] : [])));
    if (this.current) busy.add(this.current.slot);
    for (let slot = 0; slot < this.pool.slots && this.entry < entries.length && !this.stopped; slot++) {
      if (busy.has(slot)) continue;
      const input = this.pool.input(slot);
      const where = `chunk ${this.chunk} (map entry ${this.entry})`;
      this.device.readBlocks(entries[this.entry]!, 1, input);
      const view = new DataView(input.buffer, input.byteOffset, 8);
      const cmpLen = header === 4 ? view.getUint32(0, true) : exact(view.getBigUint64(0, true));
      if (cmpLen === 0 || atLeast(cmpLen, C.WORST_CMP_LEN + 1)) {
        this.stop(
          new ImageFormatError(
            "EINVAL",
            `${where}: cmp_len ${cmpLen} is outside 1…${C.WORST_CMP_LEN} (bytes_worst_compress(UNC_SIZE))`,
            { kind: "field", name: "cmp_len", value: cmpLen, limit: C.WORST_CMP_LEN },
          ),
        );
        break;
      }
      const length = cmpLen as number;
      const cmpPages = Math.ceil((header + length) / PAGE);
      if (this.entry + cmpPages > entries.length) {
        this.stop(
          new ImageFormatError(
            "ENODATA",
            `${where}: needs ${cmpPages} map entries, only ${entries.length - this.entry} are left (truncated chunk)`,
            { kind: "pages", value: entries.length - this.entry, limit: cmpPages },
          ),
        );
        break;
      }
      if (cmpPages > 1) readEntries(this.device, entries, this.entry + 1, cmpPages - 1, input, PAGE);
      this.pool.submit(slot, this.source.compression as Compression, length, header);
      this.queue.push({ slot, where, end: this.entry + cmpPages, cmpLen: length });
      this.entry += cmpPages;
      this.chunk++;
    }
  }

  /** stop - Read no further chunk: @error is what the stream meets when it gets here. */
  private stop(error: ImageFormatError): void {
    this.queue.push({ error });
    this.stopped = true;
  }

  private nextChunk(): boolean {
    this.current = undefined;
    this.fill();
    const next = this.queue.shift();
    if (!next) return false;
    if ("error" in next) throw next.error;
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
    this.stats.entries = next.end;
    this.stats.compressedBytes += next.cmpLen;
    this.fill();
    return true;
  }
}
