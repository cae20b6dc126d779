import * as L from "../../assembly/portable/layout.js";
import { ImageFormatError, ResumeError } from "../errors.js";
import { entryIsZero, entryPfn } from "../image/pfnEntry.js";
import { ZERO_PAGE } from "../machine/contentsStore.js";
import type { ResumeState, VerifyReport } from "./state.js";

/**
 * Never-written untouched frames verify reads at most (evenly spaced): a read faults a page the process never touched
 * into memory (on the VM of bench/RESULTS.md, 24 µs and 4 KiB of RSS each), so reading every frame would cost the
 * machine's whole size; their zero memory is what the written map already vouches for.
 */
export const UNTOUCHED_READS = 16384;

/**
 * verify - Check the restore against the image itself (no kernel counterpart: the kernel trusts its copy).
 *
 * With frame memory, the data pages are read from the image again: every image PFN must hold exactly its page (a zero
 * page, all zeros); then every frame the restore never took must still hold what it held at boot: the boot kernel's
 * frames that are not image PFNs, the nosave regions, the frames nobody allocated. Without frame memory both PBE
 * chains are checked (every original an image PFN, placed once, every copy outside the image); with a contents store,
 * also every image PFN's contents after the atomic copy against the image read again.
 */
export function verify(state: ResumeState): VerifyReport {
  const { machine } = state;
  const entries = machine.ctx(L.CTX_NR_PFN_ENTRIES);
  if (machine.ctx(L.CTX_PFN_LIST_UNSORTED)) sortPfnList(machine.bytes(machine.arena.pfnList, entries * 8));
  machine.setCtx(L.CTX_NR_MISMATCHES, 0);
  machine.setCtx(L.CTX_NR_VERIFIED, 0);
  const report = machine.contents === "memory" ? verifyFrames(state, entries) : verifyChains(state, entries);
  state.verify = report;
  return report;
}

/** imageReader - The image's stream read again from its first data page, in staged batches. */
function imageReader(state: ResumeState): (count: number, index: number) => number {
  const { machine, source } = state;
  const { pageSize } = machine.spec;
  const reader = source.stream();
  const read = (count: number, what: string, index: number) => {
    let got: number;
    try {
      got = reader.read(machine.bytes(L.STAGING_START, count * pageSize));
    } catch (error) {
      throw error instanceof ImageFormatError ? error.inPhase("verify") : error;
    }
    if (got < count) {
      throw new ResumeError(
        "verify",
        "EIO",
        `the image changed while it was restored: ${what} ${index} can no longer be read`,
        { kind: "page", value: index },
      );
    }
    return L.STAGING_START;
  };
  const batch = L.STAGING_SIZE / pageSize;
  for (let page = 0; page < source.metaPages; page += batch) {
    read(Math.min(batch, source.metaPages - page), "PFN metadata page", 1 + page);
  }
  return (count, index) => read(count, "data page", index);
}

/** mismatchList - The mismatching PFNs the engine listed (at most MISMATCH_CAPACITY). */
function mismatchList(state: ResumeState): Uint32Array {
  const { machine } = state;
  const n = Math.min(machine.ctx(L.CTX_NR_MISMATCHES), machine.ctx(L.CTX_MISMATCH_CAPACITY));
  return machine.mem.u32s(machine.arena.mismatches, n);
}

function verifyFrames(state: ResumeState, entries: number): VerifyReport {
  const { machine, source } = state;
  const { engine, arena } = machine;
  const batch = L.STAGING_SIZE / machine.spec.pageSize;
  const read = imageReader(state);
  let entry = 0;
  for (let done = 0; done < source.imagePages; ) {
    const count = Math.min(batch, source.imagePages - done);
    entry = engine.verifyImagePages(arena.pfnList, entries, entry, read(count, done), count);
    done += count;
    state.onProgress?.({ phase: "verify", done, total: source.imagePages });
  }
  engine.verifyImagePages(arena.pfnList, entries, entry, L.STAGING_START, 0);
  const imageMismatches = machine.ctx(L.CTX_NR_MISMATCHES);
  engine.verifyUntouchedFrames(arena.pfnList, entries, Math.max(1, Math.ceil(machine.spec.frames / UNTOUCHED_READS)));
  const list = mismatchList(state);
  return {
    pages: machine.ctx(L.CTX_NR_VERIFIED),
    mismatches: Array.from(list.subarray(0, Math.min(imageMismatches, list.length))),
    untouchedFrames: machine.ctx(L.CTX_SCRATCH),
    untouchedRead: machine.ctx(L.CTX_NR_UNTOUCHED_CHECKED),
    untouchedMismatches: Array.from(list.subarray(Math.min(imageMismatches, list.length))),
  };
}

function verifyChains(state: ResumeState, entries: number): VerifyReport {
  const { machine } = state;
  const violationCount = machine.engine.verifyPlacement(machine.arena.pfnList, entries);
  const violations = Array.from(mismatchList(state));
  const chains = { pbes: machine.ctx(L.CTX_NR_VERIFIED), highmemPbes: machine.ctx(L.CTX_SCRATCH), violations };
  const placed = machine.ctx(L.CTX_NR_DIRECT) + machine.ctx(L.CTX_NR_PBES) + machine.ctx(L.CTX_NR_HIGHMEM_PBES);
  if (violationCount > violations.length) violations.push(...Array(violationCount - violations.length).fill(-1));
  if (!state.store) return { pages: placed, mismatches: [], untouchedFrames: 0, untouchedMismatches: [], chains };
  return { ...verifyStore(state, entries), untouchedFrames: 0, untouchedMismatches: [], chains };
}

/**
 * verifyStore - Every image PFN's contents in the contents store after the atomic copy: a zero page's frame refers to
 * the zero page, data page i's frame (the i-th data entry in PFN order) to slot i, and slot i holds the image's data
 * page i, read again.
 */
function verifyStore(state: ResumeState, entries: number): Pick<VerifyReport, "pages" | "mismatches"> {
  const { machine, source } = state;
  const store = state.store!;
  const { pageSize } = machine.spec;
  const batch = L.STAGING_SIZE / pageSize;
  const read = imageReader(state);
  const page = new Uint8Array(pageSize);
  const mismatches: number[] = [];
  const list = machine.mem.u64s(machine.arena.pfnList, entries);
  let checked = 0;
  let slot = 0;
  let staged = { from: 0, count: 0, at: 0 };
  for (let k = 0; k < entries; k++) {
    const pfn = entryPfn(list[k]!);
    const ref = store.frames.get(pfn);
    checked++;
    if (entryIsZero(list[k]!)) {
      if (ref !== ZERO_PAGE && mismatches.length < 4096) mismatches.push(pfn);
      continue;
    }
    if (slot >= staged.from + staged.count) {
      const count = Math.min(batch, source.imagePages - slot);
      staged = { from: slot, count, at: read(count, slot) };
      state.onProgress?.({ phase: "verify", done: slot + count, total: source.imagePages });
    }
    const expected = machine.bytes(staged.at + (slot - staged.from) * pageSize, pageSize);
    if (ref !== slot) {
      if (mismatches.length < 4096) mismatches.push(pfn);
    } else {
      store.readSlot(slot, page);
      if (!Buffer.from(page).equals(expected) && mismatches.length < 4096) mismatches.push(pfn);
    }
    slot++;
  }
  return { pages: checked, mismatches };
}

/** sortPfnList - Sort normalised PFN entries by PFN; images list them in ascending order, but need not. */
function sortPfnList(bytes: Uint8Array): void {
  const list = new BigUint64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  const sorted = Array.from(list).sort((a, b) => entryPfn(a) - entryPfn(b));
  list.set(sorted);
}
