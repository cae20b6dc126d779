/**
 * Where HighMem starts in the machine a Linux image came from. The image does not say: it is max_low_pfn of the
 * kernel that wrote it (arch/x86/mm/init_32.c: lowmem_pfn_init() / highmem_pfn_init()), which is
 * min(max_pfn, MAXMEM >> PAGE_SHIFT) with MAXMEM = VMALLOC_END − PAGE_OFFSET − __VMALLOC_RESERVE
 * (arch/x86/include/asm/pgtable_32_areas.h). VMALLOC_END sits two pages below the persistent-kmap area, whose place
 * follows the fixmap and the CPU entry area, so the boundary depends on the kernel's build as well as on its RAM:
 * 880 MiB − 8 KiB (PFN 225278) for Debian's 686-pae 6.1 kernel, 886 MiB − 8 KiB (PFN 226814) for a tiny 6.1 build,
 * both below the classic 896 MiB. The resuming kernel is the same kernel on the same machine, so it has the same
 * boundary. x86_64 has no HighMem.
 *
 * The writing kernel's boot log gives the exact value: "low ram: 0 - 375fe000" (max_low_pfn << PAGE_SHIFT).
 */
import { ConfigError } from "../../errors.js";
import { parseSize } from "../../util/units.js";
import type { LinuxArch } from "./swsuspInfo.js";

/**
 * Where HighMem starts, as a user gives it: bytes (a number, or text such as "880MiB" or "0x375fe000", the
 * "low ram: 0 - X" figure), a PFN ("pfn:226814"), or false / "none" for no HighMem.
 */
export type HighmemOption = number | string | false;

/** thaw's estimate of max_low_pfn for a 32-bit image when none is given: Debian 686-pae 6.1's (880 MiB − 8 KiB). */
export const I386_MAX_LOW_PFN_ESTIMATE = 225278;

/** Where HighMem starts in the model, and where the figure came from. */
export interface HighmemBoundary {
  /** First HighMem PFN; undefined for no HighMem. */
  startPfn: number | undefined;
  source: "given" | "estimate" | "none";
}

const PAGE = 4096;

function bad(value: unknown, why: string): never {
  throw new ConfigError(
    `highmem must be a size in bytes (880MiB, 0x375fe000: the "low ram: 0 - X" line of the writing kernel's boot log), pfn:N or none; ${why}`,
    { kind: "option", name: "highmem", value: typeof value === "number" ? value : String(value) },
  );
}

/**
 * parseHighmem - The first HighMem PFN @value names (undefined: no HighMem).
 * @throws ConfigError naming the option and the value.
 */
export function parseHighmem(value: HighmemOption): number | undefined {
  if (value === false || value === "none") return undefined;
  let pfn: number;
  if (typeof value === "number") pfn = Math.ceil(value / PAGE);
  else if (typeof value === "string") {
    const text = value.trim();
    const m = /^pfn:\s*(\d+)$/i.exec(text);
    if (m) pfn = Number(m[1]);
    else if (/^0x[0-9a-f]+$/i.test(text)) pfn = Math.ceil(Number(text) / PAGE);
    else {
      try {
        pfn = Math.ceil(parseSize(text) / PAGE);
      } catch {
        return bad(value, `got "${value}"`);
      }
    }
  } else return bad(value, `got ${JSON.stringify(value)}`);
  if (!Number.isSafeInteger(pfn) || pfn < 1 || pfn > 0xffffffff)
    return bad(value, `got ${JSON.stringify(value)} (PFN ${pfn}): HighMem starts at a PFN from 1 to 4294967295`);
  return pfn;
}

/** highmemBoundary - Where HighMem starts for an image written by an @arch kernel, given @option (if any). */
export function highmemBoundary(arch: LinuxArch, option: HighmemOption | undefined): HighmemBoundary {
  if (option !== undefined) {
    const startPfn = parseHighmem(option);
    return { startPfn, source: startPfn === undefined ? "none" : "given" };
  }
  return arch === "i386"
    ? { startPfn: I386_MAX_LOW_PFN_ESTIMATE, source: "estimate" }
    : { startPfn: undefined, source: "none" };
}

/** estimateWarning - What the output says when the boundary is thaw's estimate. */
export function estimateWarning(startPfn: number): string {
  return `HighMem boundary not in the image: thaw estimates PFN ${startPfn} (${((startPfn * PAGE) / 2 ** 20).toFixed(2)} MiB, max_low_pfn of Debian's 686-pae 6.1 kernel; it depends on the writing kernel's build). Give the exact value with --highmem (option highmem): the "low ram: 0 - X" line of that kernel's boot log, e.g. --highmem 0x${(startPfn * PAGE).toString(16)}, or --highmem pfn:N`;
}
