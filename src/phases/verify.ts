import * as L from "../../assembly/portable/layout.js";
import { ImageFormatError, ResumeError } from "../errors.js";
import { entryPfn } from "../image/pfnEntry.js";
import type { ResumeState, VerifyReport } from "./state.js";

/**
 * verify - Check the restore against the image itself (no kernel counterpart: the kernel trusts its copy).
 *
 * The data pages are read from the image again: every image PFN must hold exactly its page (a zero page, all
 * zeros). Then every frame the restore never took must still hold what it held at boot: the boot kernel's frames
 * that are not image PFNs, the nosave regions, the frames nobody allocated.
 */
export function verify(state: ResumeState): VerifyReport {
  const { machine, source } = state;
  const { engine, arena } = machine;
  const { pageSize } = machine.spec;
  const reader = source.stream();
  const entries = machine.ctx(L.CTX_NR_PFN_ENTRIES);
  if (machine.ctx(L.CTX_PFN_LIST_UNSORTED)) sortPfnList(machine.bytes(arena.pfnList, entries * 8));
  machine.setCtx(L.CTX_NR_MISMATCHES, 0);
  machine.setCtx(L.CTX_NR_VERIFIED, 0);
  const batch = L.STAGING_SIZE / pageSize;
  const readBatch = (count: number, what: string, index: number) => {
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
  };
  for (let page = 0; page < source.metaPages; page += batch)
    readBatch(Math.min(batch, source.metaPages - page), "PFN metadata page", 1 + page);
  let entry = 0;
  for (let done = 0; done < source.imagePages; ) {
    const count = Math.min(batch, source.imagePages - done);
    readBatch(count, "data page", done);
    entry = engine.verifyImagePages(arena.pfnList, entries, entry, L.STAGING_START, count);
    done += count;
    state.onProgress?.({ phase: "verify", done, total: source.imagePages });
  }
  engine.verifyImagePages(arena.pfnList, entries, entry, L.STAGING_START, 0);
  const imageMismatches = machine.ctx(L.CTX_NR_MISMATCHES);
  engine.verifyUntouchedFrames(arena.pfnList, entries, machine.bootSeed);
  const list = new Uint32Array(
    machine.memory.buffer,
    arena.mismatches,
    Math.min(machine.ctx(L.CTX_NR_MISMATCHES), machine.ctx(L.CTX_MISMATCH_CAPACITY)),
  );
  const report: VerifyReport = {
    pages: machine.ctx(L.CTX_NR_VERIFIED),
    mismatches: Array.from(list.subarray(0, Math.min(imageMismatches, list.length))),
    untouchedFrames: machine.ctx(L.CTX_NR_UNTOUCHED_CHECKED),
    untouchedMismatches: Array.from(list.subarray(Math.min(imageMismatches, list.length))),
  };
  state.verify = report;
  return report;
}

/** sortPfnList - Sort normalised PFN entries by PFN; images list them in ascending order, but need not. */
function sortPfnList(bytes: Uint8Array): void {
  const list = new BigUint64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  const sorted = Array.from(list).sort((a, b) => entryPfn(a) - entryPfn(b));
  list.set(sorted);
}
