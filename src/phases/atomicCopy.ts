import type { ResumeState } from "./state.js";

/**
 * atomicCopy - swsusp_arch_resume() → core_restore_code (§4.10): walk restore_pblist by following `next` in the
 * machine's memory and copy each PBE's page to its original frame. The commit point: it cannot fail, and nothing
 * after it is undone. Returns the number of pages copied.
 */
export function atomicCopy(state: ResumeState): number {
  return state.machine.engine.atomicCopy();
}
