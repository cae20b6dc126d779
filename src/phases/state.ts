/**
 * The host's side of one resume: what the phases share besides the engine's CTX record.
 */

import { EFAULT, ENOMEM } from "../../assembly/portable/errno.js";
import * as L from "../../assembly/portable/layout.js";
import { errnoName, type Offending, ResumeError } from "../errors.js";
import type { ReadAheadThread } from "../image/readAhead.js";
import type { ImageSource } from "../image/source.js";
import type { ContentsStore } from "../machine/contentsStore.js";
import type { Machine } from "../machine/machine.js";
import type { PhaseName } from "../phaseNames.js";
import type { ProgressListener } from "../progress.js";
import type { StreamStage } from "./stage.js";

/** The state of a resume in progress. */
export interface ResumeState {
  machine: Machine;
  source: ImageSource;
  /** Where the loading phases take the stream from (stream page 1 onwards), a batch at a time. */
  stage: StreamStage;
  /** The read-ahead thread filling the stage, when there is one (stopped when the session releases the image). */
  readAhead: ReadAheadThread | undefined;
  onProgress: ProgressListener | undefined;
  /** How loadImage places pages: the kernel's page-by-page order, or thaw's plan-then-copy (same result). */
  mode: LoadMode;
  /** The frames' contents, for a machine whose frames live in a contents store. */
  store: ContentsStore | undefined;
  /** Result of the verify phase, once it has run. */
  verify?: VerifyReport;
}

/** How loadImage places pages (see src/phases/loadImage.ts). */
export type LoadMode = "faithful" | "planned";

/** What verification found. */
export interface VerifyReport {
  /** Image PFNs checked (zero pages included). */
  pages: number;
  /** Image PFNs whose frame does not hold their image page (at most MISMATCH_CAPACITY listed). */
  mismatches: number[];
  /** Frames the restore never took, checked against their boot-time contents (0 without frame memory). */
  untouchedFrames: number;
  /**
   * Those whose memory was read: every one the written map lists, and an evenly spaced sample of at most
   * UNTOUCHED_READS of the others (memory nothing wrote since boot), which checks the written map itself.
   */
  untouchedRead?: number;
  /** Those that changed. */
  untouchedMismatches: number[];
  /**
   * Without frame memory: both PBE chains walked and checked (every original an image PFN, strictly descending, every
   * copy outside the image), and the originals of the PBEs that break a rule.
   */
  chains?: { pbes: number; highmemPbes: number; violations: number[] };
}

/**
 * failureText - The engine's failure record (CTX_ERR_*) in words: what ran out or what was wrong, with its value and
 * bound.
 */
export function failureText(machine: Machine, ret: number): string {
  const { what, value, limit } = machine.mem.failure();
  const code = -ret;
  switch (what) {
    case L.ERR_WHAT_PAGES_NEEDED:
      return `out of memory: ${value} more lowmem frames needed, ${limit} free`;
    case L.ERR_WHAT_HIGHMEM_NEEDED:
      return `out of memory: ${value} more highmem frames needed, ${limit} free`;
    case L.ERR_WHAT_BITMAP_FRAMES:
      return `no memory for a memory bitmap: it takes ${value} frames, ${limit} lowmem frames were free`;
    case L.ERR_WHAT_BITMAP_SLOTS:
      return `every one of the machine's ${limit} bitmap slots is in use`;
    case L.ERR_WHAT_METADATA:
      return `the metadata arena is full (${limit} entries or pages; the machine was laid out for a smaller image)`;
    case L.ERR_WHAT_PAGE_INDEX: {
      const page = `image page ${value} of ${limit} (in PFN order, zero pages included)`;
      if (code === ENOMEM) return `out of memory placing ${page}: no safe page or chain page left`;
      if (code === EFAULT) return `${page} has no PFN left in orig_bm: the PFN list is shorter than the stream`;
      return `the stream and the PFN list disagree at ${page}`;
    }
    case L.ERR_WHAT_COUNT:
      return `${value} pages where ${limit} were expected`;
    case L.ERR_WHAT_PFN:
      return `PFN ${value} cannot be restored (the machine has ${limit} frames)`;
    default:
      return `the engine failed with ${errnoName(ret)}`;
  }
}

/**
 * engineError - The ResumeError for a negative errno @ret of the engine in @phase, with the offending value the engine
 * recorded (CTX_ERR_*), worded by @describe or by failureText().
 */
export function engineError(
  machine: Machine,
  phase: PhaseName,
  ret: number,
  describe?: (o: Offending | undefined) => string,
): ResumeError {
  const failure = machine.mem.failure();
  const kinds: Record<number, Offending["kind"]> = {
    [L.ERR_WHAT_PFN]: "pfn",
    [L.ERR_WHAT_PAGE_INDEX]: "page",
    [L.ERR_WHAT_COUNT]: "pages",
    [L.ERR_WHAT_PAGES_NEEDED]: "pages",
    [L.ERR_WHAT_HIGHMEM_NEEDED]: "pages",
    [L.ERR_WHAT_BITMAP_FRAMES]: "pages",
    [L.ERR_WHAT_BITMAP_SLOTS]: "pages",
    [L.ERR_WHAT_METADATA]: "pages",
  };
  const kind = kinds[failure.what];
  const offending: Offending | undefined = kind
    ? { kind, value: Number(failure.value), limit: Number(failure.limit) }
    : undefined;
  return new ResumeError(phase, errnoName(ret), describe ? describe(offending) : failureText(machine, ret), offending);
}
