/**
 * Dump formats: where each page of the restored memory goes in the file, and what headers say so. A plan is pure
 * arithmetic over a DumpLayout; the driver (dump.ts) writes the headers it yields and the pages where it says.
 */
import { ConfigError } from "../errors.js";
import type { DumpLayout } from "./layout.js";

/** The formats a dump is written in: raw (indexed by physical address), an ELF core, LiME. */
export const DUMP_FORMATS = ["raw", "elf", "lime"] as const;

/** A dump format. */
export type DumpFormat = (typeof DUMP_FORMATS)[number];

/** Bytes at a file offset. */
export interface DumpChunk {
  position: number;
  bytes: Uint8Array;
}

/** Where a format puts the pages of one layout. */
export interface DumpPlan {
  format: DumpFormat;
  /** What the format's header says about itself (e.g. "ELF64 core, EM_X86_64"), for reports. */
  description: string;
  /** The file's size in bytes (holes included). */
  fileSize: number;
  /** runOffset - The file offset of run @r's first page; the run's pages follow it contiguously. */
  runOffset(r: number): number;
  /**
   * headers - Every byte that is not a page (ELF headers, LiME range headers), in bounded chunks; a chunk's bytes may
   * be reused for the next one, so write each before taking the next.
   */
  headers(): Iterable<DumpChunk>;
}

/** What a plan needs besides the layout. */
export interface DumpGeometry {
  pageSize: number;
  /** The word size of the kernel that wrote the image (its PFN entry size): 4 for 32-bit kernels, 8 for 64-bit. */
  wordBytes: 4 | 8;
}

/** A plan maker. */
export type Planner = (layout: DumpLayout, geometry: DumpGeometry) => DumpPlan;

/**
 * formatOf - The format @format names, or the one @path's extension suggests (.elf, .core, .vmcore: elf; .lime:
 * lime), else raw.
 * @throws ConfigError for a name that is not a dump format.
 */
export function formatOf(path: string, format?: string): DumpFormat {
  if (format !== undefined) {
    if ((DUMP_FORMATS as readonly string[]).includes(format)) return format as DumpFormat;
    throw new ConfigError(`format "${format}" is not a dump format (raw, elf, lime)`, {
      kind: "option",
      name: "format",
      value: format,
    });
  }
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (extension === "elf" || extension === "core" || extension === "vmcore") return "elf";
  if (extension === "lime") return "lime";
  return "raw";
}
