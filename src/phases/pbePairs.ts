import * as L from "../../assembly/portable/layout.js";
import { PLAN_BATCH } from "../machine/machine.js";
import type { ResumeState } from "./state.js";

/**
 * forEachPbe - Walk the PBE list whose head is the CTX field @head (restore_pblist or highmem_pblist) for a machine
 * whose frames live in a contents store: the engine reads the chain a batch at a time into the plan region
 * (pbePairs()), and @each gets every PBE's copy and original PFN, in chain order.
 */
export function forEachPbe(
  state: Pick<ResumeState, "machine">,
  head: number,
  each: (copy: number, orig: number) => void,
): number {
  const { machine } = state;
  const out = machine.arena.plan;
  let walked = 0;
  for (let pbe = machine.ctx(head); pbe !== 0; ) {
    const n = machine.engine.pbePairs(pbe, out, PLAN_BATCH / 2);
    const pairs = machine.mem.u32s(out, n * 2);
    for (let i = 0; i < n; i++) each(pairs[2 * i]!, pairs[2 * i + 1]!);
    walked += n;
    pbe = machine.ctx(L.CTX_SCRATCH);
  }
  return walked;
}
