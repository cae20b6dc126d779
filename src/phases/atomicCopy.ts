import * as L from "../../assembly/portable/layout.js";
import { forEachPbe } from "./pbePairs.js";
import type { ResumeState } from "./state.js";

/** PBEs per engine call, between progress reports. */
const COPY_BATCH = 65536;

/**
 * atomicCopy - swsusp_arch_resume() → core_restore_code (arch/x86/power/hibernate_asm_64.S): walk restore_pblist by
 * following `next` in the machine's memory and copy each PBE's page to its original frame, a batch of PBEs per engine
 * call. With a contents store, each original takes its copy's contents in the store. The commit point: it cannot
 * fail, and nothing after it is undone. Returns the number of pages copied.
 */
export function atomicCopy(state: Pick<ResumeState, "machine" | "onProgress" | "store">): number {
  const { machine, store } = state;
  const total = machine.ctx(L.CTX_NR_PBES);
  if (store) forEachPbe(state, L.CTX_RESTORE_PBLIST, (copy, orig) => store.copy(copy, orig));
  let copied = 0;
  for (let n: number; (n = machine.engine.atomicCopy(COPY_BATCH)) > 0; ) {
    copied += n;
    state.onProgress?.({ phase: "atomicCopy", done: copied, total });
  }
  return copied;
}
