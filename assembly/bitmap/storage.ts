// Clearing a slot's storage for a new bitmap: only where an earlier bitmap of the slot may have left bits.
import { BMD_DIRTY_END } from "../portable/layout";

/**
 * storageClear - Zero [@from, @to) of the slot of @bm for a bitmap that will use it, and record @to as written.
 *
 * A slot's bytes from BMD_DIRTY_END on have not been written since the memory was made, so they are zero already
 * (a fresh WebAssembly memory is): only [@from, dirty_end) is filled. A fresh slot is not filled at all, so a flat map
 * of a 12 TiB machine (384 MiB) does not fault in and zero every page of its slot at memory_bm_create(); its pages
 * are touched when its bits are. memory_bm_free() leaves dirty_end where it is: the bits stay until the next create.
 */
export function storageClear(bm: usize, from: usize, to: usize): void {
  const dirty = <usize>load<u32>(bm, BMD_DIRTY_END);
  if (dirty > from) memory.fill(from, 0, (to < dirty ? to : dirty) - from);
  if (to > dirty) store<u32>(bm, <u32>to, BMD_DIRTY_END);
}
