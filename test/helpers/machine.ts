/**
 * Checks that a failed resume left the machine as it booted (§4.12).
 */
import { createHash } from "node:crypto";
import * as L from "../../assembly/portable/layout.js";
import type { Machine } from "../../src/machine/machine.js";

/** bootDigest - sha256 of every boot-kernel frame, in PFN order. */
export function bootDigest(machine: Machine): string {
  const hash = createHash("sha256");
  for (const pfn of machine.bootPfns) hash.update(machine.frame(pfn));
  return hash.digest("hex");
}

/** rollbackState - What must be back to its boot value after a failed resume. */
export function rollbackState(machine: Machine) {
  machine.setCtx(L.CTX_NR_MISMATCHES, 0);
  const changed = machine.engine.verifyUntouchedFrames(machine.arena.pfnList, 0, machine.bootSeed);
  return {
    freeLow: machine.ctx(L.CTX_NR_FREE_LOW) - machine.ctx(L.CTX_START_FREE_LOW),
    freeHigh: machine.ctx(L.CTX_NR_FREE_HIGH) - machine.ctx(L.CTX_START_FREE_HIGH),
    untouchedChanged: changed,
    bitmapsAlive: [L.CTX_FORBIDDEN_PAGES_MAP, L.CTX_FREE_PAGES_MAP, L.CTX_COPY_BM, L.CTX_ZERO_BM, L.CTX_ORIG_BM, L.CTX_SAFE_HIGHMEM_BM]
      .filter((field) => machine.ctx(field) !== 0).length,
    restorePblist: machine.ctx(L.CTX_RESTORE_PBLIST),
  };
}

/** The rollback state of a machine that lost nothing. */
export const CLEAN = { freeLow: 0, freeHigh: 0, untouchedChanged: 0, bitmapsAlive: 0, restorePblist: 0 };
