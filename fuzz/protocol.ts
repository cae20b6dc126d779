/**
 * Messages between a campaign and its fuzz workers.
 */
import type { CaseOptions, CaseVerdict } from "./oracle.js";

/** What a worker is started with (workerData). */
export interface WorkerInit {
  corpusDir: string;
  /** Folder for the worker's case file. */
  workDir: string;
  workerId: number;
  campaignSeed: number;
  sweepEvery: number;
  /** Seed names to use (default: all of the corpus). */
  seeds?: string[];
}

/** A case as it is about to run. */
export interface CaseStart {
  type: "start";
  index: number;
  seed: string;
  mutation: string;
  detail: string;
  options: CaseOptions;
  /** Where the worker wrote the case's image. */
  path: string;
  sweep: boolean;
}

/** What a worker says. */
export type WorkerMessage =
  | { type: "ready"; sweep: number }
  | CaseStart
  | { type: "result"; index: number; verdict: CaseVerdict }
  | { type: "fatal"; index: number; message: string; stack: string | undefined };
