// Accessors for the CTX record and the machine's frames, shared by every engine file.
import {
  CTX_START, CTX_PAGE_SHIFT, CTX_PAGE_SIZE, CTX_FRAMES_BASE, CTX_NR_FRAMES, CTX_HIGHMEM_START_PFN,
  CTX_NR_HOLES, CTX_NR_NOSAVE, HOLES_START, NOSAVE_START, RANGE_SIZE, CTX_ERR_WHAT, CTX_ERR_VALUE, CTX_ERR_LIMIT,
  CTX_ERR_CODE,
} from "./portable/layout";

// @ts-ignore: decorator
@inline export const DEBUG = !ASC_NO_ASSERT;

/** ctx32 - Read a u32 field of the CTX record. */
// @ts-ignore: decorator
@inline export function ctx32(field: usize): u32 {
  return load<u32>(<usize>CTX_START + field);
}

/** setCtx32 - Write a u32 field of the CTX record. */
// @ts-ignore: decorator
@inline export function setCtx32(field: usize, value: u32): void {
  store<u32>(<usize>CTX_START + field, value);
}

/** incCtx32 - Add @delta to a u32 counter of the CTX record. */
// @ts-ignore: decorator
@inline export function incCtx32(field: usize, delta: u32 = 1): void {
  store<u32>(<usize>CTX_START + field, load<u32>(<usize>CTX_START + field) + delta);
}

// @ts-ignore: decorator
@inline export function pageShift(): u32 {
  return ctx32(CTX_PAGE_SHIFT);
}

// @ts-ignore: decorator
@inline export function pageSize(): u32 {
  return ctx32(CTX_PAGE_SIZE);
}

/** pfnToVirt - The direct-mapped (linear-memory) address of frame @pfn. */
// @ts-ignore: decorator
@inline export function pfnToVirt(pfn: u32): usize {
  return <usize>ctx32(CTX_FRAMES_BASE) + (<usize>pfn << <usize>pageShift());
}

/** virtToPfn - The frame that holds linear-memory address @addr. */
// @ts-ignore: decorator
@inline export function virtToPfn(addr: usize): u32 {
  return <u32>((addr - <usize>ctx32(CTX_FRAMES_BASE)) >> <usize>pageShift());
}

/** pfnToPhys - The simulated physical address of frame @pfn (what a PBE stores). */
// @ts-ignore: decorator
@inline export function pfnToPhys(pfn: u32): u64 {
  return <u64>pfn << <u64>pageShift();
}

/** physToPfn - The frame of simulated physical address @phys. */
// @ts-ignore: decorator
@inline export function physToPfn(phys: u64): u32 {
  return <u32>(phys >> <u64>pageShift());
}

/** PageHighMem - True if @pfn lies in the HighMem zone. */
// @ts-ignore: decorator
@inline export function pageHighMem(pfn: u32): bool {
  return pfn >= ctx32(CTX_HIGHMEM_START_PFN);
}

/** zeroPage - Clear one frame, as clear_page() does. */
// @ts-ignore: decorator
@inline export function zeroPage(addr: usize): void {
  memory.fill(addr, 0, <usize>pageSize());
}

/** copyPage - Copy one frame, as copy_page() does. */
// @ts-ignore: decorator
@inline export function copyPage(dst: usize, src: usize): void {
  memory.copy(dst, src, <usize>pageSize());
}

function inRanges(table: usize, count: u32, pfn: u32): bool {
  for (let i: u32 = 0; i < count; i++) {
    const r = table + <usize>i * RANGE_SIZE;
    if (pfn >= load<u32>(r) && pfn < load<u32>(r, 4)) return true;
  }
  return false;
}

/** pfn_valid - True if @pfn is a frame of the machine (inside it and not in a hole). */
export function pfnValid(pfn: u32): bool {
  return pfn < ctx32(CTX_NR_FRAMES) && !inRanges(HOLES_START, ctx32(CTX_NR_HOLES), pfn);
}

/** pfn_is_nosave - True if @pfn lies in a registered nosave region (kernel/power/snapshot.c: register_nosave_region()).
 * */
export function pfnIsNosave(pfn: u32): bool {
  return inRanges(NOSAVE_START, ctx32(CTX_NR_NOSAVE), pfn);
}

/**
 * fail - Record a failure and return -@code: the engine's one failure convention.
 * @code: the errno (ENOMEM, EFAULT, …, portable/errno.ts).
 * @what: what @value is (ERR_WHAT_*), and @limit the bound it broke.
 *
 * Whatever fails records here, at the point of failure (CTX_ERR_CODE, _WHAT, _VALUE, _LIMIT), and returns its
 * failure value: -errno from a function returning i32, NO_PFN from one returning a PFN, 0 from one returning an
 * address (never a valid one: the static data sits there). A caller that knows more may record again. Exports always
 * return i32: a count or PFN when they succeed, -errno with the record filled when they fail.
 */
export function fail(code: i32, what: u32, value: u64, limit: u64 = 0): i32 {
  setCtx32(CTX_ERR_CODE, <u32>code);
  setCtx32(CTX_ERR_WHAT, what);
  store<u64>(CTX_START + CTX_ERR_VALUE, value);
  store<u64>(CTX_START + CTX_ERR_LIMIT, limit);
  return -code;
}

/** lastError - -errno of the failure recorded last (0 if none since clearError()). */
// @ts-ignore: decorator
@inline export function lastError(): i32 {
  return -<i32>ctx32(CTX_ERR_CODE);
}

/** clearError - Forget the last failure, before a call whose failure must be told from its normal end. */
// @ts-ignore: decorator
@inline export function clearError(): void {
  setCtx32(CTX_ERR_CODE, 0);
}
