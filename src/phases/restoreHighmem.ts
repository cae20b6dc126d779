import * as L from "../../assembly/portable/layout.js";
import { forEachPbe } from "./pbePairs.js";
import { engineError, type ResumeState } from "./state.js";

/**
 * restoreHighmem - restore_highmem() (kernel/power/snapshot.c): swap every highmem PBE's copy with its original
 * frame, in host-driven code before the atomic copy (with a contents store, their contents in the store). Calling it
 * again swaps everything back. Returns the number of pages swapped.
 */
export function restoreHighmem(state: ResumeState): number {
  const { machine, store } = state;
  const ret = machine.engine.restoreHighmem();
  if (ret < 0) throw engineError(machine, "restoreHighmem", ret);
  if (store) forEachPbe(state, L.CTX_HIGHMEM_PBLIST, (copy, orig) => store.swap(copy, orig));
  return ret;
}
