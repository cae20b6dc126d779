/**
 * struct swsusp_info (kernel/power/power.h): stream page 0 of the image, at the block of swap map entry 0. On x86 the
 * architecture's restore record (arch/x86/power/hibernate.c: struct restore_data_record) overlays `uts`, which is
 * then left unfilled (kernel/power/snapshot.c: init_header()). Its magic tells the word size of the kernel that wrote
 * the image, and with it the width of every `unsigned long` in the image.
 *
 * ╒══════════════ swsusp_info (x86_64) ══════════════╕   ╒══════════════ swsusp_info (i386) ══════════════╕
 * │ restore_data_record, five u64:                   │   │ restore_data_record, five u32:                  │
 * │   jump_address, jump_address_phys, cr3           │ 0 │   jump_address, jump_address_phys, cr3          │ 0
 * │   magic 0x23456789abcdef02 (…01)                 │24 │   magic 0x12345679                              │12
 * │   e820_checksum                                  │32 │   e820_checksum                                 │16
 * │ u32 version_code                                 │392│ u32 version_code                                │392
 * │ unsigned long num_physpages                      │400│ unsigned long num_physpages                     │396
 * │ int cpus                                         │408│ int cpus                                        │400
 * │ unsigned long image_pages                        │416│ unsigned long image_pages                       │404
 * │ unsigned long pages                              │424│ unsigned long pages                             │408
 * │ unsigned long size                               │432│ unsigned long size                              │412
 * └──────────────────────────────────────────────────┘   └─────────────────────────────────────────────────┘
 */
import { ImageFormatError } from "../../errors.js";
import { metaPagesFor, type PfnEntryBytes } from "../pfnEntry.js";
import { type ExactValue, readWord } from "./exact.js";

/** RESTORE_MAGIC of x86_64: 0x…02 with the e820 CRC32 (≈2022 on), 0x…01 with the older MD5 digest. */
export const RESTORE_MAGIC_CRC = 0x23456789abcdef02n;
export const RESTORE_MAGIC_MD5 = 0x23456789abcdef01n;
/** RESTORE_MAGIC of i386 (arch/x86/power/hibernate.c, CONFIG_X86_32). */
export const RESTORE_MAGIC_I386 = 0x12345679;

/** Architectures whose images thaw reads. */
export type LinuxArch = "i386" | "x86_64";

/** Frames a 32-bit x86 kernel can have: PAE addresses 36 bits (arch/x86/include/asm/sparsemem.h, MAX_PHYSMEM_BITS). */
export const I386_MAX_FRAMES = 2 ** 24;
/** Frames thaw models at most: PFNs are u32 and 0xffffffff is BM_END_OF_MAP. */
const X86_64_MAX_FRAMES = 0xffffffff;

interface InfoLayout {
  /** sizeof(unsigned long) = sizeof(size_t). */
  word: PfnEntryBytes;
  /** The restore record's five words. */
  record: readonly [jump: number, jumpPhys: number, cr3: number, magic: number, e820: number];
  versionCode: number;
  numPhyspages: number;
  cpus: number;
  imagePages: number;
  pages: number;
  size: number;
  maxFrames: number;
}

const LAYOUTS: Record<LinuxArch, InfoLayout> = {
  x86_64: {
    word: 8,
    record: [0, 8, 16, 24, 32],
    versionCode: 392,
    numPhyspages: 400,
    cpus: 408,
    imagePages: 416,
    pages: 424,
    size: 432,
    maxFrames: X86_64_MAX_FRAMES,
  },
  i386: {
    word: 4,
    record: [0, 4, 8, 12, 16],
    versionCode: 392,
    numPhyspages: 396,
    cpus: 400,
    imagePages: 404,
    pages: 408,
    size: 412,
    maxFrames: I386_MAX_FRAMES,
  },
};

/** A decoded and checked swsusp_info page. */
export interface SwsuspInfo {
  /** The kernel that wrote the image, by its restore record's magic. */
  arch: LinuxArch;
  /** sizeof(unsigned long) of that kernel: the width of PFN entries and of a compressed chunk's cmp_len. */
  wordSize: PfnEntryBytes;
  versionCode: number;
  numPhyspages: number;
  cpus: number;
  imagePages: number;
  pages: number;
  size: number;
  /** The x86 restore record, its words in hex. */
  restoreRecord: { jumpAddress: string; jumpAddressPhys: string; cr3: string; magic: string; e820Checksum: string };
}

const hex = (v: ExactValue | bigint) => `0x${BigInt(v).toString(16)}`;

function fieldError(message: string, name: string, value: ExactValue, limit?: number): ImageFormatError {
  return new ImageFormatError("EINVAL", message, {
    kind: "field",
    name,
    value,
    ...(limit !== undefined && { limit }),
  });
}

/**
 * archOf - The architecture whose restore record @page holds, by its magic (arch_hibernation_header_restore()).
 * @throws ImageFormatError (EPERM, "Image mismatch: architecture specific data", as check_header() fails) for any
 *   other magic, saying which layout the rest of the page reads as.
 */
export function archOf(page: Buffer): LinuxArch {
  const magic64 = page.readBigUInt64LE(LAYOUTS.x86_64.record[3]);
  if (magic64 === RESTORE_MAGIC_CRC || magic64 === RESTORE_MAGIC_MD5) return "x86_64";
  const magic32 = page.readUInt32LE(LAYOUTS.i386.record[3]);
  if (magic32 === RESTORE_MAGIC_I386) return "i386";
  const looksLike = (Object.keys(LAYOUTS) as LinuxArch[]).find((arch) => {
    const l = LAYOUTS[arch];
    const pages = BigInt(readWord(page, l.pages, l.word));
    const size = BigInt(readWord(page, l.size, l.word));
    return pages > 0n && size === BigInt.asUintN(l.word * 8, pages * 4096n);
  });
  const found =
    looksLike === "i386"
      ? `the fields read as an i386 swsusp_info, but its magic (byte 12) is ${hex(magic32)}, not ${hex(RESTORE_MAGIC_I386)}`
      : looksLike === "x86_64"
        ? `the fields read as an x86_64 swsusp_info, but its magic (byte 24) is ${hex(magic64)}, not ${hex(RESTORE_MAGIC_CRC)}`
        : `its magic is neither x86_64's ${hex(RESTORE_MAGIC_CRC)} (byte 24: ${hex(magic64)}) nor i386's ${hex(RESTORE_MAGIC_I386)} (byte 12: ${hex(magic32)})`;
  throw new ImageFormatError(
    "EPERM",
    `Image mismatch: architecture specific data — the x86 restore record is not one a kernel wrote: ${found}`,
    { kind: "field", name: "magic", value: hex(looksLike === "i386" ? magic32 : magic64) },
  );
}

/**
 * decodeSwsuspInfo - Decode the swsusp_info page in the word size its restore record names, and check what the page
 * alone can tell, every count bounded before anything it would cause (exact values in the errors):
 * num_physpages within what the architecture addresses; image_pages ≤ num_physpages; pages leaves at least one PFN
 * metadata page, and no more metadata pages than num_physpages distinct PFNs fill, nor fewer than image_pages need;
 * size = pages << PAGE_SHIFT in the kernel's `unsigned long`.
 * @throws ImageFormatError (EPERM for the restore record, EINVAL naming the field otherwise).
 */
export function decodeSwsuspInfo(page: Buffer): SwsuspInfo {
  const arch = archOf(page);
  const l = LAYOUTS[arch];
  const word = (at: number) => readWord(page, at, l.word);
  const numPhyspages = word(l.numPhyspages);
  const imagePages = word(l.imagePages);
  const pages = word(l.pages);
  const size = word(l.size);
  const bits = l.word * 8;
  if (typeof numPhyspages === "string" || numPhyspages === 0 || numPhyspages > l.maxFrames)
    throw fieldError(
      `swsusp_info.num_physpages is ${numPhyspages}: an ${arch} kernel has 1 to ${l.maxFrames} page frames`,
      "num_physpages",
      numPhyspages,
      l.maxFrames,
    );
  const present = numPhyspages;
  if (typeof imagePages === "string" || imagePages > present)
    throw fieldError(
      `image_pages (${imagePages}) exceeds num_physpages (${present})`,
      "image_pages",
      imagePages,
      present,
    );
  const data = imagePages;
  const maxMeta = metaPagesFor(present, 4096, l.word);
  const minMeta = Math.max(1, metaPagesFor(data, 4096, l.word));
  if (typeof pages === "string" || pages < data + 1 + minMeta || pages > data + 1 + maxMeta) {
    throw fieldError(
      `swsusp_info.pages (${pages}) leaves ${BigInt(pages) - BigInt(data) - 1n} PFN metadata pages beside ${data} image pages and the header: ${data} data pages need at least ${minMeta}, and ${present} page frames fill at most ${maxMeta} (${4096 / l.word} ${l.word}-byte entries a page)`,
      "pages",
      pages,
      data + 1 + maxMeta,
    );
  }
  const expected = BigInt.asUintN(bits, BigInt(pages) * 4096n);
  if (BigInt(size) !== expected)
    throw fieldError(
      `swsusp_info.size is ${size}, not pages << PAGE_SHIFT = ${expected}${arch === "i386" ? " (in a 32-bit unsigned long)" : ""}`,
      "size",
      size,
    );
  return {
    arch,
    wordSize: l.word,
    versionCode: page.readUInt32LE(l.versionCode),
    numPhyspages: present,
    cpus: page.readInt32LE(l.cpus),
    imagePages: data,
    pages,
    size: Number(size),
    restoreRecord: {
      jumpAddress: hex(word(l.record[0])),
      jumpAddressPhys: hex(word(l.record[1])),
      cr3: hex(word(l.record[2])),
      magic: hex(word(l.record[3])),
      e820Checksum: hex(BigInt(word(l.record[4])) & 0xffffffffn),
    },
  };
}
