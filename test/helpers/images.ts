/**
 * A test-only thaw image writer: any entry list and any data pages, so that tests can build hostile images (PFNs
 * out of range, duplicates, wrong counts, bad CRCs) with a valid header checksum. It is not the suspend path.
 */
import { writeFileSync } from "node:fs";
import * as L from "../../assembly/portable/layout.js";
import { ENTRY_ZERO as ZERO } from "../../src/image/pfnEntry.js";
import { encodeHeader, type ThawImageHeader } from "../../src/image/thaw/thawImage.js";
import { crc32Le } from "../../src/util/crc32.js";

export { ZERO };

/** What writeThawImage writes. Defaults make a consistent image; override anything to break it. */
export interface RawImage {
  pageSize: number;
  frames: number;
  entries: bigint[];
  /** Data pages, in stream order (one per non-zero entry unless you say otherwise). */
  data: Uint8Array[];
  header?: Partial<Omit<ThawImageHeader, "metaPages" | "version">>;
  /** Write this CRC instead of the computed one. */
  crc32?: number;
  /** Bytes appended after the stream. */
  trailing?: number;
}

/** metaPagesOf - pack_pfns() pages for the entries: the list, then an all-ones end marker if the last page has room. */
export function metaPagesOf(entries: bigint[], pageSize: number): Uint8Array {
  const perPage = pageSize / 8;
  const pages = Math.max(1, Math.ceil(entries.length / perPage));
  const out = new BigUint64Array(pages * perPage);
  out.set(entries);
  if (entries.length < out.length) out[entries.length] = 0xffffffffffffffffn;
  return new Uint8Array(out.buffer);
}

/** writeThawImage - Write @image to @path; returns the header as written. */
export function writeThawImage(path: string, image: RawImage) {
  const meta = metaPagesOf(image.entries, image.pageSize);
  const metaPages = meta.length / image.pageSize;
  const stream = Buffer.concat([meta, ...image.data]);
  const pages = 1 + metaPages + image.data.length;
  const header = {
    pageSize: image.pageSize,
    numPhyspages: image.frames,
    nrFrames: image.frames,
    imagePages: image.data.length,
    pages,
    size: L.HDR_BLOCK_SIZE + (pages - 1) * image.pageSize,
    flags: L.THAW_FLAG_CRC32,
    crc32: image.crc32 ?? crc32Le(stream),
    dmaEndPfn: 0,
    highmemStartPfn: image.frames,
    holes: [],
    nosave: [],
    seed: 0,
    ...image.header,
  };
  writeFileSync(path, Buffer.concat([encodeHeader(header), stream, Buffer.alloc(image.trailing ?? 0)]));
  return header;
}

/** pageOf - A page of @size bytes filled from @seed (never all zero). */
export function pageOf(size: number, seed: number): Uint8Array {
  const page = new Uint8Array(size);
  for (let i = 0; i < size; i++) page[i] = (seed * 31 + i * 7 + 1) & 0xff || 1;
  return page;
}

export { fileFingerprint } from "../../fuzz/evidence.js";
