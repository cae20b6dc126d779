/**
 * The compressed chunks of a kernel-written hibernation image, found by following its swap map (kernel/power/swap.c:
 * struct swsusp_header, swsusp_read(), load_image_lzo()). Test and benchmark support only: the swap-image reader proper
 * lives in src/.
 *
 * ╒══════ one chunk, from map entry k on (kernel/power/swap.c: load_image_lzo()) ══════╕
 * │ cmp_len      u64 LE, 1 … WORST_CMP_LEN            │ +0
 * │ data         cmp_len bytes: LZO1X-1 or raw LZ4    │ +8
 * │ padding      to the page end, stale bytes         │
 * └───────────────────────────────────────────────────┘ ceil((8 + cmp_len) / 4096) map entries
 */
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync, crc32 as zlibCrc32 } from "node:zlib";
import { decompress as zstdDecompress } from "fzstd";
import { CMP_HEADER, WORST_CMP_LEN } from "../../assembly/portable/compress.js";

const PAGE = 4096;
const MAP_PAGE_ENTRIES = 511;
const SF_NOCOMPRESS_MODE = 2;
const SF_COMPRESSION_ALG_LZ4 = 16;

/** One compressed chunk: where its map entries start, and its compressed bytes (without cmp_len and padding). */
export interface KernelChunk {
  entry: number;
  data: Uint8Array;
}

/** The compressed stream of one image. */
export interface KernelStream {
  algo: "lzo" | "lz4";
  /** swsusp_info.pages: the header page plus every page of the stream. */
  pages: number;
  /** swsusp_header.crc32 (kernel/power/swap.c: crc32_threadfn()). */
  crc32: number;
  chunks: KernelChunk[];
}

/** loadSwapImage - The device bytes of a fixture's swap.img.gz or swap.img.zst. */
export function loadSwapImage(path: string): Uint8Array {
  const raw = readFileSync(path);
  return path.endsWith(".zst") ? zstdDecompress(raw) : new Uint8Array(gunzipSync(raw));
}

/** fixtureImagePath - The first of @candidates (swap.img.gz or .zst) that exists, or undefined. */
export function fixtureImagePath(...candidates: string[]): string | undefined {
  return candidates.find((p) => existsSync(p));
}

/** kernelStream - Walk the swap map of @device (a compressed image) and cut its stream into chunks. */
export function kernelStream(device: Uint8Array): KernelStream {
  const dv = new DataView(device.buffer, device.byteOffset, device.byteLength);
  // Reads past the end of a trimmed fixture are zeros (fixtures README).
  const page = (block: number) => {
    const out = new Uint8Array(PAGE);
    const start = block * PAGE;
    if (start < device.length) out.set(device.subarray(start, Math.min(start + PAGE, device.length)));
    return out;
  };
  const sig = new TextDecoder().decode(device.subarray(4086, 4095));
  if (sig !== "S1SUSPEND") throw new Error(`no hibernation image: signature ${JSON.stringify(sig)}`);
  const crc32 = dv.getUint32(4060, true);
  const image = Number(dv.getBigUint64(4064, true));
  const flags = dv.getUint32(4072, true);
  if (flags & SF_NOCOMPRESS_MODE) throw new Error("image is not compressed");

  const entries: number[] = [];
  const seen = new Set<number>();
  for (let block = image; block !== 0; ) {
    if (seen.has(block)) throw new Error(`swap map loops at block ${block}`);
    seen.add(block);
    const map = new DataView(page(block).buffer);
    for (let i = 0; i < MAP_PAGE_ENTRIES; i++) {
      const e = Number(map.getBigUint64(i * 8, true));
      if (e === 0) break;
      entries.push(e);
    }
    block = Number(map.getBigUint64(MAP_PAGE_ENTRIES * 8, true));
  }
  const info = new DataView(page(entries[0]!).buffer);
  const pages = Number(info.getBigUint64(0x1a8, true));

  const chunks: KernelChunk[] = [];
  for (let k = 1; k < entries.length; ) {
    const first = page(entries[k]!);
    const cmpLen = Number(new DataView(first.buffer).getBigUint64(0, true));
    if (cmpLen === 0 || cmpLen > WORST_CMP_LEN) throw new Error(`chunk at entry ${k}: cmp_len ${cmpLen}`);
    const n = Math.ceil((CMP_HEADER + cmpLen) / PAGE);
    if (k + n > entries.length) throw new Error(`chunk at entry ${k}: ${n} pages, map ends first`);
    const bytes = new Uint8Array(n * PAGE);
    for (let j = 0; j < n; j++) bytes.set(j === 0 ? first : page(entries[k + j]!), j * PAGE);
    chunks.push({ entry: k, data: bytes.slice(CMP_HEADER, CMP_HEADER + cmpLen) });
    k += n;
  }
  return { algo: flags & SF_COMPRESSION_ALG_LZ4 ? "lz4" : "lzo", pages, crc32, chunks };
}

/** kernelCrc32 - crc32_le(@crc, @buf) as the kernel computes it: seed 0, no final XOR (kernel/power/swap.c:
 * crc32_threadfn()). */
export function kernelCrc32(crc: number, buf: Uint8Array): number {
  return (zlibCrc32(buf, (crc ^ 0xffffffff) >>> 0) ^ 0xffffffff) >>> 0;
}
