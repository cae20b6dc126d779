/**
 * inspect - What is inside an image, without restoring it: header fields, PFN statistics, data pages and the CRC,
 * read through the same ImageSource as a resume, in batches.
 */

import { createHash } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { ImageFormatError } from "./errors.js";
import { type OpenImageOptions, openImage } from "./image/open.js";
import { entryIsZero, entryPfn, readEntries } from "./image/pfnEntry.js";
import type { ImageFormat, ImageSource } from "./image/source.js";
import { imageMap, writeSvg } from "./map.js";
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
  /** Format-specific header fields. */
  header: Record<string, unknown>;
}

const BATCH_BYTES = 4 * 2 ** 20;

/**
 * inspectSource - Read @source's metadata and data pages once and report on them.
 * @throws ResumeError when the stream is corrupt or short.
 */
export function inspectSource(
  source: ImageSource,
  onProgress?: ProgressListener,
  keepEntries?: bigint[],
  digest?: PageDigest,
): Omit<InspectReport, "format" | "path" | "header"> {
  const { pageSize } = source;
  const reader = source.stream();
  const perBatch = Math.max(1, Math.floor(BATCH_BYTES / pageSize));
  const buffer = Buffer.alloc(perBatch * pageSize);
  let crc = 0;
  const stats: PfnStats = { count: 0, zero: 0, min: null, max: null, runs: 0, ascending: true };
  const zones = source.machine.zones;
  const perZone = { dma: 0, normal: 0, highmem: 0 };
  let last = -2;
  for (let page = 0; page < source.metaPages; ) {
    const want = Math.min(perBatch, source.metaPages - page);
    const got = reader.read(buffer.subarray(0, want * pageSize));
    if (reader.crc32 === undefined) crc = crc32Le(buffer.subarray(0, got * pageSize), crc);
    for (let p = 0; p < got; p++) {
      readEntries(buffer.subarray(p * pageSize, (p + 1) * pageSize), source.pfnEntryBytes, (entry) => {
        const pfn = entryPfn(entry);
        keepEntries?.push(entry);
        stats.count++;
        if (entryIsZero(entry)) stats.zero++;
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
    if (got < want) break;
  }
  if (zones) stats.perZone = perZone;
  let dataPages = 0;
  for (;;) {
    const got = reader.read(buffer);
    if (got === 0) break;
    if (reader.crc32 === undefined) crc = crc32Le(buffer.subarray(0, got * pageSize), crc);
    for (let i = 0; digest && i < got; i++)
      digest.page(dataPages + i, buffer.subarray(i * pageSize, (i + 1) * pageSize));
    dataPages += got;
    onProgress?.({ phase: "verify", done: dataPages, total: source.imagePages });
  }
  if (reader.crc32 !== undefined) crc = reader.crc32;
  const stored = source.crc32;
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
      ok: stored === undefined ? null : stored === crc,
    },
  };
}

/**
 * inspectImage - Open the image at @path read-only and report what is inside.
 * @throws ResumeError (checkHeader) when it is not an image thaw can read.
 */
export async function inspectImage(
  path: string,
  options: OpenImageOptions & { onProgress?: ProgressListener; map?: string; digest?: string } = {},
): Promise<InspectReport> {
  const source = await openImage(path, options);
  let digest: PageDigest | undefined;
  try {
    const entries: bigint[] | undefined = options.map || options.digest ? [] : undefined;
    digest = options.digest ? new PageDigest(options.digest, entries!) : undefined;
    const report = inspectSource(source, options.onProgress, entries, digest);
    if (options.map && entries) {
      const hints = source.machine;
      const frames = hints.frames ?? Math.max(source.numPhyspages, (report.pfns.max ?? 0) + 1);
      writeSvg(
        options.map,
        imageMap(frames, entries, hints.holes ?? []),
        `${path}: where the image's ${report.pfns.count} pages lie`,
        source.pageSize,
      );
    }
    return { format: source.format, ...source.summaryFields?.(), path, ...report, header: source.headerFields };
  } catch (error) {
    throw error instanceof ImageFormatError ? error.inPhase("inspect") : error;
  } finally {
    digest?.close();
    source.close();
  }
}

/**
 * PageDigest - thaw's per-page digest of an image's data pages, for images that carry no CRC (uncompressed Linux
 * images): one line per data page — its index in the stream, the PFN it restores, the first 16 hex digits of its
 * sha256, and whether it is all zero — in the format of the fixtures' pages.tsv, so that two images, or an image
 * and a memory dump, can be compared page by page.
 */
export class PageDigest {
  private readonly fd: number;
  private readonly entries: bigint[];
  private pfns: number[] | undefined;
  private lines: string[] = [];

  constructor(path: string, entries: bigint[]) {
    this.fd = openSync(path, "w");
    this.entries = entries;
    this.lines.push("# index\tpfn\tsha256(page)[:16]\tzero");
  }

  /** page - Record data page @index. */
  page(index: number, bytes: Uint8Array): void {
    this.pfns ??= this.entries
      .filter((e) => !entryIsZero(e))
      .map(entryPfn)
      .sort((a, b) => a - b);
    const zero = bytes.every((b) => b === 0) ? 1 : 0;
    this.lines.push(
      `${index}\t${this.pfns[index] ?? "?"}\t${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}\t${zero}`,
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
