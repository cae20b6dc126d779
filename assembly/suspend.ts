// The suspend side (kernel/power/snapshot.c: copy_data_pages() to snapshot_read_next()): which saveable pages are zero,
// and the data pages of the stream.
import { CTX_SCRATCH, PFN_ENTRY_SIZE } from "./portable/layout";
import { setCtx32, pageShift, pfnToVirt, copyPage } from "./common";
import { ENTRY_PFN, ENTRY_ZERO } from "./pfnEntry";
import { pageIsZero } from "./machine/pattern";


/**
 * markZeroEntries - copy_data_pages()'s zero-page test (v6.6+): flag with bit 63 each of the @n entries at @entries
 * whose frame is all zero. Returns the number of zero pages (nr_zero_pages).
 */
export function markZeroEntries(entries: usize, n: u32): u32 {
  let zeros: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const at = entries + <usize>i * PFN_ENTRY_SIZE;
    const entry = load<u64>(at) & ENTRY_PFN;
    if (pageIsZero(pfnToVirt(<u32>entry))) {
      store<u64>(at, entry | ENTRY_ZERO);
      zeros++;
    } else {
      store<u64>(at, entry);
    }
  }
  return zeros;
}

/**
 * gatherDataPages - snapshot_read_next() for data pages: copy the frames of the non-zero entries from entry @from on
 * into @dst, at most @maxPages of them.
 *
 * Returns the index of the first entry not consumed; the number of pages copied is left in CTX_SCRATCH.
 */
export function gatherDataPages(entries: usize, n: u32, from: u32, dst: usize, maxPages: u32): u32 {
  const shift = <usize>pageShift();
  let copied: u32 = 0;
  let i = from;
  while (i < n && copied < maxPages) {
    const entry = load<u64>(entries + <usize>i * PFN_ENTRY_SIZE);
    i++;
    if (entry & ENTRY_ZERO) continue;
    copyPage(dst + (<usize>copied << shift), pfnToVirt(<u32>(entry & ENTRY_PFN)));
    copied++;
  }
  setCtx32(CTX_SCRATCH, copied);
  return i;
}
