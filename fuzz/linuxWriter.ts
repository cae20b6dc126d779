/**
 * A writer of Linux swap areas holding a hibernation image (kernel/power/swap.c), for the fuzzer: page 0 with the swap
 * and swsusp headers, the swap map chain, the swsusp_info page, and the stream raw or in LZO / LZ4 chunks of 32 pages.
 * The compressor is passed in (the fuzzer uses the npm packages that wrap liblzo2 and the reference LZ4 encoder, never
 * thaw's own decoders' twins). Every field and structure can be overridden, so that each kind of broken image can
 * be built with everything else consistent.
 *
 * Both word sizes: an x86_64 kernel's image (8-byte unsigned long: u64 PFN entries, an 8-byte cmp_len) or an i386
 * kernel's (u32 PFN entries with the v6.6+ zero flag in bit 31, a 4-byte cmp_len, the 32-bit swsusp_info and restore
 * record); the swap header and the map are the same for both.
 *
 * Layout: block offset (page 0 of the area), the map pages right after it, then the stream's blocks in order.
 */

import * as C from "../assembly/portable/compress.js";
import { packEntries } from "../src/image/pfnEntry.js";
import { crc32Le } from "../src/util/crc32.js";

const PAGE = 4096;

/** Raw LZO1X and LZ4 block compressors. */
export interface Compressors {
  lzo(input: Uint8Array): Uint8Array;
  lz4(input: Uint8Array): Uint8Array;
}

/** One compressed chunk as it will be stored: the cmp_len prefix and the bytes after it. */
export interface StoredChunk {
  cmpLen: number | bigint;
  bytes: Uint8Array;
}

/** The kernels whose images the writer lays out. */
export type WriterArch = "x86_64" | "i386";

/** Where an arch's swsusp_info keeps its fields, and how wide they are. */
export const INFO_LAYOUT = {
  x86_64: { word: 8, magic: 24, numPhyspages: 400, imagePages: 416, pages: 424, size: 432 },
  i386: { word: 4, magic: 12, numPhyspages: 396, imagePages: 404, pages: 408, size: 412 },
} as const;

/** A Linux image to write; the defaults make a consistent one. */
export interface LinuxImageSpec {
  compression: "none" | "lzo" | "lz4";
  /** The kernel that wrote it (default x86_64). */
  arch?: WriterArch;
  numPhyspages: number;
  /** PFN entries, normalised (bit 63: zero page); packed by pack_pfns() rules in the arch's width unless `meta`. */
  entries: bigint[];
  /** Data pages in stream order. */
  data: Uint8Array[];
  /** The PFN metadata pages, raw (replaces the packing of `entries`). */
  meta?: Uint8Array;
  /** The swsusp_info page to start from (default: the arch's restore record with the kernel's magic). */
  infoPage?: Uint8Array;
  /** swsusp_info fields written over the defaults (pages = 1 + meta + data, size = pages × 4096). */
  info?: Partial<Record<"pages" | "imagePages" | "size" | "numPhyspages", number | bigint>>;
  /** 10 bytes at 0xFF6 (default "S1SUSPEND\0"). */
  signature?: string;
  /** swsusp_header.flags (default: SF_NOCOMPRESS_MODE, or SF_CRC32_MODE plus the algorithm bit). */
  flags?: number;
  /** Stored CRC (default: the stream's, for compressed images; 0 otherwise). */
  crc32?: number;
  /** swsusp_header.hw_sig (default 0; SF_HW_SIG in flags makes the kernel compare it). */
  hwSig?: number;
  /** Block of the swap header within the device (a swap file's resume_offset). */
  offset?: number;
  /** Uncompressed bytes per chunk (default 32 pages); a non-multiple of 4096 makes chunks with a bad unc_len. */
  chunkBytes?: number;
  /** Change a chunk before it is stored. */
  chunk?: (index: number, chunk: StoredChunk) => StoredChunk;
  /** At least this many map pages (default: as many as the blocks need); with mapEntries, for long chains. */
  mapPages?: number;
  /** Rewrite the blocks the map lists (after layout). */
  mapEntries?: (entries: number[]) => number[];
  /** Rewrite next_swap of map page @index (default: the next map page's block, 0 after the last). */
  mapNext?: (index: number, next: number, mapBlocks: number[]) => number | bigint;
  /** swsusp_header.image (default: the first map page). */
  image?: number | bigint;
  /** The swap header's last_page (default: the last block written, relative to offset). */
  lastPage?: number;
}

/** What writeLinuxImage laid out. */
export interface LinuxImageLayout {
  /** crc32_le of the uncompressed stream after the header. */
  crc: number;
  pages: number;
  metaPages: number;
  /** Blocks of the device. */
  blocks: number;
  /** Blocks of the map pages. */
  mapBlocks: number[];
  /** Blocks listed by the map, in stream order (entry 0: swsusp_info). */
  entries: number[];
  /** Map entry index of each chunk's first block (compressed images). */
  chunkStarts: number[];
}

/**
 * packPfns - pack_pfns() pages for @entries in @arch's width: the list, then the end marker if the last page has room.
 */
export function packPfns(entries: readonly bigint[], arch: WriterArch = "x86_64"): Uint8Array {
  return packEntries(entries, PAGE, INFO_LAYOUT[arch].word);
}

/** defaultInfoPage - A swsusp_info page with @arch's restore record magic and nothing else. */
export function defaultInfoPage(arch: WriterArch = "x86_64"): Uint8Array {
  const page = Buffer.alloc(PAGE);
  if (arch === "i386") page.writeUInt32LE(0x12345679, INFO_LAYOUT.i386.magic);
  else page.writeBigUInt64LE(0x23456789abcdef02n, INFO_LAYOUT.x86_64.magic);
  return page;
}

/** writeWord - @value (cut to the word, as a C store would) at @at of @page, in @word bytes. */
function writeWord(page: Buffer, at: number, value: number | bigint, word: 4 | 8): void {
  if (word === 4) page.writeUInt32LE(Number(BigInt.asUintN(32, BigInt(value))), at);
  else page.writeBigUInt64LE(BigInt.asUintN(64, BigInt(value)), at);
}

/**
 * writeLinuxImage - The swap area @spec describes, as bytes, compressed with @compressors.
 */
export function writeLinuxImage(
  spec: LinuxImageSpec,
  compressors?: Compressors,
): { device: Buffer; layout: LinuxImageLayout } {
  const offset = spec.offset ?? 0;
  const arch = spec.arch ?? "x86_64";
  const layout = INFO_LAYOUT[arch];
  const meta = Buffer.from(spec.meta ?? packPfns(spec.entries, arch));
  const stream = Buffer.concat([meta, ...spec.data.map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength))]);
  const metaPages = Math.ceil(meta.length / PAGE);
  const pages = 1 + metaPages + spec.data.length;
  const info = Buffer.from(spec.infoPage ?? defaultInfoPage(arch));
  const field = (at: number, value: number | bigint | undefined, fallback: number) =>
    writeWord(info, at, value ?? fallback, layout.word);
  field(layout.numPhyspages, spec.info?.numPhyspages, spec.numPhyspages);
  field(layout.imagePages, spec.info?.imagePages, spec.data.length);
  field(layout.pages, spec.info?.pages, pages);
  field(layout.size, spec.info?.size, pages * PAGE);

  const blocks: Buffer[] = [info];
  const chunkStarts: number[] = [];
  if (spec.compression === "none") {
    for (let i = 0; i < stream.length; i += PAGE) blocks.push(pageAt(stream, i));
  } else {
    if (!compressors) throw new Error("writeLinuxImage: a compressed image needs compressors");
    const compress = spec.compression === "lzo" ? compressors.lzo : compressors.lz4;
    const size = spec.chunkBytes ?? C.UNC_SIZE;
    for (let at = 0, index = 0; at < stream.length; at += size, index++) {
      const bytes = compress(stream.subarray(at, Math.min(stream.length, at + size)));
      let chunk: StoredChunk = { cmpLen: bytes.length, bytes };
      if (spec.chunk) chunk = spec.chunk(index, chunk);
      const body = Buffer.alloc(Math.ceil((layout.word + chunk.bytes.length) / PAGE) * PAGE, 0xa5);
      writeWord(body, 0, chunk.cmpLen, layout.word);
      body.set(chunk.bytes, layout.word);
      chunkStarts.push(blocks.length);
      for (let i = 0; i < body.length; i += PAGE) blocks.push(body.subarray(i, i + PAGE));
    }
  }
  const nrMapPages = Math.max(1, spec.mapPages ?? 1, Math.ceil(blocks.length / 511));
  const mapBlocks = Array.from({ length: nrMapPages }, (_, m) => offset + 1 + m);
  const firstData = offset + 1 + nrMapPages;
  let entries = blocks.map((_, i) => firstData + i);
  if (spec.mapEntries) entries = spec.mapEntries(entries);
  const totalBlocks = firstData + blocks.length;
  const device = Buffer.alloc(totalBlocks * PAGE);
  for (let m = 0; m < nrMapPages; m++) {
    const page = device.subarray(mapBlocks[m]! * PAGE, (mapBlocks[m]! + 1) * PAGE);
    entries.slice(m * 511, (m + 1) * 511).forEach((e, i) => {
      page.writeBigUInt64LE(BigInt.asUintN(64, BigInt(e)), i * 8);
    });
    const next = m + 1 < nrMapPages ? mapBlocks[m + 1]! : 0;
    page.writeBigUInt64LE(BigInt.asUintN(64, BigInt(spec.mapNext ? spec.mapNext(m, next, mapBlocks) : next)), 4088);
  }
  blocks.forEach((b, i) => {
    b.copy(device, (firstData + i) * PAGE);
  });
  const header = device.subarray(offset * PAGE, (offset + 1) * PAGE);
  header.writeUInt32LE(1, 1024);
  header.writeUInt32LE(spec.lastPage ?? totalBlocks - offset - 1, 1028);
  Buffer.from("0123456789abcdef", "latin1").copy(header, 1036);
  const compressed = spec.compression !== "none";
  const crc = crc32Le(stream);
  header.writeUInt32LE((spec.hwSig ?? 0) >>> 0, 4056);
  header.writeUInt32LE((spec.crc32 ?? (compressed ? crc : 0)) >>> 0, 4060);
  header.writeBigUInt64LE(BigInt.asUintN(64, BigInt(spec.image ?? mapBlocks[0]!)), 4064);
  header.writeUInt32LE((spec.flags ?? (compressed ? 4 | (spec.compression === "lz4" ? 16 : 0) : 2)) >>> 0, 4072);
  Buffer.from("SWAPSPACE2", "latin1").copy(header, 4076);
  Buffer.from(spec.signature ?? "S1SUSPEND\0", "latin1").copy(header, 4086);
  return { device, layout: { crc, pages, metaPages, blocks: totalBlocks, mapBlocks, entries, chunkStarts } };
}

function pageAt(stream: Buffer, at: number): Buffer {
  const page = Buffer.alloc(PAGE);
  stream.copy(page, 0, at, Math.min(stream.length, at + PAGE));
  return page;
}
