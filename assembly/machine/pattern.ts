// Frame contents of the model: deterministic patterns, so that any frame can be checked without keeping a copy, and
// none of them written at boot: a frame nothing wrote since boot holds its pattern implicitly (resetTouchedFrames()).
//
// Every word of a pattern page is derived from (seed, pfn, word index); word 0 is odd, so a pattern page is never
// all zero. The boot kernel's frames get one pattern, every other frame "leftover RAM" of another, and the image
// kernel's pages a third, each from its own seed.
import { CTX_NR_FRAMES, CTX_BOOT_MAP, CTX_WRITTEN_MAP, PFN_ENTRY_SIZE } from "../portable/layout";
import { frameWritten, markWritten } from "./allocator";
import { ctx32, pageSize, pfnToVirt, pfnValid } from "../common";
import { ENTRY_PFN, ENTRY_ZERO } from "../pfnEntry";

// @ts-ignore: decorator
@inline const GOLDEN: u64 = 0x9e3779b97f4a7c15;

/** Tags that derive the two seeds of a booted machine from one. */
export const BOOT_TAG: u64 = 0xb007b007b007b007;
export const LEFTOVER_TAG: u64 = 0x1ef7071ef7071ef7;

// @ts-ignore: decorator
@inline function mix64(x: u64): u64 {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9;
  x ^= x >> 27;
  x *= 0x94d049bb133111eb;
  x ^= x >> 31;
  return x;
}

// @ts-ignore: decorator
@inline function pageBase(seed: u64, pfn: u32): u64 {
  return mix64(seed ^ (<u64>pfn * GOLDEN)) | 1;
}

/** fillPatternPage - Write the pattern of (@seed, @pfn) into the page at @addr. */
export function fillPatternPage(addr: usize, seed: u64, pfn: u32): void {
  const base = pageBase(seed, pfn);
  const words = pageSize() >> 3;
  let x = base;
  for (let i: u32 = 0; i < words; i++) {
    store<u64>(addr + (<usize>i << 3), x);
    x += GOLDEN;
  }
}

/** patternPageMatches - True if the page at @addr holds the pattern of (@seed, @pfn). */
export function patternPageMatches(addr: usize, seed: u64, pfn: u32): bool {
  const base = pageBase(seed, pfn);
  const words = pageSize() >> 3;
  let x = base;
  for (let i: u32 = 0; i < words; i++) {
    if (load<u64>(addr + (<usize>i << 3)) != x) return false;
    x += GOLDEN;
  }
  return true;
}

/** pageIsZero - True if every byte of the page at @addr is 0 (the OR-of-all-words test of copy_data_pages()). */
export function pageIsZero(addr: usize): bool {
  const words = pageSize() >> 3;
  let acc: u64 = 0;
  for (let i: u32 = 0; i < words; i++) acc |= load<u64>(addr + (<usize>i << 3));
  return acc == 0;
}

// @ts-ignore: decorator
@inline export function bootFrame(pfn: u32): bool {
  const w = <usize>ctx32(CTX_BOOT_MAP) + (<usize>(pfn >> 6) << 3);
  return ((load<u64>(w) >> <u64>(pfn & 63)) & 1) != 0;
}

/** expectedSeed - The seed of the pattern that frame @pfn held when the machine booted. */
// @ts-ignore: decorator
@inline export function bootSeedOf(seed: u64, pfn: u32): u64 {
  return bootFrame(pfn) ? seed ^ BOOT_TAG : seed ^ LEFTOVER_TAG;
}

/**
 * resetWrittenFrames - Boot the machine's frames lazily: every frame written (or handed out) since the last boot is
 * cleared, and the written map with it. A frame whose memory is all zero and whose written bit is clear holds its
 * boot-time pattern (the boot kernel's, or leftover RAM's): frameContents() produces it when something reads it, and
 * verification checks that such frames are still zero. Costs what the last run wrote, not the machine's size.
 */
export function resetWrittenFrames(): void {
  const map = <usize>ctx32(CTX_WRITTEN_MAP);
  const words = (ctx32(CTX_NR_FRAMES) + 63) >> 6;
  const size = <usize>pageSize();
  for (let i: u32 = 0; i < words; i++) {
    let w = load<u64>(map + (<usize>i << 3));
    if (w == 0) continue;
    store<u64>(map + (<usize>i << 3), 0);
    while (w != 0) {
      memory.fill(pfnToVirt((i << 6) + <u32>ctz(w)), 0, size);
      w &= w - 1;
    }
  }
}

/**
 * frameContents - What frame @pfn holds, into @dst: its memory once written since boot, else its boot-time pattern
 * (of @seed), produced now.
 */
export function frameContents(pfn: u32, seed: u64, dst: usize): void {
  if (frameWritten(pfn)) memory.copy(dst, pfnToVirt(pfn), <usize>pageSize());
  else fillPatternPage(dst, bootSeedOf(seed, pfn), pfn);
}

/**
 * fillImageFrames - Give the image kernel's saveable pages their contents: @n PFN entries at @entries (u64,
 * kernel/power/snapshot.c: pack_pfns()); a zero-flagged entry's frame is cleared, any other gets the pattern of (@seed,
 * pfn). The flag is then dropped: copy_data_pages() finds zero pages by their contents (markZeroEntries).
 */
export function fillImageFrames(entries: usize, n: u32, seed: u64): void {
  for (let i: u32 = 0; i < n; i++) {
    const at = entries + <usize>i * PFN_ENTRY_SIZE;
    const entry = load<u64>(at);
    const pfn = <u32>(entry & ENTRY_PFN);
    markWritten(pfn);
    const addr = pfnToVirt(pfn);
    if (entry & ENTRY_ZERO) memory.fill(addr, 0, <usize>pageSize());
    else fillPatternPage(addr, seed, pfn);
    store<u64>(at, entry & ENTRY_PFN);
  }
}
