/**
 * Progress of long work, reported between batches (the library never prints; the CLI draws bars from these events).
 */
import type { PhaseName } from "./phaseNames.js";

/** One progress report: @done of @total pages in @phase. */
export interface ProgressEvent {
  phase: PhaseName | "suspend" | "dump";
  done: number;
  total: number;
}

/** A callback for progress reports. */
export type ProgressListener = (event: ProgressEvent) => void;
