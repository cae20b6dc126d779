// Verification after a resume: every image PFN holds its image page, every frame the restore never took holds what
// it held when the machine booted.
import {
  CTX_NR_FRAMES, CTX_MISMATCHES, CTX_MISMATCH_CAPACITY, CTX_NR_MISMATCHES, CTX_NR_VERIFIED, CTX_SCRATCH,
  CTX_NR_UNTOUCHED_CHECKED, CTX_NR_UNTOUCHED_MISMATCHES, PFN_ENTRY_SIZE, CTX_RESTORE_PBLIST, CTX_HIGHMEM_PBLIST,
  PBE_ORIG_ADDRESS, PBE_ADDRESS, PBE_NEXT, HIGHMEM_PBE_ORIG_PAGE, HIGHMEM_PBE_COPY_PAGE, HIGHMEM_PBE_NEXT,
} from "./portable/layout";
import { ctx32, setCtx32, incCtx32, pageShift, pageSize, pfnToVirt, pfnValid } from "./common";
import { ENTRY_PFN, ENTRY_ZERO } from "./pfnEntry";
import { frameTouched, frameWritten } from "./machine/allocator";
import { pageIsZero } from "./machine/pattern";


function recordMismatch(pfn: u32): void {
  const n = ctx32(CTX_NR_MISMATCHES);
  if (n < ctx32(CTX_MISMATCH_CAPACITY)) store<u32>(<usize>ctx32(CTX_MISMATCHES) + (<usize>n << 2), pfn);
  setCtx32(CTX_NR_MISMATCHES, n + 1);
}

/**
 * verifyImagePages - Check image PFNs against the stream, entry by entry from @from (entries sorted by PFN).
 * @src: @count data pages of the stream, staged in order.
 *
 * A zero-flagged entry's frame must be all zero; a data entry's frame must equal the next staged page. Stops before the
 * data entry that would need page @count. Returns the index of the first entry not checked; mismatching PFNs are
 * appended to the mismatch list.
 */
export function verifyImagePages(entries: usize, n: u32, from: u32, src: usize, count: u32): u32 {
  const shift = <usize>pageShift();
  const size = <usize>pageSize();
  let used: u32 = 0;
  let i = from;
  while (i < n) {
    const entry = load<u64>(entries + <usize>i * PFN_ENTRY_SIZE);
    const pfn = <u32>(entry & ENTRY_PFN);
    const frame = pfnToVirt(pfn);
    if (entry & ENTRY_ZERO) {
      if (!pageIsZero(frame)) recordMismatch(pfn);
    } else {
      if (used == count) break;
      if (memory.compare(frame, src + (<usize>used << shift), size) != 0) recordMismatch(pfn);
      used++;
    }
    incCtx32(CTX_NR_VERIFIED);
    i++;
  }
  setCtx32(CTX_SCRATCH, used);
  return i;
}

/**
 * verifyUntouchedFrames - Check the valid frames that are not image PFNs and were never handed out: each must still
 * hold its boot pattern, which a frame holds implicitly while its memory is all zero (machine/pattern.ts:
 * resetTouchedFrames()). @entries: the image's @n entries sorted by PFN. Every such frame the written map lists is
 * read; of the others, whose memory nothing wrote since boot, every @stride-th is read, as a check on the written map
 * itself (reading a page the process never touched faults it in: all of them would make the machine's whole size
 * resident). Returns the number of frames read that differ; their PFNs go to the mismatch list. CTX_SCRATCH holds the
 * untouched frames in all, CTX_NR_UNTOUCHED_CHECKED those read.
 */
export function verifyUntouchedFrames(entries: usize, n: u32, stride: u32): u32 {
  const nrFrames = ctx32(CTX_NR_FRAMES);
  let next: u32 = 0;
  let nextPfn: u32 = n > 0 ? <u32>(load<u64>(entries) & ENTRY_PFN) : nrFrames;
  let untouched: u32 = 0;
  let skipped: u32 = 0;
  let checked: u32 = 0;
  let bad: u32 = 0;
  for (let pfn: u32 = 0; pfn < nrFrames; pfn++) {
    if (pfn == nextPfn) {
      next++;
      nextPfn = next < n ? <u32>(load<u64>(entries + <usize>next * PFN_ENTRY_SIZE) & ENTRY_PFN) : nrFrames;
      continue;
    }
    if (!pfnValid(pfn) || frameTouched(pfn)) continue;
    untouched++;
    if (!frameWritten(pfn)) {
      if (skipped + 1 < stride) {
        skipped++;
        continue;
      }
      skipped = 0;
    }
    checked++;
    if (!pageIsZero(pfnToVirt(pfn))) {
      bad++;
      recordMismatch(pfn);
    }
  }
  setCtx32(CTX_SCRATCH, untouched);
  setCtx32(CTX_NR_UNTOUCHED_CHECKED, checked);
  setCtx32(CTX_NR_UNTOUCHED_MISMATCHES, bad);
  return bad;
}

/** inPfnList - True if @pfn is one of the @n entries at @entries (sorted by PFN; bit 63 ignored). */
function inPfnList(entries: usize, n: u32, pfn: u64): bool {
  let lo: u32 = 0;
  let hi = n;
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    const v = load<u64>(entries + <usize>mid * PFN_ENTRY_SIZE) & ENTRY_PFN;
    if (v == pfn) return true;
    if (v < pfn) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** checkChain - The invariants of one PBE chain: originals strictly descending image PFNs, copies not image PFNs. */
function checkChain(head: usize, origAt: usize, copyAt: usize, nextAt: usize, entries: usize, n: u32): u32 {
  const shift = <u64>pageShift();
  let bad: u32 = 0;
  let prev: u64 = <u64>-1;
  let walked: u32 = 0;
  for (let pbe = head; pbe != 0; pbe = <usize>load<u64>(pbe + nextAt)) {
    const orig = load<u64>(pbe + origAt) >> shift;
    const copy = load<u64>(pbe + copyAt) >> shift;
    if (orig >= prev || !inPfnList(entries, n, orig) || inPfnList(entries, n, copy)) {
      if (bad < ctx32(CTX_MISMATCH_CAPACITY)) store<u32>(<usize>ctx32(CTX_MISMATCHES) + (<usize>bad << 2), <u32>orig);
      bad++;
    }
    prev = orig;
    if (++walked > n) return bad + 1;
  }
  setCtx32(CTX_SCRATCH, walked);
  return bad;
}

/**
 * verifyPlacement - A placement-only resume's checks, where no page contents exist: along restore_pblist and
 * highmem_pblist every original is an image PFN, strictly descending (so each is placed once: PBEs are prepended in
 * ascending order), and every copy is a frame outside the image. @entries: the image's @n entries sorted by PFN.
 * Returns the number of PBEs that break a rule (their original PFNs go to the mismatch list); the walked lengths are
 * left in CTX_NR_VERIFIED (restore_pblist) and CTX_SCRATCH (highmem_pblist).
 */
export function verifyPlacement(entries: usize, n: u32): u32 {
  const bad = checkChain(<usize>ctx32(CTX_RESTORE_PBLIST), PBE_ORIG_ADDRESS, PBE_ADDRESS, PBE_NEXT, entries, n);
  setCtx32(CTX_NR_VERIFIED, ctx32(CTX_SCRATCH));
  const highmem = <usize>ctx32(CTX_HIGHMEM_PBLIST);
  return bad + checkChain(highmem, HIGHMEM_PBE_ORIG_PAGE, HIGHMEM_PBE_COPY_PAGE, HIGHMEM_PBE_NEXT, entries, n);
}
