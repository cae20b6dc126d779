/**
 * PFN entries, the host's codec (the engine's is assembly/pfnEntry.ts): what kernel/power/snapshot.c's pack_pfns()
 * writes into an image's metadata pages, one `unsigned long` per saved page, and unpack_orig_pfns() reads back.
 * Since v6.6 the top bit flags a zero page; an entry of all ones ends the list when the last metadata page is not
 * full. Entries are 8 bytes (x86_64, thaw images) or 4 (i386: the flag is bit 31, the end marker 0xffffffff).
 *
 * Normalised, as the engine's PFN list holds them and as every host function here takes and returns them, an entry is
 * a bigint with the zero flag in bit 63.
 */
import { PFN_ENTRY_SIZE } from "../../assembly/portable/layout.js";

/** Bytes of one stored entry: the word size of the kernel that wrote the image. */
export type PfnEntryBytes = 4 | 8;

/** The zero-page flag of a normalised entry. */
export const ENTRY_ZERO = 1n << 63n;
/** The end-of-list marker, normalised. */
export const ENTRY_END = 0xffffffffffffffffn;

/** encodeEntry - The normalised entry of @pfn, flagged as a zero page when @zero. */
export function encodeEntry(pfn: number | bigint, zero = false): bigint {
  return BigInt(pfn) | (zero ? ENTRY_ZERO : 0n);
}

/** entryPfn - The PFN of normalised entry @e. */
export function entryPfn(e: bigint): number {
  return Number(e & ~ENTRY_ZERO);
}

/** entryIsZero - True if normalised entry @e flags a zero page. */
export function entryIsZero(e: bigint): boolean {
  return (e & ENTRY_ZERO) !== 0n;
}

/** entriesPerPage - Entries one metadata page of @pageSize bytes holds. */
export function entriesPerPage(pageSize: number, bytes: PfnEntryBytes = PFN_ENTRY_SIZE): number {
  return pageSize / bytes;
}

/** metaPagesFor - ceil(entries × bytes / page_size): the metadata pages pack_pfns() writes for @entries PFNs. */
export function metaPagesFor(entries: number, pageSize: number, bytes: PfnEntryBytes = PFN_ENTRY_SIZE): number {
  return Math.ceil((entries * bytes) / pageSize);
}

/**
 * readEntries - Decode the stored entries of @pages (whole metadata pages), normalised, stopping at the end marker;
 * @each gets every entry and returns false to stop early. Returns the number of entries read.
 */
export function readEntries(
  pages: Uint8Array,
  bytes: PfnEntryBytes,
  each: (entry: bigint) => boolean | undefined,
): number {
  const view = new DataView(pages.buffer, pages.byteOffset, pages.byteLength);
  let n = 0;
  for (let at = 0; at + bytes <= pages.byteLength; at += bytes) {
    let entry: bigint;
    if (bytes === 8) entry = view.getBigUint64(at, true);
    else {
      const e = view.getUint32(at, true);
      entry = e === 0xffffffff ? ENTRY_END : encodeEntry(e & 0x7fffffff, e >>> 31 === 1);
    }
    if (entry === ENTRY_END) break;
    n++;
    if (each(entry) === false) break;
  }
  return n;
}

/**
 * packEntries - pack_pfns(): @entries (normalised) as whole metadata pages of @pageSize bytes in @bytes-byte form,
 * with the end marker after the last entry when the last page is not full.
 */
export function packEntries(
  entries: readonly bigint[],
  pageSize: number,
  bytes: PfnEntryBytes = PFN_ENTRY_SIZE,
): Uint8Array {
  const out = new Uint8Array(metaPagesFor(entries.length, pageSize, bytes) * pageSize);
  const view = new DataView(out.buffer);
  entries.forEach((e, i) => {
    if (bytes === 8) view.setBigUint64(i * 8, e, true);
    else view.setUint32(i * 4, (entryPfn(e) | (entryIsZero(e) ? 0x80000000 : 0)) >>> 0, true);
  });
  if (entries.length * bytes < out.length) {
    if (bytes === 8) view.setBigUint64(entries.length * 8, ENTRY_END, true);
    else view.setUint32(entries.length * 4, 0xffffffff, true);
  }
  return out;
}
