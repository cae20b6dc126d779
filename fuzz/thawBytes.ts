/**
 * A thaw image as bytes to be broken (src/image/thawImage.ts; layout HDR_* in assembly/portable/layout.ts): header
 * fields read and written without any validation, the two checksums recomputed on request (so that a mutation
 * reaches the check it aims at instead of the checksum), and images rebuilt from a PFN list and data pages.
 */
import * as L from "../assembly/portable/layout.js";
import { ENTRY_END as END } from "../src/image/pfnEntry.js";
import { crc32Le } from "../src/util/crc32.js";

/** Header fields of a thaw image: offset and width in bytes. */
export const THAW_FIELDS = {
  version: [L.HDR_VERSION, 4],
  page_size: [L.HDR_PAGE_SIZE, 4],
  num_physpages: [L.HDR_NUM_PHYSPAGES, 8],
  image_pages: [L.HDR_IMAGE_PAGES, 8],
  pages: [L.HDR_PAGES, 8],
  size: [L.HDR_SIZE, 8],
  flags: [L.HDR_FLAGS, 4],
  crc32: [L.HDR_CRC32, 4],
  dma_end_pfn: [L.HDR_DMA_END_PFN, 8],
  highmem_start_pfn: [L.HDR_HIGHMEM_START_PFN, 8],
  nr_holes: [L.HDR_NR_HOLES, 4],
  nr_nosave: [L.HDR_NR_NOSAVE, 4],
  seed: [L.HDR_SEED, 8],
  header_crc32: [L.HDR_HEADER_CRC32, 4],
  nr_frames: [L.HDR_NR_FRAMES, 8],
} as const satisfies Record<string, readonly [number, 4 | 8]>;

/** A header field's name. */
export type ThawField = keyof typeof THAW_FIELDS;

/** getField - Header field @name of the image in @image, as stored. */
export function getField(image: Uint8Array, name: ThawField): bigint {
  const [at, width] = THAW_FIELDS[name];
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  return width === 8 ? view.getBigUint64(at, true) : BigInt(view.getUint32(at, true));
}

/** setField - Store @value (truncated to the field's width) in header field @name. */
export function setField(image: Uint8Array, name: ThawField, value: bigint): void {
  const [at, width] = THAW_FIELDS[name];
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (width === 8) view.setBigUint64(at, BigInt.asUintN(64, value), true);
  else view.setUint32(at, Number(BigInt.asUintN(32, value)), true);
}

/** rangeOffset - Byte offset of the start (or end) PFN of range @index of the holes or nosave table. */
export function rangeOffset(table: "holes" | "nosave", index: number, end: boolean): number {
  return (table === "holes" ? L.HDR_HOLES : L.HDR_NOSAVE) + index * L.RANGE_SIZE + (end ? 4 : 0);
}

/** What to recompute after a change. */
export interface Seal {
  /** crc32_le of the stream after the header block, into the crc32 field. */
  stream?: boolean;
  /** The header block's own checksum (computed last). */
  header?: boolean;
}

/** seal - Recompute the checksums @what asks for, in place; returns @image. */
export function seal(image: Uint8Array, what: Seal): Uint8Array {
  if (image.length < L.HDR_BLOCK_SIZE) return image;
  if (what.stream) setField(image, "crc32", BigInt(crc32Le(image.subarray(L.HDR_BLOCK_SIZE))));
  if (what.header) {
    setField(image, "header_crc32", 0n);
    setField(image, "header_crc32", BigInt(crc32Le(image.subarray(0, L.HDR_BLOCK_SIZE))));
  }
  return image;
}

/** The parts of a (valid) thaw image. */
export interface ThawParts {
  pageSize: number;
  metaPages: number;
  imagePages: number;
  /** PFN entries as stored (bit 63: zero page), up to the end marker. */
  entries: bigint[];
  /** The header block. */
  header: Uint8Array;
  /** Data pages in stream order. */
  data: Uint8Array[];
}

/** thawParts - Split a valid thaw image into its header block, PFN entries and data pages. */
export function thawParts(image: Uint8Array): ThawParts {
  const pageSize = Number(getField(image, "page_size"));
  const pages = Number(getField(image, "pages"));
  const imagePages = Number(getField(image, "image_pages"));
  const metaPages = pages - imagePages - 1;
  const entries: bigint[] = [];
  const meta = image.subarray(L.HDR_BLOCK_SIZE, L.HDR_BLOCK_SIZE + metaPages * pageSize);
  const view = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
  for (let at = 0; at < meta.length; at += 8) {
    const e = view.getBigUint64(at, true);
    if (e === END) break;
    entries.push(e);
  }
  const dataStart = L.HDR_BLOCK_SIZE + metaPages * pageSize;
  const data = Array.from({ length: imagePages }, (_, i) =>
    image.subarray(dataStart + i * pageSize, dataStart + (i + 1) * pageSize),
  );
  return { pageSize, metaPages, imagePages, entries, header: image.subarray(0, L.HDR_BLOCK_SIZE), data };
}

/**
 * packEntries - pack_pfns() pages for @entries at @pageSize, at least @minPages of them (zero-filled after the end).
 */
export function packEntries(entries: readonly bigint[], pageSize: number, minPages = 1): Uint8Array {
  const perPage = pageSize / 8;
  const pages = Math.max(minPages, Math.ceil(entries.length / perPage), 1);
  const out = new BigUint64Array(pages * perPage);
  out.set(entries);
  if (entries.length < out.length) out[entries.length] = END;
  return new Uint8Array(out.buffer);
}

/** What rebuildThaw writes. */
export interface ThawRebuild {
  /** PFN metadata pages, raw. */
  meta: Uint8Array;
  data: readonly Uint8Array[];
  /** Keep these header fields as they were (default: pages, image_pages and size follow the new contents). */
  keepCounts?: boolean;
  seal?: Seal;
}

/**
 * rebuildThaw - A thaw image with @base's header block and new metadata and data pages; pages, image_pages and size
 * are recomputed unless kept, then the checksums @seal asks for.
 */
export function rebuildThaw(base: ThawParts, rebuild: ThawRebuild): Buffer {
  const image = Buffer.concat([
    Buffer.from(base.header),
    Buffer.from(rebuild.meta),
    ...rebuild.data.map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength)),
  ]);
  if (!rebuild.keepCounts) {
    const metaPages = rebuild.meta.length / base.pageSize;
    const pages = 1 + metaPages + rebuild.data.length;
    setField(image, "image_pages", BigInt(rebuild.data.length));
    setField(image, "pages", BigInt(pages));
    setField(image, "size", BigInt(L.HDR_BLOCK_SIZE + (pages - 1) * base.pageSize));
  }
  seal(image, rebuild.seal ?? { stream: true, header: true });
  return image;
}
