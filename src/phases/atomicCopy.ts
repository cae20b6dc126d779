import * as L from "../../assembly/portable/layout.js";
import type { ResumeState } from "./state.js";

/** PBEs per engine call, between progress reports. */
const COPY_BATCH = 65536;

/**
 * atomicCopy - swsusp_arch_resume() → core_restore_code (§4.10): walk restore_pblist by following `next` in the
 * machine's memory and copy each PBE's page to its original frame, a batch of PBEs per engine call. The commit
 * point: it cannot fail, and nothing after it is undone. Returns the number of pages copied.
 */
export function atomicCopy(state: Pick<ResumeState, "machine" | "onProgress">): number {
  const { machine } = state;
  const total = machine.ctx(L.CTX_NR_PBES);
  let copied = 0;
  for (let n: number; (n = machine.engine.atomicCopy(COPY_BATCH)) > 0; ) {
    copied += n;
    state.onProgress?.({ phase: "atomicCopy", done: copied, total });
  }
  return copied;
}
