/**
 * The suspend side (kernel/power/snapshot.c): the image kernel's saveable pages get contents, copy_data_pages() finds
 * the zero pages, and the snapshot stream is written to a thaw image, page batches at a time through the staging
 * region: never held whole in a JS buffer.
 */
import { writeSync } from "node:fs";
import * as L from "../assembly/portable/layout.js";
import { ConfigError } from "./errors.js";
import { ENTRY_END, encodeEntry, entriesPerPage, metaPagesFor } from "./image/pfnEntry.js";
import { encodeHeader } from "./image/thaw/thawImage.js";
import { inRanges, validPfns } from "./machine/config.js";
import type { Machine } from "./machine/machine.js";
import type { ProgressListener } from "./progress.js";
import { crc32Le } from "./util/crc32.js";
import { OutputFile } from "./util/outputFile.js";
import { createRandom, sample } from "./util/random.js";
import { parseShare } from "./util/units.js";

/** What the image kernel saves: a share of the machine's usable frames, or exact PFNs. */
export interface SuspendOptions {
  /** Where to write the thaw image (through an OutputFile: a temporary name, renamed when complete). */
  out: string;
  /** Replace an existing file at `out` (default true for the library; the CLI asks for --force). */
  overwrite?: boolean;
  /** Share of usable frames that are saveable (default 0.4 = 40 %). Ignored when `pfns` is given. */
  image?: number | string;
  /** Share of saveable pages that are all zero (default 0.05). Ignored when `zeroPfns` is given. */
  zero?: number | string;
  /** Exact saveable PFNs. */
  pfns?: readonly number[];
  /** Exact zero pages (a subset of `pfns`). */
  zeroPfns?: readonly number[];
  /** Seed of the image kernel's page contents (default: derived from the machine's seed). */
  imageSeed?: number;
  onProgress?: ProgressListener;
}

/** What suspend wrote. */
export interface SuspendResult {
  path: string;
  pageSize: number;
  /** PFN entries: every saveable page, zero pages included (nr_pages). */
  entries: number;
  /** Data pages stored (image_pages = nr_copy_pages). */
  imagePages: number;
  zeroPages: number;
  metaPages: number;
  /** Stream pages including the header (pages). */
  pages: number;
  bytes: number;
  crc32: number;
  ms: number;
}

function saveablePfns(machine: Machine, options: SuspendOptions): Uint32Array {
  const { spec } = machine;
  if (options.pfns) {
    const pfns = Uint32Array.from(options.pfns).sort();
    const twice = pfns.find((pfn, i) => i > 0 && pfn === pfns[i - 1]);
    if (twice !== undefined) throw new ConfigError(`image PFN ${twice} is listed twice`, { kind: "pfn", value: twice });
    for (const pfn of pfns) {
      if (!Number.isInteger(pfn) || pfn >= spec.frames || inRanges(spec.holes, pfn) || inRanges(spec.nosave, pfn)) {
        throw new ConfigError(
          `image PFN ${pfn} is not a saveable frame (beyond ${spec.frames} frames, in a hole or nosave)`,
          { kind: "pfn", value: pfn, limit: spec.frames },
        );
      }
    }
    return pfns;
  }
  const usable = validPfns(spec, { excludeNosave: true });
  return sample(usable, Math.round(parseShare(options.image ?? 0.4) * usable.length), createRandom(spec.seed, 4));
}

function zeroSet(pfns: Uint32Array, machine: Machine, options: SuspendOptions): Set<number> {
  if (options.zeroPfns) {
    const inImage = new Set(pfns);
    for (const pfn of options.zeroPfns) {
      if (!inImage.has(pfn))
        throw new ConfigError(`zero page PFN ${pfn} is not one of the image's PFNs`, { kind: "pfn", value: pfn });
    }
    return new Set(options.zeroPfns);
  }
  const count = Math.round(parseShare(options.zero ?? 0.05) * pfns.length);
  return new Set(sample(pfns, count, createRandom(machine.spec.seed, 5)));
}

/** imageSeedOf - The seed of the image kernel's contents for @machine (bigint for the engine). */
export function imageSeedOf(machine: Machine, imageSeed?: number): bigint {
  return (BigInt(imageSeed ?? machine.spec.seed) * 0x9e3779b97f4a7c15n + 0x1234567n) & 0xffffffffffffffffn;
}

/**
 * suspendMachine - Hibernate @machine: give its saveable pages contents, and write them as a thaw image.
 *
 * The frames' previous contents are replaced; the machine's allocator and bitmaps are untouched. Follows
 * snapshot_read_next() (kernel/power/snapshot.c): the header, then pack_pfns() metadata pages, then the non-zero pages
 * in ascending PFN order, with the kernel's CRC32 over everything after the header.
 */
export function suspendMachine(machine: Machine, options: SuspendOptions): SuspendResult {
  machine.markUsed();
  const t0 = performance.now();
  const { spec, arena, engine } = machine;
  const pfns = saveablePfns(machine, options);
  const zeros = zeroSet(pfns, machine, options);
  const n = pfns.length;
  if (n === 0)
    throw new ConfigError("the image would hold no pages: choose an image share above 0 or some PFNs", {
      kind: "option",
      name: "image",
      value: 0,
    });
  const list = new BigUint64Array(machine.memory.buffer, arena.pfnList, arena.pfnListCapacity);
  for (let i = 0; i < n; i++) list[i] = encodeEntry(pfns[i]!, zeros.has(pfns[i]!));
  const seed = imageSeedOf(machine, options.imageSeed);
  engine.fillImageFrames(arena.pfnList, n, seed);
  const zeroPages = engine.markZeroEntries(arena.pfnList, n);
  const imagePages = n - zeroPages;
  const metaPages = metaPagesFor(n, spec.pageSize);
  const perPage = entriesPerPage(spec.pageSize);
  for (let i = n; i < metaPages * perPage; i++) list[i] = i === n ? ENTRY_END : 0n;
  const pages = 1 + metaPages + imagePages;
  const bytes = L.HDR_BLOCK_SIZE + (pages - 1) * spec.pageSize;

  const file = OutputFile.create(options.out, { option: "out", overwrite: options.overwrite ?? true });
  const fd = file.descriptor;
  try {
    let crc = 0;
    let position = L.HDR_BLOCK_SIZE;
    const write = (addr: number, length: number) => {
      const view = machine.bytes(addr, length);
      crc = crc32Le(view, crc);
      for (let done = 0; done < length; ) done += writeSync(fd, view, done, length - done, position + done);
      position += length;
    };
    const metaBytes = metaPages * spec.pageSize;
    for (let done = 0; done < metaBytes; done += L.STAGING_SIZE)
      write(arena.pfnList + done, Math.min(L.STAGING_SIZE, metaBytes - done));
    const batch = L.STAGING_SIZE / spec.pageSize;
    let entry = 0;
    let written = 0;
    while (written < imagePages) {
      entry = engine.gatherDataPages(arena.pfnList, n, entry, L.STAGING_START, batch);
      const copied = machine.ctx(L.CTX_SCRATCH);
      write(L.STAGING_START, copied * spec.pageSize);
      written += copied;
      options.onProgress?.({ phase: "suspend", done: written, total: imagePages });
    }
    const header = encodeHeader({
      pageSize: spec.pageSize,
      numPhyspages: machine.numPhyspages,
      nrFrames: spec.frames,
      imagePages,
      pages,
      size: bytes,
      flags: L.THAW_FLAG_CRC32,
      crc32: crc,
      dmaEndPfn: spec.dmaEndPfn,
      highmemStartPfn: spec.highmemStartPfn,
      holes: spec.holes,
      nosave: spec.nosave,
      seed: options.imageSeed ?? spec.seed,
    });
    writeSync(fd, header, 0, header.length, 0);
    file.commit();
    return {
      path: options.out,
      pageSize: spec.pageSize,
      entries: n,
      imagePages,
      zeroPages,
      metaPages,
      pages,
      bytes,
      crc32: crc,
      ms: performance.now() - t0,
    };
  } finally {
    file.abort();
  }
}
