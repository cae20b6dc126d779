/**
 * The machine a Linux image came from, as far as the image tells: num_physpages (present page frames) and, through
 * its PFN metadata, the span the saved pages reach. The span is rounded up to 2 MiB; the frames in it that are not
 * present are modelled as holes: the legacy VGA/BIOS hole [640 KiB, 1 MiB) when no image PFN lies there, then the
 * widest gaps between image PFNs. ZONE_DMA is the first 16 MiB; HighMem starts where the caller says (highmem.ts).
 *
 * The PFN entries are checked as they are unpacked, a bounded batch of metadata pages at a time, as the kernel's
 * unpack_orig_pfns() checks each entry — and nothing grows with their number: the scan keeps the span, the count and
 * the widest gaps (never more than the holes a machine can have, MAX_RANGES), so an image that states millions of
 * entries costs time only for those it really holds, and no memory.
 */
import { MAX_RANGES } from "../../../assembly/portable/layout.js";
import { ImageFormatError } from "../../errors.js";
import type { PfnRange } from "../../machine/config.js";
import { entryIsZero, entryPfn, type PfnEntryBytes, readEntries } from "../pfnEntry.js";
import type { ImageSource, StreamReader } from "../source.js";
import { exact } from "./exact.js";

/** The most address space a model of a real machine may leave as holes: 4 GiB (the x86 PCI hole is at most that). */
export const MAX_HOLE_PAGES = 2 ** 20;
/** Metadata pages read per batch while modelling. */
const BATCH_PAGES = 64;
const PAGE = 4096;
const LEGACY: PfnRange = { start: 0xa0, end: 0x100 };
/** Frames ZONE_DMA covers: 16 MiB. */
const DMA_PAGES = 4096;

/** What the model is built from. */
export interface ModelInput {
  numPhyspages: number;
  metaPages: number;
  imagePages: number;
  /** Width of a stored PFN entry. */
  entryBytes: PfnEntryBytes;
  /** First HighMem PFN, if the machine has HighMem. */
  highmemStartPfn: number | undefined;
}

/** The model and what the scan counted on the way. */
export interface MachineModel {
  machine: ImageSource["machine"];
  /** PFN entries (zero pages included). */
  entries: number;
  /** Zero-flagged entries. */
  zero: number;
}

/** A gap between image PFNs, ranked widest first, then lowest first (the order holes are taken in). */
const wider = (a: PfnRange, b: PfnRange) => b.end - b.start - (a.end - a.start) || a.start - b.start;

/**
 * PfnScan - The running state of the scan: the last PFN, the count, the widest gaps kept (sorted and cut back to
 * MAX_RANGES whenever twice that many pile up), and the one gap that covers the legacy hole, kept aside because whether
 * it is split depends on the span, known only at the end.
 */
class PfnScan {
  count = 0;
  zero = 0;
  last = -1;
  gaps: PfnRange[] = [];
  dropped = false;
  legacyGap: PfnRange | undefined;

  constructor(private readonly input: ModelInput) {}

  /** add - Entry @entry, the @index-th. @throws ImageFormatError naming the entry and the bound it breaks. */
  add(entry: bigint, index: number): true {
    const { numPhyspages } = this.input;
    const limit = numPhyspages + MAX_HOLE_PAGES;
    const pfnBig = entry & ~(1n << 63n);
    if (pfnBig >= BigInt(limit)) {
      const pfn = exact(pfnBig);
      throw new ImageFormatError(
        "EFAULT",
        `PFN ${pfn} (entry ${index}) lies beyond num_physpages (${numPhyspages}) plus the largest hole thaw models (${MAX_HOLE_PAGES} pages, 4 GiB)`,
        { kind: "pfn", value: pfn, limit },
      );
    }
    const pfn = entryPfn(entry);
    if (pfn <= this.last) {
      throw new ImageFormatError(
        "EINVAL",
        pfn === this.last
          ? `PFN ${pfn} is listed twice in the image's PFN metadata (entries ${index - 1} and ${index})`
          : `the image's PFN list is not in ascending order: entry ${index} (PFN ${pfn}) follows PFN ${this.last}; pack_pfns() writes the PFNs of the bitmap in ascending order`,
        { kind: "pfn", value: pfn },
      );
    }
    if (this.count >= numPhyspages) {
      throw new ImageFormatError(
        "EINVAL",
        `the image lists more PFNs than num_physpages (${numPhyspages}) page frames`,
        { kind: "field", name: "num_physpages", value: numPhyspages },
      );
    }
    if (pfn > this.last + 1) this.gap({ start: this.last + 1, end: pfn });
    this.last = pfn;
    this.count++;
    if (entryIsZero(entry)) this.zero++;
    return true;
  }

  gap(range: PfnRange): void {
    if (range.start <= LEGACY.start && range.end >= LEGACY.end) {
      this.legacyGap = range;
      return;
    }
    this.gaps.push(range);
    if (this.gaps.length >= 2 * MAX_RANGES) this.cut();
  }

  cut(): void {
    this.gaps.sort(wider);
    if (this.gaps.length > MAX_RANGES) {
      this.gaps.length = MAX_RANGES;
      this.dropped = true;
    }
  }
}

/**
 * scanPfns - Read the @input.metaPages metadata pages from @reader (positioned at stream page 1) and check every
 * entry: below num_physpages plus MAX_HOLE_PAGES, strictly ascending (no PFN twice), no more than num_physpages of
 * them; and as soon as the pages read hold a page's worth of entries fewer than they can, the header's page count
 * cannot be right (pack_pfns() fills every page but the last). An end marker ends its page, as in unpack_orig_pfns().
 * @throws ImageFormatError for the first entry that breaks a bound, or for a stream that cannot be read.
 */
function scanPfns(input: ModelInput, reader: StreamReader): PfnScan {
  const scan = new PfnScan(input);
  const buffer = new Uint8Array(BATCH_PAGES * PAGE);
  const perPage = PAGE / input.entryBytes;
  for (let page = 0; page < input.metaPages; ) {
    const want = Math.min(BATCH_PAGES, input.metaPages - page);
    const got = reader.read(buffer.subarray(0, want * PAGE));
    if (got === 0) break;
    for (let p = 0; p < got; p++) {
      readEntries(buffer.subarray(p * PAGE, (p + 1) * PAGE), input.entryBytes, (entry) => scan.add(entry, scan.count));
      const short = (page + p + 1) * perPage - scan.count;
      if (short >= perPage)
        throw new ImageFormatError(
          "EINVAL",
          `PFN metadata pages 1…${page + p + 1} hold ${scan.count} entries: the ${input.metaPages} pages the header gives cannot be filled by pack_pfns() (only the last may end early)`,
          { kind: "field", name: "pages", value: input.metaPages + input.imagePages + 1 },
        );
    }
    page += got;
  }
  return scan;
}

/**
 * modelMachine - The machine @input and the PFN metadata in @reader describe.
 * @throws ImageFormatError (EFAULT, EINVAL) naming the entry or the field that no machine can have.
 */
export function modelMachine(input: ModelInput, reader: StreamReader): MachineModel {
  const scan = scanPfns(input, reader);
  const present = input.numPhyspages;
  const frames = Math.max(present, Math.ceil((scan.last + 1) / 512) * 512);
  let budget = frames - present;
  if (scan.last + 1 < frames) scan.gap({ start: scan.last + 1, end: frames });
  scan.cut();
  const holes: PfnRange[] = [];
  const candidates = [...scan.gaps];
  const legacy = scan.legacyGap;
  if (legacy && budget >= LEGACY.end - LEGACY.start && frames >= LEGACY.end) {
    holes.push(LEGACY);
    budget -= LEGACY.end - LEGACY.start;
    if (legacy.start < LEGACY.start) candidates.push({ start: legacy.start, end: LEGACY.start });
    if (legacy.end > LEGACY.end) candidates.push({ start: LEGACY.end, end: legacy.end });
  } else if (legacy) candidates.push(legacy);
  candidates.sort(wider);
  for (const gap of candidates) {
    if (budget === 0) break;
    const take = Math.min(budget, gap.end - gap.start);
    holes.push({ start: gap.end - take, end: gap.end });
    budget -= take;
  }
  if ((budget > 0 && scan.dropped) || holes.length > MAX_RANGES) {
    throw new ImageFormatError(
      "EINVAL",
      `num_physpages (${present}) leaves ${frames - present} frames of the image's PFN span as holes, spread over more gaps than the ${MAX_RANGES} holes thaw models`,
      { kind: "field", name: "num_physpages", value: present },
    );
  }
  if (budget > 0)
    throw new ImageFormatError(
      "EINVAL",
      `num_physpages (${present}) leaves no room for the image's ${scan.count} PFNs`,
      { kind: "field", name: "num_physpages", value: present },
    );
  const highmem = Math.min(frames, input.highmemStartPfn ?? frames);
  return {
    machine: {
      frames,
      zones: { dmaEndPfn: Math.min(frames, DMA_PAGES, highmem), highmemStartPfn: highmem },
      holes: holes.sort((a, b) => a.start - b.start),
      nosave: [],
    },
    entries: scan.count,
    zero: scan.zero,
  };
}
