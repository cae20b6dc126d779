// The last two steps of a resume: restore_highmem() (kernel/power/snapshot.c) and the atomic copy of core_restore_code
// (arch/x86/power/hibernate_asm_64.S).
import {
  CTX_RESTORE_PBLIST, CTX_HIGHMEM_PBLIST, CTX_NR_COPIED, CTX_NR_HIGHMEM_SWAPPED, NO_PFN, PG_SAFE, PG_UNSAFE_CLEAR,
  CTX_COPY_CURSOR, CTX_SCRATCH,
  PBE_ADDRESS, PBE_ORIG_ADDRESS, PBE_NEXT, HIGHMEM_PBE_COPY_PAGE, HIGHMEM_PBE_ORIG_PAGE, HIGHMEM_PBE_NEXT,
} from "./portable/layout";
import { ctx32, setCtx32, lastError, pfnToVirt, physToPfn, copyPage } from "./common";
import { getImagePage, freeImagePage, hasContents } from "./pages";
import { markWritten } from "./machine/allocator";

/**
 * restore_highmem - Swap every highmem PBE's copy with its original frame through one temporary safe page.
 *
 * Runs just before the atomic copy. A swap is its own inverse: if the resume fails after this, a second call puts the
 * boot kernel's highmem back. Returns the number of pages swapped, or -ENOMEM.
 */
export function restoreHighmem(): i32 {
  let pbe = <usize>ctx32(CTX_HIGHMEM_PBLIST);
  if (pbe == 0) return 0;
  const tmpPfn = getImagePage(PG_SAFE);
  if (tmpPfn == NO_PFN) return lastError();
  const tmp = pfnToVirt(tmpPfn);
  const contents = hasContents();
  let n: i32 = 0;
  while (pbe != 0) {
    if (contents) {
      const copy = pfnToVirt(physToPfn(load<u64>(pbe, HIGHMEM_PBE_COPY_PAGE)));
      const orig = pfnToVirt(physToPfn(load<u64>(pbe, HIGHMEM_PBE_ORIG_PAGE)));
      copyPage(tmp, copy);
      copyPage(copy, orig);
      copyPage(orig, tmp);
      markWritten(physToPfn(load<u64>(pbe, HIGHMEM_PBE_ORIG_PAGE)));
    }
    n++;
    pbe = <usize>load<u64>(pbe, HIGHMEM_PBE_NEXT);
  }
  freeImagePage(tmpPfn, PG_UNSAFE_CLEAR);
  setCtx32(CTX_NR_HIGHMEM_SWAPPED, ctx32(CTX_NR_HIGHMEM_SWAPPED) + <u32>n);
  return n;
}

/**
 * core_restore_code - The atomic copy: walk restore_pblist and copy each PBE's page to its original frame.
 *
 * The loop of arch/x86/power/hibernate_asm_64.S: `rep movsq` of PAGE_SIZE bytes from pbe->address to
 * pbe->orig_address, then pbe = pbe->next until NULL. Every source is a safe page, so the order does not matter.
 * On a placement-only machine the chain is walked without copying. At most @max PBEs per call, from where
 * the last call stopped (CTX_COPY_CURSOR; the host calls until it returns 0). Returns the PBEs handled by this call.
 */
export function atomicCopy(max: u32): u32 {
  let n: u32 = 0;
  const contents = hasContents();
  let pbe = <usize>ctx32(CTX_COPY_CURSOR);
  if (ctx32(CTX_NR_COPIED) == 0 && pbe == 0) pbe = <usize>ctx32(CTX_RESTORE_PBLIST);
  for (; pbe != 0 && n < max; pbe = <usize>load<u64>(pbe, PBE_NEXT)) {
    if (contents) {
      const origPfn = physToPfn(load<u64>(pbe, PBE_ORIG_ADDRESS));
      copyPage(pfnToVirt(origPfn), pfnToVirt(physToPfn(load<u64>(pbe, PBE_ADDRESS))));
      markWritten(origPfn);
    }
    n++;
  }
  setCtx32(CTX_COPY_CURSOR, <u32>pbe);
  setCtx32(CTX_NR_COPIED, ctx32(CTX_NR_COPIED) + n);
  return n;
}

/**
 * pbePairs - Read a PBE chain for a host that moves page contents itself (a machine whose frames live in a contents
 * store): from the PBE at @pbe (a list head, or the cursor a previous call left), write at most @max (copy, orig) u32
 * PFN pairs to @out. struct pbe and struct highmem_pbe share one shape, so either list reads alike. Returns the pairs
 * written; the PBE to continue from (0 at the end) is left in CTX_SCRATCH.
 */
export function pbePairs(pbe: usize, out: usize, max: u32): u32 {
  let n: u32 = 0;
  for (; pbe != 0 && n < max; pbe = <usize>load<u64>(pbe, PBE_NEXT)) {
    store<u32>(out + (<usize>n << 3), physToPfn(load<u64>(pbe, PBE_ADDRESS)));
    store<u32>(out + (<usize>n << 3) + 4, physToPfn(load<u64>(pbe, PBE_ORIG_ADDRESS)));
    n++;
  }
  setCtx32(CTX_SCRATCH, <u32>pbe);
  return n;
}
