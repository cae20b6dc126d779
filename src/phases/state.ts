/**
 * The host's side of one resume: what the phases share besides the engine's CTX record.
 */

import * as L from "../../assembly/portable/layout.js";
import { errnoName, ImageFormatError, type Offending, ResumeError } from "../errors.js";
import type { ReadAheadThread } from "../image/readAhead.js";
import type { ImageSource, StreamReader } from "../image/source.js";
import type { Machine } from "../machine/machine.js";
import type { PhaseName } from "../phaseNames.js";
import type { ProgressListener } from "../progress.js";
import { crc32Le } from "../util/crc32.js";

/** The state of a resume in progress. */
export interface ResumeState {
  machine: Machine;
  source: ImageSource;
  /** The reader the loading phases share (stream page 1 onwards). */
  reader: StreamReader;
  /** crc32_le of the stream pages read so far, in stream order (§5.7). */
  crc: number;
  onProgress: ProgressListener | undefined;
  /** The read-ahead thread, for a stream stored uncompressed in its file: it reads and checksums the batches. */
  readAhead: ReadAheadThread | undefined;
  /** Staging half the next batch goes to. */
  half: number;
  /** The batch the read-ahead thread is already reading: its job, staging half and page count. */
  pending: { job: number; half: number; count: number } | undefined;
  /** How loadImage places pages: the kernel's page-by-page order, or thaw's plan-then-copy (same result). */
  mode: LoadMode;
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
  /** Frames the restore never took, checked against their boot-time contents. */
  untouchedFrames: number;
  /** Those that changed. */
  untouchedMismatches: number[];
}

/** Pages in one staging half: batches alternate between the halves so that reading overlaps placing. */
export function stagingBatch(state: Pick<ResumeState, "machine">): number {
  return L.STAGING_SIZE / 2 / state.machine.spec.pageSize;
}

/**
 * readPages - The next @count (≤ stagingBatch) stream pages, in a staging half; returns the view.
 * @next: the size of the batch the caller will ask for after this one (0 if none): the read-ahead thread starts
 *   reading it into the other half at once, while the caller works on this one.
 * @throws ResumeError (ENODATA) in @phase when the stream ends first, naming the page (@what: "PFN metadata page"…).
 */
export function readPages(
  state: ResumeState,
  phase: PhaseName,
  count: number,
  what: string,
  first: number,
  total: number,
  next = 0,
): Uint8Array {
  const { machine } = state;
  const halfBytes = L.STAGING_SIZE / 2;
  if (!state.readAhead) {
    const view = machine.bytes(L.STAGING_START + state.half * halfBytes, count * machine.spec.pageSize);
    state.half ^= 1;
    return readInto(state, phase, view, what, first, total);
  }
  let pending = state.pending;
  if (!pending || pending.count !== count) {
    const half = state.half;
    state.half ^= 1;
    pending = { job: state.readAhead.post(L.STAGING_START + half * halfBytes, count), half, count };
  }
  state.pending = undefined;
  if (next > 0) {
    const half = state.half;
    state.half ^= 1;
    state.pending = { job: state.readAhead.post(L.STAGING_START + half * halfBytes, next), half, count: next };
  }
  const got = state.readAhead.waitFor(pending.job);
  if (got < count) {
    throw new ResumeError(phase, "ENODATA", `image ends at ${what} ${first + got} of ${total}`, {
      kind: "page",
      value: first + got,
      limit: total,
    });
  }
  return machine.bytes(L.STAGING_START + pending.half * halfBytes, count * machine.spec.pageSize);
}

/**
 * readInto - Read the next stream pages through the reader straight into @view (a run of frames, or the staging
 * region); checksums them unless the reader does. @throws ResumeError (ENODATA) in @phase when the stream ends first.
 */
export function readInto(
  state: ResumeState,
  phase: PhaseName,
  view: Uint8Array,
  what: string,
  first: number,
  total: number,
): Uint8Array {
  const count = view.length / state.machine.spec.pageSize;
  let got: number;
  try {
    got = state.reader.read(view);
  } catch (error) {
    throw error instanceof ImageFormatError ? error.inPhase(phase) : error;
  }
  if (got < count) {
    throw new ResumeError(phase, "ENODATA", `image ends at ${what} ${first + got} of ${total}`, {
      kind: "page",
      value: first + got,
      limit: total,
    });
  }
  if (state.reader.crc32 === undefined) state.crc = crc32Le(view, state.crc);
  return view;
}

/** streamCrc - crc32_le of the stream read so far: the reader's own, the read-ahead thread's, or this thread's. */
export function streamCrc(state: ResumeState): number {
  return state.reader.crc32 ?? state.readAhead?.crc() ?? state.crc;
}

/**
 * engineError - The ResumeError for a negative errno @ret of the engine in @phase, with the offending value the engine
 * recorded (CTX_ERR_*) and @describe's wording of it.
 */
export function engineError(
  machine: Machine,
  phase: PhaseName,
  ret: number,
  describe: (o: Offending | undefined) => string,
): ResumeError {
  const failure = machine.mem.failure();
  const what = failure.what;
  const value = Number(failure.value);
  const limit = Number(failure.limit);
  const kinds: Record<number, Offending["kind"]> = {
    [L.ERR_WHAT_PFN]: "pfn",
    [L.ERR_WHAT_PAGE_INDEX]: "page",
    [L.ERR_WHAT_COUNT]: "pages",
    [L.ERR_WHAT_PAGES_NEEDED]: "pages",
  };
  const offending: Offending | undefined = kinds[what] ? { kind: kinds[what]!, value, limit } : undefined;
  return new ResumeError(phase, errnoName(ret), describe(offending), offending);
}
