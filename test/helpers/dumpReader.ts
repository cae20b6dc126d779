/**
 * Reading memory dumps back for tests, independently of src/dump/: the ELF program headers and LiME range headers
 * parsed from the bytes as their specifications lay them out, and a page of any physical frame found through them.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";

/** One physical range of a dump: @bytes bytes at file @offset for physical address @paddr. */
export interface DumpRange {
  paddr: number;
  offset: number;
  bytes: number;
}

/** A dump read back: its ranges (raw: one, from 0) and a page reader. */
export interface DumpView {
  ranges: DumpRange[];
  /** ELF: class (32 or 64) and e_machine. */
  elf?: { bits: number; machine: number; phnum: number };
  /** page - Frame @pfn's page, or undefined when no range holds it. */
  page(pfn: number): Uint8Array | undefined;
  close(): void;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return out.subarray(0, done);
}

function parseElf(fd: number): Pick<DumpView, "ranges" | "elf"> {
  const ehdr = readAt(fd, 0, 64);
  if (ehdr.readUInt32BE(0) !== 0x7f454c46) throw new Error("not an ELF file");
  const bits = ehdr[4] === 2 ? 64 : 32;
  const machine = ehdr.readUInt16LE(18);
  const phoff = bits === 64 ? Number(ehdr.readBigUInt64LE(32)) : ehdr.readUInt32LE(28);
  const shoff = bits === 64 ? Number(ehdr.readBigUInt64LE(40)) : ehdr.readUInt32LE(32);
  const phentsize = ehdr.readUInt16LE(bits === 64 ? 54 : 42);
  let phnum = ehdr.readUInt16LE(bits === 64 ? 56 : 44);
  if (phnum === 0xffff) phnum = readAt(fd, shoff, 64).readUInt32LE(bits === 64 ? 44 : 28);
  const table = readAt(fd, phoff, phnum * phentsize);
  const ranges: DumpRange[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = table.subarray(i * phentsize);
    if (p.readUInt32LE(0) !== 1) continue;
    if (bits === 64)
      ranges.push({
        offset: Number(p.readBigUInt64LE(8)),
        paddr: Number(p.readBigUInt64LE(24)),
        bytes: Number(p.readBigUInt64LE(32)),
      });
    else ranges.push({ offset: p.readUInt32LE(4), paddr: p.readUInt32LE(12), bytes: p.readUInt32LE(16) });
  }
  return { ranges, elf: { bits, machine, phnum } };
}

function parseLime(fd: number, size: number): DumpRange[] {
  const ranges: DumpRange[] = [];
  for (let at = 0; at < size; ) {
    const h = readAt(fd, at, 32);
    if (h.readUInt32LE(0) !== 0x4c694d45 || h.readUInt32LE(4) !== 1) throw new Error(`no LiME header at ${at}`);
    const s = Number(h.readBigUInt64LE(8));
    const e = Number(h.readBigUInt64LE(16));
    ranges.push({ paddr: s, offset: at + 32, bytes: e - s + 1 });
    at += 32 + e - s + 1;
  }
  return ranges;
}

/** openDump - Read the dump at @path in @format back. */
export function openDump(path: string, format: "raw" | "elf" | "lime", pageSize = 4096): DumpView {
  const fd = openSync(path, "r");
  const size = statSync(path).size;
  const parsed =
    format === "raw"
      ? { ranges: [{ paddr: 0, offset: 0, bytes: size }] }
      : format === "elf"
        ? parseElf(fd)
        : { ranges: parseLime(fd, size) };
  const sorted = [...parsed.ranges].sort((a, b) => a.paddr - b.paddr);
  return {
    ...parsed,
    page(pfn) {
      const address = pfn * pageSize;
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid]!.paddr + sorted[mid]!.bytes <= address) lo = mid + 1;
        else hi = mid;
      }
      const range = sorted[lo];
      if (!range || range.paddr > address) return undefined;
      return readAt(fd, range.offset + address - range.paddr, pageSize);
    },
    close: () => closeSync(fd),
  };
}
