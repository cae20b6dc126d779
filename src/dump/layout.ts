/**
 * What a dump holds: the frames the image gave contents to, in PFN order, cut into runs of consecutive PFNs — one
 * PT_LOAD of an ELF core, one range of a LiME file, one stretch of a raw file between holes.
 *
 * The frames come from the image's PFN list as unpack_orig_pfns() left it in the engine's memory (normalised u64
 * entries: the PFN in the low word, the zero flag in bit 63), not from the machine: a frame the image does not hold
 * carries whatever the boot kernel left there, which is no part of the restored memory.
 */
import * as L from "../../assembly/portable/layout.js";
import type { Machine } from "../machine/machine.js";

/** The image's frames in PFN order, and the runs of consecutive PFNs among them. */
export interface DumpLayout {
  /** Image PFNs, ascending. */
  pfns: Uint32Array;
  /** 1 where pfns[i] is a zero-flagged PFN (no data page in the stream: the frame is all zeros). */
  zero: Uint8Array;
  /** Zero-flagged PFNs. */
  zeroPages: number;
  /** Runs of consecutive PFNs: run r is pfns[first[r]] … pfns[first[r] + count[r] - 1]. */
  runs: number;
  first: Uint32Array;
  count: Uint32Array;
}

/**
 * imageLayout - The layout of the image restored into @machine, read from its PFN list (sorted here when the image
 * listed its PFNs out of order).
 */
export function imageLayout(machine: Machine): DumpLayout {
  const entries = machine.ctx(L.CTX_NR_PFN_ENTRIES);
  const words = machine.mem.u32s(machine.arena.pfnList, entries * 2);
  const pfns = new Uint32Array(entries);
  const zero = new Uint8Array(entries);
  let sorted = true;
  for (let i = 0; i < entries; i++) {
    pfns[i] = words[2 * i]!;
    zero[i] = words[2 * i + 1]! >>> 31;
    if (i > 0 && pfns[i]! <= pfns[i - 1]!) sorted = false;
  }
  if (!sorted) sortEntries(pfns, zero);
  return layoutOf(pfns, zero);
}

/** layoutOf - The runs of @pfns (ascending, distinct), with @zero flagging the zero pages among them. */
export function layoutOf(pfns: Uint32Array, zero: Uint8Array): DumpLayout {
  let runs = 0;
  let zeroPages = 0;
  for (let i = 0; i < pfns.length; i++) {
    if (i === 0 || pfns[i] !== pfns[i - 1]! + 1) runs++;
    zeroPages += zero[i]!;
  }
  const first = new Uint32Array(runs);
  const count = new Uint32Array(runs);
  let r = -1;
  for (let i = 0; i < pfns.length; i++) {
    if (i === 0 || pfns[i] !== pfns[i - 1]! + 1) first[++r] = i;
    count[r]!++;
  }
  return { pfns, zero, zeroPages, runs, first, count };
}

/** sortEntries - Sort @pfns ascending, carrying each entry's zero flag along. */
function sortEntries(pfns: Uint32Array, zero: Uint8Array): void {
  const keys = new Float64Array(pfns.length);
  for (let i = 0; i < pfns.length; i++) keys[i] = pfns[i]! * 2 + zero[i]!;
  keys.sort();
  for (let i = 0; i < keys.length; i++) {
    pfns[i] = Math.floor(keys[i]! / 2);
    zero[i] = keys[i]! % 2;
  }
}
