/**
 * inspect - What is inside an image, without restoring it: header fields, PFN statistics, data pages and the CRC,
 * read through the same ImageSource as a resume, in batches, under the same bounds: nothing an image states makes
 * inspect hold more than a batch of pages, the running statistics and, for --digest, one number per data page it
 * really holds. What `thaw resume` would refuse (a truncated stream, PFNs out of range, out of order or listed twice,
 * image_pages that does not match the list, a bad chunk, a CRC mismatch, …) is reported as `refusals`, with the phase
 * and errno the resume would fail with, and as warnings: inspect reads on as far as the image allows.
 */

import { createHash } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { type ErrnoName, type ErrorPhase, ImageFormatError, type Offending, ResumeError } from "./errors.js";
import { MAX_HOLE_PAGES } from "./image/linux/machineModel.js";
import { type OpenImageOptions, openImage } from "./image/open.js";
import { entryIsZero, entryPfn, metaPagesFor, readEntries } from "./image/pfnEntry.js";
import type { ImageFormat, ImageSource } from "./image/source.js";
import type { PfnRange } from "./machine/config.js";
import { imageMap, writeSvg } from "./map.js";
import { checkOptions } from "./options.js";
import type { ProgressListener } from "./progress.js";
import { crc32Le, hex32 } from "./util/crc32.js";

/** PFN statistics of an image's metadata. */
export interface PfnStats {
  /** Every PFN entry, zero-flagged ones included. */
  count: number;
  /** Entries flagged as zero pages (bit 63). */
  zero: number;
  min: number | null;
  max: number | null;
  /** Maximal runs of consecutive PFNs. */
  runs: number;
  /** True if the entries are in ascending order (the kernel writes them so). */
  ascending: boolean;
  /** Entries per zone, by the zone boundaries the image gives (when it gives them). */
  perZone?: { dma: number; normal: number; highmem: number };
}

/** Something `thaw resume` would refuse: the phase and errno it would fail with, and why. */
export interface Refusal {
  phase: ErrorPhase;
  code: ErrnoName;
  message: string;
  offending?: Offending;
}

/** An inspection report (the JSON of `thaw inspect`). */
export interface InspectReport {
  format: ImageFormat;
  path: string;
  pageSize: number;
  numPhyspages: number;
  imagePages: number;
  pages: number;
  metaPages: number;
  bytes: number;
  pfns: PfnStats;
  /** Data pages read from the stream. */
  dataPages: number;
  crc: { stored: string | null; computed: string; ok: boolean | null };
  /** What a reader of the image should know: the source's notes, then one line per refusal. */
  warnings: string[];
  /** What `thaw resume` would refuse in this image (empty when it would restore it). */
  refusals: Refusal[];
  /** Format-specific header fields. */
  header: Record<string, unknown>;
}

const BATCH_BYTES = 4 * 2 ** 20;
/** Most frames `--map` draws (one byte each while drawing): 2^26, a machine of 256 GiB at 4 KiB pages. */
export const MAX_MAP_FRAMES = 2 ** 26;

/** The PFNs of an image's data pages, one number each, kept only for --digest: grows with what the stream holds. */
export class DataPfns {
  private list = new Float64Array(1024);
  private length = 0;

  /** push - Add @pfn. */
  push(pfn: number): void {
    if (this.length === this.list.length) {
      const grown = new Float64Array(this.list.length * 2);
      grown.set(this.list);
      this.list = grown;
    }
    this.list[this.length++] = pfn;
  }

  /** sorted - The PFNs in ascending order: data page i restores the i-th. */
  sorted(): Float64Array {
    return this.list.subarray(0, this.length).sort();
  }
}

/** refusalOf - @error as a Refusal (in @phase when the error does not name one); anything else is rethrown. */
function refusalOf(error: unknown, phase: ErrorPhase): Refusal {
  const e = error instanceof ImageFormatError ? error.inPhase(phase) : error;
  if (!(e instanceof ResumeError)) throw error;
  return e.toJSON();
}

/**
 * inspectSource - Read @source's metadata and data pages once and report on them, with what a resume would refuse.
 * The PFN entries are checked as the resume checks them (below the machine's frames; for a Linux image also strictly
 * ascending, as pack_pfns() writes them): at the first that fails, and at the first stream error, the reading stops.
 * @digest gets every data page; @dataPfns the PFN of each data entry.
 */
export function inspectSource(
  source: ImageSource,
  onProgress?: ProgressListener,
  dataPfns?: DataPfns,
  digest?: PageDigest,
): Omit<InspectReport, "format" | "path" | "header" | "warnings"> {
  const { pageSize } = source;
  const refusals: Refusal[] = [];
  const refuse = (error: unknown, phase: ErrorPhase) => {
    const r = refusalOf(error, phase);
    if (!refusals.some((x) => x.message === r.message)) refusals.push(r);
  };
  try {
    source.check();
  } catch (error) {
    refuse(error, "checkHeader");
  }
  let machine: ImageSource["machine"] | undefined;
  try {
    machine = source.machine;
  } catch (error) {
    refuse(error, "checkHeader");
  }
  const linux = source.format === "linux-swap";
  const limit = machine?.frames ?? (linux ? source.numPhyspages + MAX_HOLE_PAGES : Number.POSITIVE_INFINITY);
  const reader = source.stream();
  const perBatch = Math.max(1, Math.floor(BATCH_BYTES / pageSize));
  const buffer = Buffer.alloc(perBatch * pageSize);
  let crc = 0;
  const stats: PfnStats = { count: 0, zero: 0, min: null, max: null, runs: 0, ascending: true };
  const zones = machine?.zones;
  const perZone = { dma: 0, normal: 0, highmem: 0 };
  let last = -2;
  let stopped = false;
  const check = (pfn: number): boolean => {
    let message: string | undefined;
    let code: ErrnoName = "EINVAL";
    if (pfn >= limit) {
      code = "EFAULT";
      message = `PFN ${pfn} (entry ${stats.count}) is beyond the ${limit} frames a machine of this image can have`;
    } else if (pfn === last) message = `PFN ${pfn} is listed twice in the image's PFN metadata`;
    else if (linux && pfn < last)
      message = `the image's PFN list is not in ascending order: entry ${stats.count} (PFN ${pfn}) follows PFN ${last}`;
    if (message === undefined) return true;
    if (refusals.length === 0)
      refusals.push({
        phase: linux ? "checkHeader" : "unpackOrigPfns",
        code,
        message,
        offending: { kind: "pfn", value: pfn },
      });
    stopped = true;
    return false;
  };
  let metaRead = 0;
  try {
    for (let page = 0; page < source.metaPages && !stopped; ) {
      const want = Math.min(perBatch, source.metaPages - page);
      const got = reader.read(buffer.subarray(0, want * pageSize));
      if (reader.crc32 === undefined) crc = crc32Le(buffer.subarray(0, got * pageSize), crc);
      for (let p = 0; p < got && !stopped; p++) {
        readEntries(buffer.subarray(p * pageSize, (p + 1) * pageSize), source.pfnEntryBytes, (entry) => {
          const pfn = entryPfn(entry);
          if (!check(pfn)) return false;
          stats.count++;
          if (entryIsZero(entry)) stats.zero++;
          else dataPfns?.push(pfn);
          stats.min = stats.min === null ? pfn : Math.min(stats.min, pfn);
          stats.max = stats.max === null ? pfn : Math.max(stats.max, pfn);
          if (pfn !== last + 1) stats.runs++;
          if (pfn <= last) stats.ascending = false;
          last = pfn;
          if (zones) {
            if (pfn < (zones.dmaEndPfn ?? 0)) perZone.dma++;
            else if (pfn < (zones.highmemStartPfn ?? Infinity)) perZone.normal++;
            else perZone.highmem++;
          }
          return true;
        });
      }
      page += got;
      metaRead = page;
      if (got < want) break;
    }
  } catch (error) {
    refuse(error, "unpackOrigPfns");
    stopped = true;
  }
  if (zones) stats.perZone = perZone;
  if (!stopped && metaRead < source.metaPages)
    refusals.push({
      phase: "unpackOrigPfns",
      code: "ENODATA",
      message: `the stream ends after ${metaRead} of ${source.metaPages} PFN metadata pages`,
      offending: { kind: "pages", value: metaRead, limit: source.metaPages },
    });
  else if (!stopped) {
    const data = stats.count - stats.zero;
    if (data !== source.imagePages)
      refusals.push({
        phase: "unpackOrigPfns",
        code: "EINVAL",
        message: `the PFN metadata lists ${data} data pages (${stats.count} PFNs, ${stats.zero} zero pages) but image_pages is ${source.imagePages}`,
        offending: { kind: "field", name: "image_pages", value: source.imagePages, limit: data },
      });
    const filled = metaPagesFor(stats.count, pageSize, source.pfnEntryBytes);
    if (filled !== source.metaPages)
      refusals.push({
        phase: "unpackOrigPfns",
        code: "EINVAL",
        message: `${stats.count} PFN entries fill ${filled} metadata pages, but the header gives ${source.metaPages}`,
        offending: { kind: "field", name: "pages", value: source.pages },
      });
  }
  let dataPages = 0;
  try {
    for (; !stopped && metaRead === source.metaPages; ) {
      const got = reader.read(buffer);
      if (got === 0) break;
      if (reader.crc32 === undefined) crc = crc32Le(buffer.subarray(0, got * pageSize), crc);
      for (let i = 0; digest && i < got; i++)
        digest.page(dataPages + i, buffer.subarray(i * pageSize, (i + 1) * pageSize));
      dataPages += got;
      onProgress?.({ phase: "verify", done: dataPages, total: source.imagePages });
    }
  } catch (error) {
    refuse(error, "loadImage");
    stopped = true;
  }
  if (!stopped && metaRead === source.metaPages && dataPages < source.imagePages)
    refusals.push({
      phase: "loadImage",
      code: "ENODATA",
      message: `the stream ends after ${dataPages} of ${source.imagePages} data pages`,
      offending: { kind: "pages", value: dataPages, limit: source.imagePages },
    });
  if (reader.crc32 !== undefined) crc = reader.crc32;
  const stored = source.crc32;
  const complete = !stopped && dataPages === source.imagePages;
  if (stored !== undefined && complete && stored !== crc >>> 0)
    refusals.push({
      phase: "loadImage",
      code: "ENODATA",
      message: `CRC32 mismatch: the header says ${hex32(stored)}, the stream gives ${hex32(crc)}`,
      offending: { kind: "field", name: "crc32", value: hex32(stored) },
    });
  return {
    pageSize,
    numPhyspages: source.numPhyspages,
    imagePages: source.imagePages,
    pages: source.pages,
    metaPages: source.metaPages,
    bytes: (source.pages - 1) * pageSize,
    pfns: stats,
    dataPages,
    crc: {
      stored: stored === undefined ? null : hex32(stored),
      computed: hex32(crc),
      ok: stored === undefined || !complete ? null : stored === crc >>> 0,
    },
    refusals,
  };
}

/**
 * inspectImage - Open the image at @path read-only and report what is inside.
 * @throws ResumeError (checkHeader) when it is not an image thaw can read.
 */
export async function inspectImage(
  path: string,
  given: OpenImageOptions & { onProgress?: ProgressListener; map?: string; digest?: string } = {},
): Promise<InspectReport> {
  const options = checkOptions(given, "inspectImage");
  const source = await openImage(path, options);
  let digest: PageDigest | undefined;
  try {
    const hints = mapHints(source);
    if (options.map && hints.frames > MAX_MAP_FRAMES)
      throw new ResumeError(
        "inspect",
        "ENOMEM",
        `--map draws at most ${MAX_MAP_FRAMES} frames; the image's machine has ${hints.frames}`,
        { kind: "option", name: "map", value: hints.frames, limit: MAX_MAP_FRAMES },
      );
    const dataPfns = options.digest ? new DataPfns() : undefined;
    digest = options.digest ? new PageDigest(options.digest, dataPfns!, highmemColumn(source)) : undefined;
    const report = inspectSource(source, options.onProgress, dataPfns, digest);
    if (options.map) {
      writeSvg(
        options.map,
        imageMap(hints.frames, metaEntries(source, report.pfns.count), hints.holes),
        `${path}: where the image's ${report.pfns.count} pages lie`,
        source.pageSize,
      );
    }
    const warnings = [
      ...(source.warnings?.() ?? []),
      ...report.refusals.map((r) => `thaw resume would refuse this image (${r.phase}, ${r.code}): ${r.message}`),
    ];
    return {
      format: source.format,
      ...source.summaryFields?.(),
      path,
      ...report,
      warnings,
      header: source.headerFields,
    };
  } catch (error) {
    throw error instanceof ImageFormatError ? error.inPhase("inspect") : error;
  } finally {
    digest?.close();
    source.close();
  }
}

/**
 * mapHints - The frames and holes `--map` draws: the model of the image's machine, or, when the image describes
 * none, the span its header and PFNs claim.
 */
function mapHints(source: ImageSource): { frames: number; holes: readonly PfnRange[] } {
  try {
    const hints = source.machine;
    return { frames: hints.frames ?? source.numPhyspages, holes: hints.holes ?? [] };
  } catch {
    return { frames: source.numPhyspages, holes: [] };
  }
}

/** highmemColumn - Where HighMem starts, for the digest's highmem column: images of 32-bit kernels only. */
function highmemColumn(source: ImageSource): number | undefined {
  if (source.pfnEntryBytes !== 4) return undefined;
  try {
    return source.machine.zones?.highmemStartPfn;
  } catch {
    return undefined;
  }
}

/**
 * metaEntries - The first @count PFN entries of @source, read again from a new stream a batch at a time (nothing is
 * kept between the passes).
 */
function* metaEntries(source: ImageSource, count: number): Generator<bigint> {
  const reader = source.stream();
  const perBatch = Math.max(1, Math.floor(BATCH_BYTES / source.pageSize));
  const buffer = Buffer.alloc(perBatch * source.pageSize);
  let left = count;
  for (let page = 0; page < source.metaPages && left > 0; ) {
    const got = reader.read(buffer.subarray(0, Math.min(perBatch, source.metaPages - page) * source.pageSize));
    if (got === 0) return;
    const batch: bigint[] = [];
    for (let p = 0; p < got; p++)
      readEntries(buffer.subarray(p * source.pageSize, (p + 1) * source.pageSize), source.pfnEntryBytes, (e) => {
        if (left === 0) return false;
        left--;
        batch.push(e);
        return true;
      });
    yield* batch;
    page += got;
  }
}

/**
 * PageDigest - thaw's per-page digest of an image's data pages, for images that carry no CRC (uncompressed Linux
 * images): one line per data page — its index in the stream, the PFN it restores, the first 16 hex digits of its
 * sha256, and whether it is all zero (for a 32-bit kernel's image also whether its PFN is in HighMem) — in the format
 * of the fixtures' pages.tsv, so that two images, or an image and a memory dump, can be compared page by page.
 */
export class PageDigest {
  private readonly fd: number;
  private readonly dataPfns: DataPfns;
  private readonly highmemStartPfn: number | undefined;
  private pfns: Float64Array | undefined;
  private lines: string[] = [];

  /** @highmemStartPfn: where HighMem starts, for a highmem column (none when undefined). */
  constructor(path: string, dataPfns: DataPfns, highmemStartPfn?: number) {
    this.fd = openSync(path, "w");
    this.dataPfns = dataPfns;
    this.highmemStartPfn = highmemStartPfn;
    this.lines.push(`# index\tpfn\tsha256(page)[:16]\tzero${highmemStartPfn === undefined ? "" : "\thighmem"}`);
  }

  /** page - Record data page @index (every PFN entry has been read by now). */
  page(index: number, bytes: Uint8Array): void {
    this.pfns ??= this.dataPfns.sorted();
    const zero = bytes.every((b) => b === 0) ? 1 : 0;
    const pfn = this.pfns[index];
    const highmem =
      this.highmemStartPfn === undefined ? "" : `\t${pfn === undefined ? "?" : pfn >= this.highmemStartPfn ? 1 : 0}`;
    this.lines.push(
      `${index}\t${pfn ?? "?"}\t${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}\t${zero}${highmem}`,
    );
    if (this.lines.length >= 4096) this.flush();
  }

  private flush(): void {
    if (this.lines.length) writeSync(this.fd, `${this.lines.join("\n")}\n`);
    this.lines = [];
  }

  /** close - Write what is left and close the file. */
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
