/**
 * Page 0 of a swap area: union swap_header (include/linux/swap.h, mkswap's fields) and, when the area holds a
 * hibernation image, struct swsusp_header (kernel/power/swap.c) in the same page — the same on x86_64 and i386
 * (sector_t is u64 on both).
 *
 * ╒════════════ page 0 of a swap area (x86_64 and i386, packed) ═══╕
 * │ bootbits                                                      │ 0
 * │ u32 version, u32 last_page, u32 nr_badpages                   │ 1024, 1028, 1032   (mkswap, SWAPSPACE2)
 * │ sws_uuid[16], sws_volume[16]                                  │ 1036, 1052
 * │ … swsusp_header.reserved                                      │
 * │ u32 hw_sig                                                    │ 4056 (0xFD8)   v5.17+
 * │ u32 crc32                                                     │ 4060 (0xFDC)   crc32_le of the stream
 * │ u64 image     block of the first swap map page                │ 4064 (0xFE0)
 * │ u32 flags     SF_*                                            │ 4072 (0xFE8)
 * │ char orig_sig[10]  the swap signature it replaced             │ 4076 (0xFEC)
 * │ char sig[10]       "S1SUSPEND\0" …                            │ 4086 (0xFF6)
 * └───────────────────────────────────────────────────────────────┘ 4096
 */

import { type ExactValue, exact } from "./exact.js";

export const SWSUSP_HW_SIG = 4056;
export const SWSUSP_CRC32 = 4060;
export const SWSUSP_IMAGE = 4064;
export const SWSUSP_FLAGS = 4072;
export const SWSUSP_ORIG_SIG = 4076;
export const SWSUSP_SIG = 4086;
export const SWAP_VERSION = 1024;
export const SWAP_LAST_PAGE = 1028;
export const SWAP_NR_BADPAGES = 1032;
export const SWAP_UUID = 1036;
export const SWAP_LABEL = 1052;

/** swsusp_header.flags bits (kernel/power/power.h). */
export const SF_PLATFORM_MODE = 1;
export const SF_NOCOMPRESS_MODE = 2;
export const SF_CRC32_MODE = 4;
export const SF_HW_SIG = 8;
export const SF_COMPRESSION_ALG_LZ4 = 16;

const FLAG_NAMES: [number, string][] = [
  [SF_PLATFORM_MODE, "SF_PLATFORM_MODE"],
  [SF_NOCOMPRESS_MODE, "SF_NOCOMPRESS_MODE"],
  [SF_CRC32_MODE, "SF_CRC32_MODE"],
  [SF_HW_SIG, "SF_HW_SIG"],
  [SF_COMPRESSION_ALG_LZ4, "SF_COMPRESSION_ALG_LZ4"],
];

/** What the signature at 0xFF6 says the area is. */
export type SwapSignatureKind = "hibernation" | "hibernation-other" | "swap";

const SIGNATURES: Record<string, { kind: SwapSignatureKind; name: string }> = {
  "S1SUSPEND\0": { kind: "hibernation", name: "S1SUSPEND (in-kernel swsusp image)" },
  LINHIB0001: { kind: "hibernation", name: "LINHIB0001 (swsusp image, 2.6.37-era signature)" },
  "ULSUSPEND\0": { kind: "hibernation-other", name: "ULSUSPEND (userspace suspend image, uswsusp)" },
  "S2SUSPEND\0": { kind: "hibernation-other", name: "S2SUSPEND (userspace suspend image, uswsusp)" },
  SWAPSPACE2: { kind: "swap", name: "SWAPSPACE2 (swap area, no hibernation image)" },
  "SWAP-SPACE": { kind: "swap", name: "SWAP-SPACE (old-style swap area, no hibernation image)" },
};

/** Page 0 of a swap area, decoded. */
export interface SwapHeader {
  /** The 10 signature bytes, printable. */
  signature: string;
  /** What it means, in words. */
  signatureName: string;
  kind: SwapSignatureKind | "unknown";
  origSig: string;
  hwSig: number;
  crc32: number;
  /** Block of the first swap map page (sector_t, exact: text when above 2^53). */
  image: ExactValue;
  flags: number;
  flagNames: string[];
  /** mkswap's fields. */
  swap: { version: number; lastPage: number; nrBadpages: number; uuid: string; label: string };
}

function text(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString("latin1")
    .replace(/\0+$/, "")
    .replace(/[^\x20-\x7e]/g, ".");
}

function uuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** flagNames - The SF_* names of @flags (and "0x…" for unknown bits). */
export function flagNames(flags: number): string[] {
  const names = FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name);
  const unknown = flags & ~FLAG_NAMES.reduce((m, [bit]) => m | bit, 0);
  if (unknown) names.push(`0x${unknown.toString(16)}`);
  return names;
}

/** decodeSwapHeader - Decode page 0 (4096 bytes) of a swap area. */
export function decodeSwapHeader(page: Buffer): SwapHeader {
  const sigBytes = page.subarray(SWSUSP_SIG, SWSUSP_SIG + 10);
  const known = SIGNATURES[sigBytes.toString("latin1")];
  const flags = page.readUInt32LE(SWSUSP_FLAGS);
  return {
    signature: text(sigBytes),
    signatureName: known?.name ?? `unknown signature "${text(sigBytes)}"`,
    kind: known?.kind ?? "unknown",
    origSig: text(page.subarray(SWSUSP_ORIG_SIG, SWSUSP_ORIG_SIG + 10)),
    hwSig: page.readUInt32LE(SWSUSP_HW_SIG),
    crc32: page.readUInt32LE(SWSUSP_CRC32),
    image: exact(page.readBigUInt64LE(SWSUSP_IMAGE)),
    flags,
    flagNames: flagNames(flags),
    swap: {
      version: page.readUInt32LE(SWAP_VERSION),
      lastPage: page.readUInt32LE(SWAP_LAST_PAGE),
      nrBadpages: page.readUInt32LE(SWAP_NR_BADPAGES),
      uuid: uuid(page.subarray(SWAP_UUID, SWAP_UUID + 16)),
      label: text(page.subarray(SWAP_LABEL, SWAP_LABEL + 16)),
    },
  };
}

/** looksLikeSwapArea - True if page 0's signature is one thaw knows (a swap area or a hibernation image). */
export function looksLikeSwapArea(page: Buffer): boolean {
  return page.length >= 4096 && SIGNATURES[page.subarray(SWSUSP_SIG, SWSUSP_SIG + 10).toString("latin1")] !== undefined;
}
