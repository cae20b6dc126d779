/**
 * The machine model's description (DESIGN.md "The machine model"): frames and page size, zones, holes, nosave
 * regions, the boot kernel's footprint, the page allocator's order, the bitmap strategy and the seed.
 *
 * MachineOptions is what a user writes (sizes in bytes or text such as "1GiB"); resolveMachine() turns it into a
 * MachineSpec in PFNs, checked, before anything is allocated.
 */
import { MAX_PAGE_SHIFT, MAX_RANGES, MIN_PAGE_SHIFT } from "../../assembly/portable/layout.js";
import { BITMAP_STRATEGIES, type BitmapStrategy, isBitmapStrategy } from "../engine/strategies.js";
import { ConfigError } from "../errors.js";
import { formatBytes, parseShare, parseSize } from "../util/units.js";

/** A PFN range [start, end). */
export interface PfnRange {
  start: number;
  end: number;
}

/** Where the boot kernel's frames lie (DESIGN.md): one low block, scattered frames, or clusters of frames. */
export type BootProfileName = "low" | "scattered" | "clustered";

/** The boot kernel's footprint: a profile with the share of frames it uses, or its exact PFNs. */
export type BootSpec = { profile: BootProfileName; share: number; clusterPages?: number } | { pfns: readonly number[] };

/** Orders in which the page allocator hands out free frames. */
export type AllocatorOrderName = "ascending" | "descending" | "random" | "buddy";

/** The allocator's order: a named one, or exact PFNs handed out first (the rest follow in ascending order). */
export type AllocatorSpec = AllocatorOrderName | { order: readonly number[] };

export type { BitmapStrategy };

/** What a user may say about a machine. Every field has a default. */
export interface MachineOptions {
  /** Memory size: bytes or text ("1GiB"). Default 1 GiB. Ignored when `frames` is given. */
  memory?: number | string;
  /** Number of frames (PFNs); overrides `memory`. */
  frames?: number;
  /** Bytes per frame: a power of two from 64 to 65536. Default 4096. */
  pageSize?: number;
  /** Where HighMem starts (bytes or text), or false/"none" for no HighMem. Default 896 MiB for machines between 896 MiB
   * and 64 GiB (what a 32-bit kernel could address), none otherwise. */
  highmem?: number | string | false;
  /** Where ZONE_DMA ends (bytes or text). Default 16 MiB. */
  dma?: number | string;
  /** Zone boundaries in PFNs; override `dma` and `highmem` (highmemStartPfn = frames: no HighMem). */
  zones?: { dmaEndPfn?: number; highmemStartPfn?: number };
  /** PFN ranges with no memory. Default: the legacy VGA/BIOS hole [640 KiB, 1 MiB). */
  holes?: readonly PfnRange[];
  /** Nosave PFN ranges (kernel/power/snapshot.c: register_nosave_region()). Default: the EBDA page range [636 KiB, 640
   * KiB). */
  nosave?: readonly PfnRange[];
  /** The boot kernel's footprint. Default: 25 % of frames, scattered. */
  boot?: BootSpec;
  /** The page allocator's order. Default "random". */
  allocator?: AllocatorSpec;
  /** The bitmap strategy. Default "flat". */
  bitmap?: BitmapStrategy;
  /** Seed of every random choice of the model. Default 1. */
  seed?: number;
}

/** A machine resolved to PFNs and checked. */
export interface MachineSpec {
  pageSize: number;
  pageShift: number;
  frames: number;
  dmaEndPfn: number;
  /** First HighMem PFN; equals `frames` when there is no HighMem. */
  highmemStartPfn: number;
  holes: PfnRange[];
  nosave: PfnRange[];
  boot: BootSpec;
  allocator: AllocatorSpec;
  bitmap: BitmapStrategy;
  seed: number;
}

/** Machines above this size get no HighMem by default: 32-bit PAE kernels, the ones with HighMem, stop at 64 GiB. */
export const MAX_HIGHMEM_MACHINE = 64 * 2 ** 30;

/** Largest frame count: PFNs are u32 and 0xffffffff is BM_END_OF_MAP. */
export const MAX_FRAMES = 0xffffffff;

const DEFAULT_BOOT: BootSpec = { profile: "scattered", share: 0.25 };

function pfnOf(bytes: number, pageSize: number, round: "down" | "up"): number {
  return round === "down" ? Math.floor(bytes / pageSize) : Math.ceil(bytes / pageSize);
}

function checkRanges(name: "holes" | "nosave", ranges: readonly PfnRange[], frames: number): PfnRange[] {
  if (ranges.length > MAX_RANGES) {
    throw new ConfigError(`at most ${MAX_RANGES} ${name} ranges, got ${ranges.length}`, {
      kind: "option",
      name,
      value: ranges.length,
      limit: MAX_RANGES,
    });
  }
  const sorted = ranges.map((r) => ({ start: r.start, end: r.end })).sort((a, b) => a.start - b.start);
  for (const r of sorted) {
    if (!Number.isInteger(r.start) || !Number.isInteger(r.end) || r.start < 0 || r.end <= r.start || r.end > frames) {
      throw new ConfigError(
        `${name} range [${r.start}, ${r.end}) is not a PFN range inside the machine's ${frames} frames`,
        { kind: "option", name, value: `${r.start}-${r.end}`, limit: frames },
      );
    }
  }
  return sorted;
}

/**
 * resolveMachine - Check @options and resolve them to PFNs.
 * @throws ConfigError naming the option and value that cannot be modelled.
 */
export function resolveMachine(options: MachineOptions = {}): MachineSpec {
  const pageSize = options.pageSize ?? 4096;
  const pageShift = Math.log2(pageSize);
  if (!Number.isInteger(pageShift) || pageShift < MIN_PAGE_SHIFT || pageShift > MAX_PAGE_SHIFT) {
    throw new ConfigError(
      `page size must be a power of two from ${2 ** MIN_PAGE_SHIFT} to ${2 ** MAX_PAGE_SHIFT} bytes, got ${pageSize}`,
      { kind: "option", name: "pageSize", value: pageSize },
    );
  }
  const frames = options.frames ?? pfnOf(parseSize(options.memory ?? "1GiB"), pageSize, "down");
  if (!Number.isInteger(frames) || frames < 1 || frames > MAX_FRAMES) {
    throw new ConfigError(
      `a machine needs 1 to ${MAX_FRAMES} frames, got ${frames} (memory ${formatBytes(frames * pageSize)})`,
      { kind: "option", name: "memory", value: frames, limit: MAX_FRAMES },
    );
  }
  const bytes = frames * pageSize;
  let highmemStartPfn = frames;
  const highmem = options.highmem ?? (bytes > 896 * 2 ** 20 && bytes <= MAX_HIGHMEM_MACHINE ? "896MiB" : false);
  if (options.zones?.highmemStartPfn !== undefined) highmemStartPfn = options.zones.highmemStartPfn;
  else if (highmem !== false && highmem !== "none")
    highmemStartPfn = Math.min(frames, pfnOf(parseSize(highmem), pageSize, "up"));
  const dmaGiven =
    options.zones?.dmaEndPfn ?? (options.dma === undefined ? undefined : pfnOf(parseSize(options.dma), pageSize, "up"));
  const dmaEndPfn = dmaGiven ?? Math.min(frames, highmemStartPfn, pfnOf(16 * 2 ** 20, pageSize, "up"));
  if (!Number.isInteger(dmaEndPfn) || dmaEndPfn < 0 || dmaEndPfn > frames) {
    throw new ConfigError(`ZONE_DMA must end inside the machine's ${frames} frames, got PFN ${dmaEndPfn}`, {
      kind: "option",
      name: "dma",
      value: dmaEndPfn,
      limit: frames,
    });
  }
  if (!Number.isInteger(highmemStartPfn) || highmemStartPfn > frames) {
    throw new ConfigError(`HighMem must start inside the machine's ${frames} frames, got PFN ${highmemStartPfn}`, {
      kind: "option",
      name: "highmem",
      value: highmemStartPfn,
      limit: frames,
    });
  }
  if (highmemStartPfn < dmaEndPfn) {
    throw new ConfigError(`HighMem must start above ZONE_DMA (PFN ${dmaEndPfn}), got PFN ${highmemStartPfn}`, {
      kind: "option",
      name: "highmem",
      value: highmemStartPfn,
      limit: dmaEndPfn,
    });
  }
  if (highmemStartPfn === 0) {
    throw new ConfigError("a machine needs lowmem: HighMem cannot start at PFN 0", {
      kind: "option",
      name: "highmem",
      value: 0,
    });
  }
  const legacy = (from: number, to: number): PfnRange[] => {
    const start = pfnOf(from, pageSize, "down");
    const end = Math.min(frames, pfnOf(to, pageSize, "up"));
    return bytes >= 2 * 2 ** 20 && end > start ? [{ start, end }] : [];
  };
  const holes = checkRanges("holes", options.holes ?? legacy(640 * 1024, 1024 * 1024), frames);
  const nosaveDefault = legacy(636 * 1024, 640 * 1024).filter(
    (r) => !holes.some((h) => r.start < h.end && h.start < r.end),
  );
  const nosave = checkRanges("nosave", options.nosave ?? nosaveDefault, frames);
  const bitmap = options.bitmap ?? "flat";
  if (!isBitmapStrategy(bitmap)) {
    throw new ConfigError(`unknown bitmap strategy "${bitmap}" (have: ${BITMAP_STRATEGIES.join(", ")})`, {
      kind: "option",
      name: "bitmap",
      value: bitmap,
    });
  }
  const boot = options.boot ?? DEFAULT_BOOT;
  if ("share" in boot) parseShare(boot.share);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0)
    throw new ConfigError(`seed must be a non-negative integer, got ${seed}`, {
      kind: "option",
      name: "seed",
      value: seed,
    });
  return {
    pageSize,
    pageShift,
    frames,
    dmaEndPfn,
    highmemStartPfn,
    holes,
    nosave,
    boot,
    allocator: options.allocator ?? "random",
    bitmap,
    seed,
  };
}

/** inRanges - True if @pfn lies in one of @ranges. */
export function inRanges(ranges: readonly PfnRange[], pfn: number): boolean {
  return ranges.some((r) => pfn >= r.start && pfn < r.end);
}

/** validPfns - Every PFN of the machine that is not in a hole, ascending. */
export function validPfns(spec: MachineSpec, options: { excludeNosave?: boolean } = {}): Uint32Array {
  const excluded = mergeRanges(options.excludeNosave ? [...spec.holes, ...spec.nosave] : spec.holes);
  let count = spec.frames;
  for (const r of excluded) count -= r.end - r.start;
  const out = new Uint32Array(count);
  let n = 0;
  let pfn = 0;
  for (const r of excluded) {
    for (; pfn < r.start; pfn++) out[n++] = pfn;
    pfn = Math.max(pfn, r.end);
  }
  for (; pfn < spec.frames; pfn++) out[n++] = pfn;
  return out.subarray(0, n);
}

/** mergeRanges - @ranges sorted, with overlapping or touching ranges merged. */
export function mergeRanges(ranges: readonly PfnRange[]): PfnRange[] {
  const sorted = ranges.map((r) => ({ ...r })).sort((a, b) => a.start - b.start);
  const out: PfnRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push(r);
  }
  return out;
}
