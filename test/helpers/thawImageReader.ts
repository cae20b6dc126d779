/**
 * Read a thaw image back by PFN, independently of the engine: the header's counts (HDR_* of
 * assembly/portable/layout.ts), the PFN metadata pages (u64 entries, bit 63 = zero page, all ones = end), and the data
 * pages, which belong to the non-zero PFNs in ascending order whatever the order of the entries
 * (kernel/power/snapshot.c: unpack_orig_pfns(): data page i goes to the i-th set bit of orig_bm).
 * src/image/thawImage.ts describes the format.
 */
import { readFileSync } from "node:fs";
import * as L from "../../assembly/portable/layout.js";
import { ENTRY_END as END, ENTRY_ZERO as ZERO_FLAG } from "../../src/image/pfnEntry.js";

/** An image read back: every PFN with its page (null for a zero page). */
export interface ImagePages {
  pageSize: number;
  pages: Map<number, Uint8Array | null>;
  /** The PFNs in the order the metadata lists them. */
  entryOrder: number[];
}

/** readImagePages - Parse the thaw image at @path. */
export function readImagePages(path: string): ImagePages {
  const file = readFileSync(path);
  const pageSize = file.readUInt32LE(L.HDR_PAGE_SIZE);
  const imagePages = Number(file.readBigUInt64LE(L.HDR_IMAGE_PAGES));
  const streamPages = Number(file.readBigUInt64LE(L.HDR_PAGES));
  const metaPages = streamPages - imagePages - 1;
  const entries: bigint[] = [];
  const metaEnd = L.HDR_BLOCK_SIZE + metaPages * pageSize;
  for (let at = L.HDR_BLOCK_SIZE; at < metaEnd; at += L.PFN_ENTRY_SIZE) {
    const entry = file.readBigUInt64LE(at);
    if (entry === END) break;
    entries.push(entry);
  }
  const pages = new Map<number, Uint8Array | null>();
  const dataPfns: number[] = [];
  for (const entry of entries) {
    const pfn = Number(entry & ~ZERO_FLAG);
    if (entry & ZERO_FLAG) pages.set(pfn, null);
    else dataPfns.push(pfn);
  }
  let data = metaEnd;
  for (const pfn of dataPfns.sort((a, b) => a - b)) {
    pages.set(pfn, file.subarray(data, data + pageSize));
    data += pageSize;
  }
  if (data !== file.length) throw new Error(`${path}: ${file.length - data} bytes after the last data page`);
  return { pageSize, pages, entryOrder: entries.map((entry) => Number(entry & ~ZERO_FLAG)) };
}
