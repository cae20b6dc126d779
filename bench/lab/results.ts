/**
 * What the bitmap lab measures and produces: the workloads, the rows of a run and its result (shared by the lab,
 * bitmaps.ts, and its report, report.ts).
 */
import type { BitmapStrategy } from "../../src/machine/config.js";
import type { SubjectFamily } from "./subjects.js";

const M = 2 ** 20;

/** The workloads, in the order they run on each map. */
export const WORKLOADS = [
  "set.random",
  "test.hit",
  "test.miss",
  "set.ascending",
  "set.clustered",
  "walk.25",
  "walk.1",
  "seek.1",
  "duplicate.1",
] as const;

/** One of WORKLOADS. */
export type Workload = (typeof WORKLOADS)[number];

/** What a row measures "per". */
export const WORKLOAD_UNIT: Record<Workload, string> = {
  "set.random": "PFN",
  "test.hit": "PFN",
  "test.miss": "PFN",
  "set.ascending": "PFN",
  "set.clustered": "PFN",
  "walk.25": "set bit",
  "walk.1": "set bit",
  "seek.1": "seek",
  "duplicate.1": "PFN of the map",
};

/** One measurement. */
export interface BenchRow {
  pfns: number;
  workload: Workload;
  subject: string;
  family: SubjectFamily | "c";
  strategy?: BitmapStrategy;
  /** ns per unit (WORKLOAD_UNIT): the median sample; null when not measured (see note). */
  nsPerOp: number | null;
  /** ns per unit of the fastest sample: the figure least disturbed by other work on a shared machine. */
  nsMin: number | null;
  /** Units per call. */
  opsPerCall: number;
  samples: number;
  /** Relative margin of error of the mean, %. */
  rme: number | null;
  method: "harness" | "single" | "c" | "skipped";
  note?: string;
}

/** Bytes one map takes. */
export interface MemoryRow {
  pfns: number;
  subject: string;
  family: SubjectFamily;
  strategy?: BitmapStrategy;
  /** The map holding the 1 %-dense set. */
  bytes: number | null;
  /** bytes / (pfns / 8): 1.0 is one bit per PFN. */
  perFlat: number | null;
}

/** One target of issue 3, with the figures it was judged on. */
export interface TargetRow {
  target: string;
  met: boolean | null;
  figures: string;
}

/** simulate() with one strategy: what each phase took. */
export interface EndToEndRow {
  strategy: BitmapStrategy;
  scenario: string;
  totalMs: number;
  phases: { name: string; ms: number }[];
  /** Counts and verification equal to the first strategy's (they must be: bitmap.ts charges every strategy alike). */
  sameAsFirst: boolean;
}

/** The lab's figure for the plain JS bitmap against the same loop timed alone (standalone.ts), fastest samples. */
export interface CrossCheckRow {
  pfns: number;
  op: "set" | "test";
  labNsMin: number;
  labNsMedian: number;
  standaloneNsMin: number;
  standaloneNsMedian: number;
  /** labNsMin / standaloneNsMin. */
  ratio: number;
  /** Within 20 %. */
  agrees: boolean;
}

/** Everything a run produced. */
export interface BitmapBenchResult {
  schema: "thaw-bench-bitmaps/2";
  date: string;
  command: string;
  quick: boolean;
  /** loadavg: the 1-minute load average at the start and at the end of the run (other work on the machine). */
  machine: { nproc: number; cpu: string; memoryGiB: number; node: string; platform: string; loadavg: [number, number] };
  config: { sizes: number[]; batch: number; maxTime: number; minSamples: number; callBudgetMs: number };
  rows: BenchRow[];
  memory: MemoryRow[];
  /** The harness checked against a standalone loop, per size (absent in results of schema 1). */
  crossCheck?: CrossCheckRow[];
  targets: TargetRow[];
  endToEnd: EndToEndRow[];
  notes: string[];
  durationMs: number;
}

/** sizeLabel - 1048576 → "1M", 1073741824 → "1G". */
export function sizeLabel(pfns: number): string {
  if (pfns >= 2 ** 30 && pfns % 2 ** 30 === 0) return `${pfns / 2 ** 30}G`;
  if (pfns >= M && pfns % M === 0) return `${pfns / M}M`;
  if (pfns >= 1024 && pfns % 1024 === 0) return `${pfns / 1024}K`;
  return String(pfns);
}
