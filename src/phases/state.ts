/**
 * The host's side of one resume: what the phases share besides the engine's CTX record.
 */
import type { Machine } from "../machine/machine.js";
import type { ImageSource, StreamReader } from "../image/source.js";
import type { ProgressListener } from "../progress.js";
import { ResumeError, ImageFormatError, errnoName, type Offending } from "../errors.js";
import type { PhaseName } from "./names.js";
import * as L from "../../assembly/portable/layout.js";
import { crc32Le } from "../util/crc32.js";
import type { CrcThread } from "../util/crcThread.js";

/** The state of a resume in progress. */
export interface ResumeState {
  machine: Machine;
  source: ImageSource;
  /** The reader the loading phases share (stream page 1 onwards). */
  reader: StreamReader;
  /** crc32_le of the stream pages read so far, in stream order (§5.7). */
  crc: number;
  onProgress: ProgressListener | undefined;
  /** The CRC thread, when the reader does not checksum the stream itself. */
  crcThread: CrcThread | undefined;
  /** Staging half the next batch goes to, and the CRC job that last read each half. */
  half: number;
  halfJob: [number, number];
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

/** Pages in one staging half: batches alternate between the halves so that reading overlaps checksumming. */
export function stagingBatch(state: ResumeState): number {
  return L.STAGING_SIZE / 2 / state.machine.spec.pageSize;
}

/**
 * readPages - Read the next @count (≤ stagingBatch) stream pages into a staging half; returns the view.
 * The half is reused only once the CRC thread is done with what was last read into it.
 * @throws ResumeError (ENODATA) in @phase when the stream ends first, naming the page (@what: "PFN metadata page"…).
 */
export function readPages(state: ResumeState, phase: PhaseName, count: number, what: string, first: number, total: number): Uint8Array {
  const half = state.half as 0 | 1;
  state.half ^= 1;
  const lastJob = state.halfJob[half];
  if (state.crcThread && lastJob >= 0) state.crcThread.waitFor(lastJob);
  const view = state.machine.bytes(L.STAGING_START + half * (L.STAGING_SIZE / 2), count * state.machine.spec.pageSize);
  readInto(state, phase, view, what, first, total);
  if (state.crcThread) state.halfJob[half] = state.crcThread.post(view.byteOffset, view.length);
  return view;
}

/**
 * readInto - Read the next stream pages straight into @view (a run of frames, or the staging region); checksums them
 * unless the reader does. @throws ResumeError (ENODATA) in @phase when the stream ends first.
 */
export function readInto(state: ResumeState, phase: PhaseName, view: Uint8Array, what: string, first: number, total: number): Uint8Array {
  const count = view.length / state.machine.spec.pageSize;
  let got: number;
  try {
    got = state.reader.read(view);
  } catch (error) {
    throw error instanceof ImageFormatError ? error.inPhase(phase) : error;
  }
  if (got < count) {
    throw new ResumeError(phase, "ENODATA", `image ends at ${what} ${first + got} of ${total}`, { kind: "page", value: first + got, limit: total });
  }
  if (state.reader.crc32 === undefined && !state.crcThread) state.crc = crc32Le(view, state.crc);
  else if (state.crcThread && !isStaging(view)) state.crcThread.post(view.byteOffset, view.length);
  return view;
}

function isStaging(view: Uint8Array): boolean {
  return view.byteOffset >= L.STAGING_START && view.byteOffset < L.STAGING_START + L.STAGING_SIZE;
}

/** streamCrc - crc32_le of the stream read so far: the reader's own, the CRC thread's, or this thread's. */
export function streamCrc(state: ResumeState): number {
  return state.reader.crc32 ?? state.crcThread?.crc() ?? state.crc;
}

/**
 * engineError - The ResumeError for a negative errno @ret of the engine in @phase, with the offending value the engine
 * recorded (CTX_ERR_*) and @describe's wording of it.
 */
export function engineError(machine: Machine, phase: PhaseName, ret: number, describe: (o: Offending | undefined) => string): ResumeError {
  const what = machine.ctx(L.CTX_ERR_WHAT);
  const value = machine.ctx64(L.CTX_ERR_VALUE);
  const limit = machine.ctx64(L.CTX_ERR_LIMIT);
  const kinds: Record<number, Offending["kind"]> = {
    [L.ERR_WHAT_PFN]: "pfn", [L.ERR_WHAT_PAGE_INDEX]: "page", [L.ERR_WHAT_COUNT]: "pages", [L.ERR_WHAT_PAGES_NEEDED]: "pages",
  };
  const offending: Offending | undefined = kinds[what] ? { kind: kinds[what]!, value, limit } : undefined;
  return new ResumeError(phase, errnoName(ret), describe(offending), offending);
}
