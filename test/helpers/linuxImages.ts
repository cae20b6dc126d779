/**
 * A test-only writer of Linux swap areas holding a hibernation image (§5): page 0 with the swap and swsusp
 * headers, the swap map chain, the swsusp_info page, and the stream raw or in LZO / LZ4 chunks. Compression is done
 * by well-kept npm packages (lzo: liblzo2's lzo1x_1; lz4: the reference block encoder), never by our decoders'
 * twins. Every field can be overridden, so tests can build each kind of broken image.
 */
import { writeFileSync } from "node:fs";
import lzo from "lzo";
import lz4 from "lz4";
import { crc32Le } from "../../src/util/crc32.js";
import { metaPagesOf } from "./images.js";

const PAGE = 4096;

/** A Linux image to write; the defaults make a consistent one. */
export interface LinuxImageSpec {
  compression: "none" | "lzo" | "lz4";
  numPhyspages: number;
  entries: bigint[];
  data: Uint8Array[];
  /** 10 bytes at 0xFF6 (default "S1SUSPEND\0"). */
  signature?: string;
  flags?: number;
  /** Stored CRC (default: the right one for compressed images, 0 otherwise). */
  crc32?: number;
  info?: Partial<{ pages: number; imagePages: number; size: number; numPhyspages: number }>;
  /** Block of the swap header (a swap file's resume_offset). */
  offset?: number;
  /** Change a chunk before it is written: its cmp_len prefix and compressed bytes. */
  chunk?: (index: number, chunk: { cmpLen: number; bytes: Uint8Array }) => { cmpLen: number; bytes: Uint8Array };
  /** Uncompressed bytes of each chunk (default 32 pages); a non-multiple of 4096 makes a bad unc_len. */
  chunkBytes?: number;
  /** Rewrite the list of blocks the map holds (after layout), e.g. to cut it short or point outside. */
  mapEntries?: (entries: number[]) => number[];
  /** Point the next-to-last map page's next_swap back at the first (a loop; needs ≥ 3 map pages). */
  mapLoop?: boolean;
  /** Fewer bytes in the file than the device (trimmed copy): the device is still last_page + 1 blocks. */
  extraDeviceBlocks?: number;
}

function compressChunk(kind: "lzo" | "lz4", input: Buffer): Buffer {
  if (kind === "lzo") return lzo.compress(input);
  const out = Buffer.alloc(lz4.encodeBound(input.length));
  const n = lz4.encodeBlock(input, out);
  return out.subarray(0, n);
}

/** writeLinuxImage - Write the swap area described by @spec to @path; returns the stream's CRC and layout. */
export function writeLinuxImage(path: string, spec: LinuxImageSpec) {
  const offset = spec.offset ?? 0;
  const meta = Buffer.from(metaPagesOf(spec.entries, PAGE));
  const stream = Buffer.concat([meta, ...spec.data.map((d) => Buffer.from(d))]);
  const metaPages = meta.length / PAGE;
  const pages = 1 + metaPages + spec.data.length;
  const info = Buffer.alloc(PAGE);
  info.writeBigUInt64LE(0x23456789abcdef02n, 24);
  info.writeBigUInt64LE(BigInt(spec.info?.numPhyspages ?? spec.numPhyspages), 0x190);
  info.writeBigUInt64LE(BigInt(spec.info?.imagePages ?? spec.data.length), 0x1a0);
  info.writeBigUInt64LE(BigInt(spec.info?.pages ?? pages), 0x1a8);
  info.writeBigUInt64LE(BigInt(spec.info?.size ?? (spec.info?.pages ?? pages) * PAGE), 0x1b0);

  const blocks: Buffer[] = [info];
  if (spec.compression === "none") {
    for (let i = 0; i < stream.length; i += PAGE) blocks.push(stream.subarray(i, i + PAGE));
  } else {
    const size = spec.chunkBytes ?? 32 * PAGE;
    for (let at = 0, index = 0; at < stream.length; at += size, index++) {
      let chunk: { cmpLen: number; bytes: Uint8Array } = { cmpLen: 0, bytes: new Uint8Array(compressChunk(spec.compression, stream.subarray(at, Math.min(stream.length, at + size)))) };
      chunk.cmpLen = chunk.bytes.length;
      if (spec.chunk) chunk = spec.chunk(index, chunk);
      const body = Buffer.alloc(Math.ceil((8 + chunk.bytes.length) / PAGE) * PAGE, 0xa5);
      body.writeBigUInt64LE(BigInt(chunk.cmpLen), 0);
      Buffer.from(chunk.bytes).copy(body, 8);
      for (let i = 0; i < body.length; i += PAGE) blocks.push(body.subarray(i, i + PAGE));
    }
  }
  const mapPages = Math.ceil(blocks.length / 511);
  const firstData = offset + 1 + mapPages;
  let entries = blocks.map((_, i) => firstData + i);
  if (spec.mapEntries) entries = spec.mapEntries(entries);
  const totalBlocks = firstData + blocks.length;
  const device = Buffer.alloc(totalBlocks * PAGE);
  for (let m = 0; m < mapPages; m++) {
    const page = device.subarray((offset + 1 + m) * PAGE, (offset + 2 + m) * PAGE);
    entries.slice(m * 511, (m + 1) * 511).forEach((e, i) => page.writeBigUInt64LE(BigInt(e), i * 8));
    const next = spec.mapLoop && m === mapPages - 2 ? offset + 1 : m + 1 < mapPages ? offset + 2 + m : 0;
    page.writeBigUInt64LE(BigInt(next), 4088);
  }
  blocks.forEach((b, i) => b.copy(device, (firstData + i) * PAGE));
  const header = device.subarray(offset * PAGE, (offset + 1) * PAGE);
  header.writeUInt32LE(1, 1024);
  header.writeUInt32LE(totalBlocks - offset - 1 + (spec.extraDeviceBlocks ?? 0), 1028);
  Buffer.from("0123456789abcdef", "latin1").copy(header, 1036);
  const compressed = spec.compression !== "none";
  const crc = crc32Le(stream);
  header.writeUInt32LE(spec.crc32 ?? (compressed ? crc : 0), 4060);
  header.writeBigUInt64LE(BigInt(offset + 1), 4064);
  header.writeUInt32LE(spec.flags ?? (compressed ? 4 | (spec.compression === "lz4" ? 16 : 0) : 2), 4072);
  Buffer.from("SWAPSPACE2", "latin1").copy(header, 4076);
  Buffer.from(spec.signature ?? "S1SUSPEND\0", "latin1").copy(header, 4086);
  writeFileSync(path, device);
  return { crc, pages, metaPages, blocks: totalBlocks };
}
