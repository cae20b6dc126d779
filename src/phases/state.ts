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

/** The state of a resume in progress. */
export interface ResumeState {
  machine: Machine;
  source: ImageSource;
  /** The reader the loading phases share (stream page 1 onwards). */
  reader: StreamReader;
  /** crc32_le of the stream pages read so far, in stream order (§5.7). */
  crc: number;
  onProgress: ProgressListener | undefined;
  /** Result of the verify phase, once it has run. */
  verify?: VerifyReport;
}

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

/**
 * readPages - Read the next @count stream pages of @state's reader into the staging region; returns the view.
 * @throws ResumeError (ENODATA) in @phase when the stream ends first, naming the page (@what: "PFN metadata page"…).
 */
export function readPages(state: ResumeState, phase: PhaseName, count: number, what: string, first: number, total: number): Uint8Array {
  const { pageSize } = state.machine.spec;
  const view = state.machine.bytes(L.STAGING_START, count * pageSize);
  let got: number;
  try {
    got = state.reader.read(view);
  } catch (error) {
    throw error instanceof ImageFormatError ? error.inPhase(phase) : error;
  }
  if (got < count) {
    throw new ResumeError(phase, "ENODATA", `image ends at ${what} ${first + got} of ${total}`, { kind: "page", value: first + got, limit: total });
  }
  if (state.reader.crc32 === undefined) state.crc = crc32Le(view, state.crc);
  return view;
}

/** streamCrc - crc32_le of the stream read so far (the reader's own when it keeps one). */
export function streamCrc(state: ResumeState): number {
  return state.reader.crc32 ?? state.crc;
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
