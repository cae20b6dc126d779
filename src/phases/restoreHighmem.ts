import { engineError, type ResumeState } from "./state.js";

/**
 * restoreHighmem - restore_highmem() (§4.7): swap every highmem PBE's copy with its original frame, in host-driven
 * code before the atomic copy. Calling it again swaps everything back. Returns the number of pages swapped.
 */
export function restoreHighmem(state: ResumeState): number {
  const { machine } = state;
  const ret = machine.engine.restoreHighmem();
  if (ret < 0) throw engineError(machine, "restoreHighmem", ret, () => "no safe page for the highmem swap buffer");
  return ret;
}
