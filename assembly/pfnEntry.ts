// PFN entries: what kernel/power/snapshot.c's pack_pfns() writes into the image's metadata pages, one `unsigned
// long` per saved page, and unpack_orig_pfns() reads back. Since v6.6 the top bit flags a zero page (no data page
// follows for it), and an entry of all ones ends the list when the last metadata page is not full.
//
// Images store entries of their kernel's word size: 8 bytes (x86_64, thaw images), or 4 (i386: the zero flag is then
// bit 31 and the end marker 0xffffffff). Inside the engine every entry is kept in one normalised form: a u64 with the
// zero flag in bit 63, as the PFN list (CTX_VERIFY_PFNS) holds them. loadEntry() is the one place that reads the
// stored form.
import { PFN_ENTRY_SIZE } from "./portable/layout";

/** The zero-page flag of a normalised entry. */
// @ts-ignore: decorator
@inline export const ENTRY_ZERO: u64 = <u64>1 << 63;

/** The PFN bits of a normalised entry. */
// @ts-ignore: decorator
@inline export const ENTRY_PFN: u64 = ~ENTRY_ZERO;

/** The end-of-list marker, normalised. */
// @ts-ignore: decorator
@inline export const ENTRY_END: u64 = <u64>-1;

/** entryPfn - The PFN of normalised entry @e. */
// @ts-ignore: decorator
@inline export function entryPfn(e: u64): u64 {
  return e & ENTRY_PFN;
}

/** entryIsZero - True if normalised entry @e flags a zero page. */
// @ts-ignore: decorator
@inline export function entryIsZero(e: u64): bool {
  return (e & ENTRY_ZERO) != 0;
}

/** loadEntry - The entry stored at @addr in @bytes-byte form (4 or 8), normalised. */
// @ts-ignore: decorator
@inline export function loadEntry(addr: usize, bytes: u32): u64 {
  if (bytes == PFN_ENTRY_SIZE) return load<u64>(addr);
  const e = load<u32>(addr);
  if (e == 0xffffffff) return ENTRY_END;
  return (<u64>(e & 0x7fffffff)) | ((<u64>(e >> 31)) << 63);
}

/** listEntry - Entry @i of a normalised PFN list at @list. */
// @ts-ignore: decorator
@inline export function listEntry(list: usize, i: u32): u64 {
  return load<u64>(list + <usize>i * PFN_ENTRY_SIZE);
}
