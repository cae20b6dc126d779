/**
 * The ELF format: a core file (ET_CORE) with one PT_LOAD per run of consecutive PFNs, p_paddr its physical address,
 * as /proc/vmcore presents a crashed kernel's memory (fs/proc/vmcore.c, kernel/crash_core.c:
 * crash_prepare_elf64_headers()), so that readelf, gdb, crash and Volatility read it.
 *
 * ELF64 for 64-bit kernels; ELF32 for 32-bit ones when every address and offset fits 32 bits, else ELF64 with
 * EM_386, as kexec-tools writes the core of an i386 PAE machine with memory above 4 GiB. p_vaddr is p_paddr: gdb
 * addresses a core by p_vaddr, so `x/16xb 0x1000` reads physical address 0x1000; tools that want physical
 * addresses read p_paddr either way. No PT_NOTE: the image holds no CPU registers and no vmcoreinfo.
 *
 * More than 65534 segments do not fit e_phnum: it is then PN_XNUM and section header 0 carries the count in sh_info
 * (fs/binfmt_elf.c: fill_extnum_info()). Segment data starts at the first page boundary after the headers.
 */
import type { DumpChunk, DumpGeometry, DumpPlan } from "./format.js";
import type { DumpLayout } from "./layout.js";

const ET_CORE = 4;
/** EM_386 and EM_X86_64: the machines of the kernels whose images thaw reads. */
const EM_386 = 3;
const EM_X86_64 = 62;
const PT_LOAD = 1;
/** PF_R | PF_W | PF_X, as /proc/vmcore's PT_LOADs. */
const PF_RWX = 7;
/** PN_XNUM - e_phnum when the count is in section header 0. */
export const PN_XNUM = 0xffff;
/** Program headers encoded per chunk the plan yields. */
const CHUNK_PHDRS = 16384;

/** The sizes of one ELF class. */
interface ElfClass {
  bits: 32 | 64;
  ehdr: number;
  phdr: number;
  shdr: number;
}

const ELF32: ElfClass = { bits: 32, ehdr: 52, phdr: 32, shdr: 40 };
const ELF64: ElfClass = { bits: 64, ehdr: 64, phdr: 56, shdr: 64 };

/** planElf - The ELF core plan of @layout. */
export function planElf(layout: DumpLayout, { pageSize, wordBytes }: DumpGeometry): DumpPlan {
  const segments = layout.runs;
  const extnum = segments >= PN_XNUM;
  const headerBytes = (c: ElfClass) => c.ehdr + segments * c.phdr + (extnum ? c.shdr : 0);
  const dataStartOf = (c: ElfClass) => Math.ceil(headerBytes(c) / pageSize) * pageSize;
  const last = layout.pfns.length ? layout.pfns[layout.pfns.length - 1]! + 1 : 0;
  const fits32 = last * pageSize <= 2 ** 32 && dataStartOf(ELF32) + layout.pfns.length * pageSize <= 2 ** 32;
  const elf = wordBytes === 4 && fits32 ? ELF32 : ELF64;
  const machine = wordBytes === 4 ? EM_386 : EM_X86_64;
  const dataStart = dataStartOf(elf);
  const runOffset = (r: number) => dataStart + layout.first[r]! * pageSize;
  return {
    format: "elf",
    description: `ELF${elf.bits} core, ${machine === EM_386 ? "EM_386" : "EM_X86_64"}, ${segments} PT_LOAD`,
    fileSize: dataStart + layout.pfns.length * pageSize,
    runOffset,
    *headers(): Iterable<DumpChunk> {
      yield { position: 0, bytes: elfHeader(elf, machine, segments, extnum) };
      for (let r = 0; r < segments; r += CHUNK_PHDRS) {
        const n = Math.min(CHUNK_PHDRS, segments - r);
        const bytes = new Uint8Array(n * elf.phdr);
        const view = new DataView(bytes.buffer);
        for (let k = 0; k < n; k++) {
          const run = r + k;
          const paddr = layout.pfns[layout.first[run]!]! * pageSize;
          const size = layout.count[run]! * pageSize;
          writePhdr(view, k * elf.phdr, elf, runOffset(run), paddr, size);
        }
        yield { position: elf.ehdr + r * elf.phdr, bytes };
      }
      if (extnum) yield { position: elf.ehdr + segments * elf.phdr, bytes: extnumSection(elf, segments) };
    },
  };
}

/** elfHeader - The ELF header of a core of @segments PT_LOADs, program headers right after it. */
function elfHeader(elf: ElfClass, machine: number, segments: number, extnum: boolean): Uint8Array {
  const bytes = new Uint8Array(elf.ehdr);
  const view = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, elf.bits === 64 ? 2 : 1, 1, 1, 0]);
  view.setUint16(16, ET_CORE, true);
  view.setUint16(18, machine, true);
  view.setUint32(20, 1, true);
  const shoff = extnum ? elf.ehdr + segments * elf.phdr : 0;
  const phnum = extnum ? PN_XNUM : segments;
  if (elf.bits === 64) {
    view.setBigUint64(24, 0n, true);
    view.setBigUint64(32, BigInt(elf.ehdr), true);
    view.setBigUint64(40, BigInt(shoff), true);
    view.setUint32(48, 0, true);
    view.setUint16(52, elf.ehdr, true);
    view.setUint16(54, elf.phdr, true);
    view.setUint16(56, phnum, true);
    view.setUint16(58, extnum ? elf.shdr : 0, true);
    view.setUint16(60, extnum ? 1 : 0, true);
    view.setUint16(62, 0, true);
  } else {
    view.setUint32(24, 0, true);
    view.setUint32(28, elf.ehdr, true);
    view.setUint32(32, shoff, true);
    view.setUint32(36, 0, true);
    view.setUint16(40, elf.ehdr, true);
    view.setUint16(42, elf.phdr, true);
    view.setUint16(44, phnum, true);
    view.setUint16(46, extnum ? elf.shdr : 0, true);
    view.setUint16(48, extnum ? 1 : 0, true);
    view.setUint16(50, 0, true);
  }
  return bytes;
}

/** writePhdr - One PT_LOAD at @at of @view: @size bytes at file @offset for physical address @paddr. */
function writePhdr(view: DataView, at: number, elf: ElfClass, offset: number, paddr: number, size: number): void {
  if (elf.bits === 64) {
    view.setUint32(at, PT_LOAD, true);
    view.setUint32(at + 4, PF_RWX, true);
    view.setBigUint64(at + 8, BigInt(offset), true);
    view.setBigUint64(at + 16, BigInt(paddr), true);
    view.setBigUint64(at + 24, BigInt(paddr), true);
    view.setBigUint64(at + 32, BigInt(size), true);
    view.setBigUint64(at + 40, BigInt(size), true);
    view.setBigUint64(at + 48, 0n, true);
  } else {
    view.setUint32(at, PT_LOAD, true);
    view.setUint32(at + 4, offset, true);
    view.setUint32(at + 8, paddr, true);
    view.setUint32(at + 12, paddr, true);
    view.setUint32(at + 16, size, true);
    view.setUint32(at + 20, size, true);
    view.setUint32(at + 24, PF_RWX, true);
    view.setUint32(at + 28, 0, true);
  }
}

/** extnumSection - Section header 0 of a core with PN_XNUM: sh_info holds the real segment count. */
function extnumSection(elf: ElfClass, segments: number): Uint8Array {
  const bytes = new Uint8Array(elf.shdr);
  new DataView(bytes.buffer).setUint32(elf.bits === 64 ? 44 : 28, segments, true);
  return bytes;
}
