/**
 * struct swsusp_info (§3.4): stream page 0 of the image, at the block of swap map entry 0.
 *
 * ╒═══════════════ swsusp_info (x86_64) ═══════════════╕
 * │ uts (6 × 65) — or the x86 restore_data_record:     │ 0x000
 * │   jump_address, jump_address_phys, cr3, magic,     │   @0, @8, @16, @24
 * │   e820_checksum                                    │   @32
 * │ u32 version_code                                   │ 0x188
 * │ unsigned long num_physpages                        │ 0x190
 * │ int cpus                                           │ 0x198
 * │ unsigned long image_pages                          │ 0x1A0
 * │ unsigned long pages                                │ 0x1A8
 * │ unsigned long size                                 │ 0x1B0
 * └────────────────────────────────────────────────────┘ 4096
 */

/** RESTORE_MAGIC of the x86_64 arch header: 0x…02 with the e820 CRC32 (≈2022 on), 0x…01 with the MD5 digest. */
export const RESTORE_MAGIC_CRC = 0x23456789abcdef02n;
export const RESTORE_MAGIC_MD5 = 0x23456789abcdef01n;

/** A decoded swsusp_info page. */
export interface SwsuspInfo {
  versionCode: number;
  numPhyspages: number;
  cpus: number;
  imagePages: number;
  pages: number;
  size: number;
  /** The x86_64 restore record, when its magic is there. */
  arch: { jumpAddress: string; jumpAddressPhys: string; cr3: string; magic: string; e820Checksum: string } | null;
  uts: { sysname: string; release: string; version: string; machine: string } | null;
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

function cString(page: Buffer, at: number, length: number): string {
  const bytes = page.subarray(at, at + length);
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? length : end).toString("latin1");
}

/** decodeSwsuspInfo - Decode the swsusp_info page. */
export function decodeSwsuspInfo(page: Buffer): SwsuspInfo {
  const magic = page.readBigUInt64LE(24);
  const isArch = magic === RESTORE_MAGIC_CRC || magic === RESTORE_MAGIC_MD5;
  const big = (at: number) => page.readBigUInt64LE(at);
  const num = (at: number) => {
    const v = big(at);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  };
  return {
    versionCode: page.readUInt32LE(0x188),
    numPhyspages: num(0x190),
    cpus: page.readInt32LE(0x198),
    imagePages: num(0x1a0),
    pages: num(0x1a8),
    size: num(0x1b0),
    arch: isArch
      ? {
          jumpAddress: hex(big(0)),
          jumpAddressPhys: hex(big(8)),
          cr3: hex(big(16)),
          magic: hex(magic),
          e820Checksum: hex(big(32) & 0xffffffffn),
        }
      : null,
    uts: isArch
      ? null
      : {
          sysname: cString(page, 0, 65),
          release: cString(page, 130, 65),
          version: cString(page, 195, 65),
          machine: cString(page, 260, 65),
        },
  };
}
