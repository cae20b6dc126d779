/**
 * The bitmap benchmark lab: thaw's four strategies (bulk calls and one call per PFN), the JS and native peers and a
 * C -O2 flat bitmap, through the same PFN workloads at 1M, 32M, 256M and 1G PFNs, every subject measured by one
 * warmed harness (harness.ts) with the same batches and the same call pattern: one call of the subject's own method
 * per batch.
 *
 * Workloads (B = the batch, 1M PFNs; 256K with --quick):
 *   set.random      set B random PFNs, again and again into the same map (steady state: after the first pass every
 *                   bit is set already, for a Set an add of an existing key)
 *   set.ascending   the same PFNs sorted
 *   set.clustered   runs of 512 PFNs covering 25 % of the map, runs in random order (at most 64M PFNs per batch)
 *   test.hit        test the B random PFNs in the map set.random built
 *   test.miss       test B random PFNs that are not in it
 *   walk.25         every set bit, in order, of a map with each bit set with probability 1/4 (per set bit)
 *   walk.1          the same at 1 %
 *   seek.1          the first set bit at or after each of B random positions in the 1 % map
 *   duplicate.1     union the 1 % map into a second map of the same kind (per PFN of the map)
 * A call whose batch would take longer than the per-call budget runs on a prefix of the batch instead (bmlist's
 * linear block walk at 256M PFNs and up, roaring's per-PFN adds at 1G); a walk or duplicate longer than the budget is
 * timed once. Each row says which.
 *
 * Results are ns per PFN (per set bit walked, per seek, per PFN of the map duplicated): a sample (one timed call)
 * divided by the PFNs per call; the rows keep the fastest sample and the median. At each size the plain JS bitmap
 * peer is cross-checked against the same loops timed alone (standalone.ts): the two must agree within 20 %, or the
 * harness, not the peer, is what was measured (the result says which).
 */

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { BitmapArena } from "../../src/bitmap/index.js";
import { packageRoot } from "../../src/engine/load.js";
import { BITMAP_STRATEGIES } from "../../src/engine/strategies.js";
import type { BitmapStrategy } from "../../src/machine/config.js";
import { writeResultsSection } from "../resultsFile.js";
import { type HarnessOptions, measure, type Timing } from "./harness.js";
import { bitmapBenchCharts, bitmapBenchMarkdown } from "./report.js";
import {
  type BenchRow,
  type BitmapBenchResult,
  type CrossCheckRow,
  type EndToEndRow,
  type MemoryRow,
  sizeLabel,
  type TargetRow,
  type Workload,
} from "./results.js";
import type { StandaloneFigure } from "./standalone.js";
import { type Batch, loadPeers, type PeerName, type Subject, ThawSubject } from "./subjects.js";
import { clusteredPfns, densityWords, popcount, randomPfns, xorshift } from "./workloads.js";

/** Options of runBitmapBench(). */
export interface BitmapBenchOptions {
  /** 1M and 32M PFNs, a 256K batch and short samples: about a minute. */
  quick?: boolean;
  /** The caller prints JSON (the lab itself never writes to stdout). */
  json?: boolean;
  /** Progress and notes, one event per case. */
  onProgress?: (event: BitmapBenchProgress) => void;
  /** PFN counts to run (default: 1M, 32M, 256M, 1G; quick: 1M, 32M). */
  sizes?: readonly number[];
  /** Strategies to run (default all four). */
  strategies?: readonly BitmapStrategy[];
  /** Measure the C -O2 baseline when gcc is present (default true). */
  c?: boolean;
  /** The command line to record with the results. */
  command?: string;
  /** Also simulate() the default scenario (64 MiB with --quick) with each strategy, phase times side by side. */
  endToEnd?: boolean;
  /**
   * Run each group of subjects (SUBJECT_GROUPS) in a process of its own (default true): a peer's package loaded into
   * the process slows the others' loops (measured: the plain JS bitmap's set 2.6 ns alone, 3.2-4 ns with
   * typedfastbitset or roaring-wasm loaded, 4-18 ns with the native roaring), so no subject shares a process with
   * another group's code. false: every group in this process.
   */
  isolate?: boolean;
  /** Run only this group's subjects, in this process (what each isolated process does). */
  group?: SubjectGroup;
}

/** The groups of subjects, each measured in a process of its own: thaw's strategies, the JS maps, each package. */
export const SUBJECT_GROUPS = ["thaw", "js", "typedfastbitset", "roaring-wasm", "roaring"] as const;

/** One of SUBJECT_GROUPS. */
export type SubjectGroup = (typeof SUBJECT_GROUPS)[number];

const GROUP_PEERS: Record<SubjectGroup, readonly PeerName[]> = {
  thaw: [],
  js: ["JS Set", "JS Uint32Array bitmap"],
  typedfastbitset: ["typedfastbitset"],
  "roaring-wasm": ["roaring-wasm"],
  roaring: ["roaring (native)"],
};

/** Progress of a run. */
export type BitmapBenchProgress =
  | { type: "size"; pfns: number; index: number; total: number }
  | {
      type: "case";
      pfns: number;
      workload: Workload;
      subject: string;
      nsPerOp: number | null;
      nsMin: number | null;
      note?: string;
    }
  | { type: "note"; message: string };

const STRATEGIES: readonly BitmapStrategy[] = BITMAP_STRATEGIES;
const M = 2 ** 20;
/** Clustered batches are capped at this many PFNs (the 1G map would need 256M); --quick caps them at 1M. */
const CLUSTERED_CAP = 64 * M;
/** With --quick, one call per PFN is measured on these workloads only. */
const QUICK_PER_CALL: readonly Workload[] = ["set.random", "test.hit", "walk.1", "seek.1"];

let sink = 0;

/** machineInfo - nproc, the CPU model from /proc/cpuinfo, memory, Node. */
export function machineInfo(): BitmapBenchResult["machine"] {
  let cpu = cpus()[0]?.model ?? "unknown";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) cpu = line.split(":")[1]!.trim();
  } catch {
    // not Linux: os.cpus() is as good as it gets
  }
  return {
    nproc: availableParallelism(),
    cpu,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadavg: [loadavg()[0]!, loadavg()[0]!],
  };
}

/** runC - Build bench/c/flatbitmap.c with gcc -O2 and run it at @pfns; null when gcc or the source is missing. */
function runC(
  pfns: number,
  batch: number,
  samples: number,
  seed: number,
): { set: [number, number]; test: [number, number] } | null {
  const source = join(packageRoot(), "bench", "c", "flatbitmap.c");
  if (!existsSync(source)) return null;
  const dir = mkdtempSync(join(tmpdir(), "thaw-c-"));
  try {
    const exe = join(dir, "flatbitmap");
    try {
      execFileSync("gcc", ["-O2", "-o", exe, source], { stdio: ["ignore", "ignore", "pipe"] });
    } catch {
      return null;
    }
    const out = execFileSync(exe, [String(pfns), String(batch), String(samples), String(seed)], { encoding: "utf8" });
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { op: string; medianNs: number; minNs: number });
    const pick = (op: string): [number, number] => {
      const l = lines.find((x) => x.op === op)!;
      return [l.medianNs, l.minNs];
    };
    return { set: pick("set"), test: pick("test") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Case {
  subject: Subject;
  /** The hot function: one call does @ops units. */
  fn: () => void;
  ops: number;
  note?: string;
}

/**
 * runBitmapBench - Run the bitmap lab and return every figure, the memory of each map and the targets.
 * @options: quick, json, onProgress, sizes, strategies, c (see BitmapBenchOptions).
 */
export async function runBitmapBench(options: BitmapBenchOptions = {}): Promise<BitmapBenchResult> {
  if (options.group === undefined && options.isolate !== false) return runIsolated(options);
  const groups: readonly SubjectGroup[] = options.group ? [options.group] : SUBJECT_GROUPS;
  const whole = options.group === undefined;
  const started = performance.now();
  const loadAtStart = loadavg()[0]!;
  const quick = options.quick ?? false;
  const sizes = [...(options.sizes ?? (quick ? [M, 32 * M] : [M, 32 * M, 256 * M, 1024 * M]))];
  const strategies = options.strategies ?? STRATEGIES;
  const batchSize = quick ? 256 * 1024 : M;
  const seekCount = quick ? 64 * 1024 : M;
  const harness: HarnessOptions = quick
    ? { warmCalls: 2, warmMs: 20, minSamples: 5, maxMs: 40, maxSamples: 50 }
    : { warmCalls: 3, warmMs: 150, minSamples: 7, maxMs: 400, maxSamples: 200 };
  const callBudgetMs = quick ? 15 : 150;
  const singleBudgetMs = quick ? 100 : 4000;
  const progress = options.onProgress ?? (() => {});
  const notes: string[] = [];
  const note = (message: string) => {
    notes.push(message);
    progress({ type: "note", message });
  };

  const peers = await loadPeers(groups.flatMap((g) => GROUP_PEERS[g]));
  for (const p of peers) if ("missing" in p) note(`${p.name} not available, skipped: ${p.missing.split("\n")[0]}`);

  const rows: BenchRow[] = [];
  const memory: MemoryRow[] = [];
  const crossCheck: CrossCheckRow[] = [];
  const record = (row: BenchRow) => {
    rows.push(row);
    progress({
      type: "case",
      pfns: row.pfns,
      workload: row.workload,
      subject: row.subject,
      nsPerOp: row.nsPerOp,
      nsMin: row.nsMin,
      note: row.note,
    });
  };

  /** Subjects that threw at this size (a peer's bug, say), with the message: skipped from then on. */
  let broken = new Map<Subject, string>();
  const fail = (pfns: number, workload: Workload, subject: Subject, error: unknown) => {
    const message = `threw: ${(error as Error).message.split("\n")[0]}`;
    broken.set(subject, message);
    note(`${subject.name} at ${pfns} PFNs, ${workload}: ${message}; skipped at this size from here on`);
  };

  const runSuite = async (pfns: number, workload: Workload, all: (Case | null)[]) => {
    const cases = all.filter(
      (c): c is Case => c !== null && (!quick || QUICK_PER_CALL.includes(workload) || c.subject.family !== "thaw-call"),
    );
    const runnable: Case[] = [];
    for (const c of cases) {
      if (broken.has(c.subject)) continue;
      const t0 = performance.now();
      try {
        c.fn();
      } catch (error) {
        fail(pfns, workload, c.subject, error);
        continue;
      }
      const ms = performance.now() - t0;
      if (ms > singleBudgetMs) {
        record({
          pfns,
          workload,
          subject: c.subject.name,
          family: c.subject.family,
          strategy: familyStrategy(c.subject),
          nsPerOp: (ms * 1e6) / c.ops,
          nsMin: (ms * 1e6) / c.ops,
          opsPerCall: c.ops,
          samples: 1,
          rme: null,
          method: "single",
          note: [c.note, `one call of ${ms.toFixed(0)} ms, timed once`].filter(Boolean).join("; "),
        });
      } else {
        runnable.push(c);
      }
    }
    for (const c of runnable) {
      let t: Timing;
      try {
        t = measure(c.fn, c.ops, harness);
      } catch (error) {
        fail(pfns, workload, c.subject, error);
        continue;
      }
      record({
        pfns,
        workload,
        subject: c.subject.name,
        family: c.subject.family,
        strategy: familyStrategy(c.subject),
        nsPerOp: t.nsMedian,
        nsMin: t.nsMin,
        opsPerCall: c.ops,
        samples: t.samples,
        rme: t.rme,
        method: "harness",
        note: c.note,
      });
    }
  };

  for (const [index, pfns] of sizes.entries()) {
    progress({ type: "size", pfns, index, total: sizes.length });
    broken = new Map();
    const seed = 0x9e3779b9 ^ pfns;
    const random = randomPfns(Math.min(batchSize, pfns), pfns, seed);
    const ascending = random.slice().sort();
    const clustered = clusteredPfns(pfns, seed + 1, quick ? M : CLUSTERED_CAP);
    if (clustered.length < pfns / 4)
      note(
        `set.clustered at ${pfns} PFNs: the batch is the first ${clustered.length} PFNs of the run list (capped at ${CLUSTERED_CAP})`,
      );
    const inRandom = new Uint32Array(Math.ceil(pfns / 32));
    for (const p of random) inRandom[p >>> 5]! |= 1 << (p & 31);
    const misses = new Uint32Array(random.length);
    {
      const next = xorshift(seed + 2);
      for (let i = 0; i < misses.length; ) {
        const p = Math.floor((next() * pfns) / 2 ** 32);
        if (((inRandom[p >>> 5]! >>> (p & 31)) & 1) === 0) misses[i++] = p;
      }
    }
    const seeks = randomPfns(Math.min(seekCount, pfns), pfns, seed + 3);
    const words25 = densityWords(pfns, 0.25, seed + 4);
    const words1 = densityWords(pfns, 0.01, seed + 5);
    const count25 = popcount(words25);
    const count1 = popcount(words1);

    const outCap = 64 * 1024;
    const arrays = [random, ascending, clustered, misses, seeks];
    const arrayBytes = arrays.reduce((sum, a) => sum + a.byteLength + 64, 0) + 4 * outCap + 64;
    const arena = await BitmapArena.create({
      pfns,
      strategies,
      slots: 2 * strategies.length,
      arrayBytes,
      flavour: "release",
    });
    const stage = (a: Uint32Array): Batch => {
      const inArena = arena.pfnArray(a.length);
      inArena.set(a);
      return { pfns: a, inArena };
    };
    const [bRandom, bAscending, bClustered, bMisses, bSeeks] = arrays.map(stage) as [Batch, Batch, Batch, Batch, Batch];
    const out = arena.pfnArray(outCap);

    const subjects: Subject[] = [];
    for (const s of groups.includes("thaw") ? strategies : []) {
      const bulk = new ThawSubject(arena, s, "thaw-bulk", out);
      subjects.push(bulk, new ThawSubject(arena, s, "thaw-call", out, bulk));
    }
    for (const p of peers) if ("make" in p) subjects.push(p.make(pfns));
    const owners = subjects.filter((s) => !(s instanceof ThawSubject && s.family === "thaw-call"));

    /** An array workload: the whole batch, or the prefix that fits the per-call budget. */
    const arrayCase = (
      workload: Workload,
      subject: Subject,
      batch: Batch,
      op: (b: Batch, n: number) => unknown,
    ): Case | null => {
      if (broken.has(subject)) return null;
      const n = batch.pfns.length;
      const probe = Math.min(n, 4096);
      let best = Infinity;
      try {
        for (let r = 0; r < 3; r++) {
          const t0 = performance.now();
          sink += Number(op(batch, probe) ?? 0);
          best = Math.min(best, performance.now() - t0);
        }
      } catch (error) {
        fail(pfns, workload, subject, error);
        return null;
      }
      const projected = (best * n) / probe;
      if (projected <= callBudgetMs || n === probe)
        return { subject, ops: n, fn: () => void (sink += Number(op(batch, n) ?? 0)) };
      const k = Math.max(probe, Math.floor((n * callBudgetMs) / projected));
      return {
        subject,
        ops: k,
        fn: () => void (sink += Number(op(batch, k) ?? 0)),
        note: `prefix of ${k} of ${n} PFNs (a full call would take ~${projected.toFixed(0)} ms)`,
      };
    };
    const clearAll = (workload: Workload) => {
      for (const s of owners) {
        if (broken.has(s)) continue;
        try {
          s.clear();
        } catch (error) {
          fail(pfns, workload, s, error);
        }
      }
    };
    const skip = (workload: Workload, subject: Subject, why: string) =>
      record({
        pfns,
        workload,
        subject: subject.name,
        family: subject.family,
        strategy: familyStrategy(subject),
        nsPerOp: null,
        nsMin: null,
        opsPerCall: 0,
        samples: 0,
        rme: null,
        method: "skipped",
        note: why,
      });

    clearAll("set.random");
    const holdsRandom = subjects.filter((s) => s.cannotHold(random.length) === null);
    for (const s of subjects) if (!holdsRandom.includes(s)) skip("set.random", s, s.cannotHold(random.length)!);
    await runSuite(
      pfns,
      "set.random",
      holdsRandom.map((s) => arrayCase("set.random", s, bRandom, (b, n) => s.set(b, n))),
    );
    await runSuite(
      pfns,
      "test.hit",
      holdsRandom.map((s) => arrayCase("test.hit", s, bRandom, (b, n) => s.test(b, n))),
    );
    await runSuite(
      pfns,
      "test.miss",
      holdsRandom.map((s) => arrayCase("test.miss", s, bMisses, (b, n) => s.test(b, n))),
    );
    if (whole) checkAgainstStandalone(pfns, random.length, seed, harness.minSamples, rows, crossCheck, note);

    clearAll("set.ascending");
    await runSuite(
      pfns,
      "set.ascending",
      holdsRandom.map((s) => arrayCase("set.ascending", s, bAscending, (b, n) => s.set(b, n))),
    );

    clearAll("set.clustered");
    const holdsClustered = subjects.filter((s) => s.cannotHold(clustered.length) === null);
    for (const s of subjects)
      if (!holdsClustered.includes(s)) skip("set.clustered", s, s.cannotHold(clustered.length)!);
    await runSuite(
      pfns,
      "set.clustered",
      holdsClustered.map((s) => arrayCase("set.clustered", s, bClustered, (b, n) => s.set(b, n))),
    );

    for (const [workload, words, count] of [
      ["walk.25", words25, count25],
      ["walk.1", words1, count1],
    ] as const) {
      clearAll(workload);
      const holders = subjects.filter((s) => s.cannotHold(count) === null);
      for (const s of subjects) if (!holders.includes(s)) skip(workload, s, s.cannotHold(count)!);
      for (const s of owners) {
        if (!holders.includes(s) || broken.has(s)) continue;
        try {
          s.fill(words);
        } catch (error) {
          fail(pfns, workload, s, error);
        }
      }
      const cases: Case[] = [];
      for (const s of holders) {
        if (broken.has(s)) continue;
        if (s.family === "thaw-call") {
          let best = Infinity;
          let probe = 0;
          for (let r = 0; r < 3; r++) {
            const t0 = performance.now();
            probe = s.walk(Math.min(count, 4096));
            best = Math.min(best, performance.now() - t0);
          }
          const projected = (best * count) / Math.max(1, probe);
          const k = projected > callBudgetMs ? Math.max(probe, Math.floor((count * callBudgetMs) / projected)) : count;
          cases.push({
            subject: s,
            ops: k,
            fn: () => void (sink += s.walk(k)),
            ...(k < count && { note: `first ${k} of ${count} set bits` }),
          });
        } else {
          cases.push({ subject: s, ops: count, fn: () => void (sink += s.walk()) });
        }
      }
      await runSuite(pfns, workload, cases);
      if (workload === "walk.1") {
        for (const s of subjects) {
          if (!holders.includes(s) || broken.has(s)) continue;
          if (s.family !== "thaw-call") {
            const bytes = s.bytes();
            memory.push({
              pfns,
              subject: s.name,
              family: s.family,
              strategy: familyStrategy(s),
              bytes,
              perFlat: bytes === null ? null : bytes / (pfns / 8),
            });
          }
        }
        const seekers = holders.filter((s) => s.lacks("seek") === null);
        for (const s of holders) if (!seekers.includes(s)) skip("seek.1", s, s.lacks("seek")!);
        await runSuite(
          pfns,
          "seek.1",
          seekers.map((s) => arrayCase("seek.1", s, bSeeks, (b, n) => s.seek(b, n))),
        );
        const dups = holders.filter((s) => s.lacks("duplicate") === null);
        for (const s of holders) if (!dups.includes(s)) skip("duplicate.1", s, s.lacks("duplicate")!);
        await runSuite(
          pfns,
          "duplicate.1",
          dups.map((s) => ({ subject: s, ops: pfns, fn: () => s.duplicate() })),
        );
      }
    }
    for (const s of subjects) {
      try {
        s.dispose();
      } catch (error) {
        note(`${s.name} at ${pfns} PFNs: dispose threw: ${(error as Error).message.split("\n")[0]}`);
      }
    }

    if (whole && options.c !== false)
      for (const row of cRows(pfns, random.length, seed, quick, index, note)) record(row);
  }

  const result: BitmapBenchResult = {
    schema: "thaw-bench-bitmaps/2",
    date: new Date().toISOString(),
    command: options.command ?? "runBitmapBench",
    quick,
    machine: { ...machineInfo(), loadavg: [loadAtStart, loadavg()[0]!] },
    config: {
      sizes,
      batch: batchSize,
      maxTime: harness.maxMs / 1000,
      minSamples: harness.minSamples,
      callBudgetMs,
    },
    rows,
    memory,
    crossCheck,
    targets: [],
    endToEnd: options.endToEnd === false || !whole ? [] : await runEndToEnd(strategies, quick, progress),
    notes,
    durationMs: 0,
  };
  result.targets = judgeTargets(result);
  result.durationMs = Math.round(performance.now() - started);
  if (sink === 0.5) note("unreachable: keeps the measured results alive");
  return result;
}

/** cRows - The C -O2 baseline's rows at @pfns (none, with a note at the first size, without gcc). */
function cRows(
  pfns: number,
  batch: number,
  seed: number,
  quick: boolean,
  index: number,
  note: (message: string) => void,
): BenchRow[] {
  const c = runC(pfns, batch, quick ? 5 : 11, seed);
  if (c === null) {
    if (index === 0) note("C baseline skipped: gcc or bench/c/flatbitmap.c not found");
    return [];
  }
  return (
    [
      ["set.random", c.set],
      ["test.hit", c.test],
    ] as const
  ).map(([workload, [median, min]]) => ({
    pfns,
    workload,
    subject: "C -O2 flat bitmap",
    family: "c" as const,
    nsPerOp: median,
    nsMin: min,
    opsPerCall: batch,
    samples: quick ? 5 : 11,
    rme: null,
    method: "c" as const,
  }));
}

/** checkAgainstStandalone - standaloneCheck() at @pfns into @out, with a note for each figure that disagrees. */
function checkAgainstStandalone(
  pfns: number,
  batch: number,
  seed: number,
  samples: number,
  rows: readonly BenchRow[],
  out: CrossCheckRow[],
  note: (message: string) => void,
): void {
  const checks = standaloneCheck(pfns, batch, seed, samples, rows);
  out.push(...checks);
  for (const c of checks.filter((x) => !x.agrees))
    note(
      `cross-check at ${sizeLabel(pfns)} PFNs, ${c.op}: the lab's JS Uint32Array bitmap ${c.labNsMin.toFixed(2)} ns vs ${c.standaloneNsMin.toFixed(2)} ns alone (${c.ratio.toFixed(2)}×): not within 20 %`,
    );
}

/**
 * runIsolated - runBitmapBench() with each subject group in a child process (bench/lab/child.ts) over the same sizes
 * and workloads, merged; then the cross-check, the C baseline, the end-to-end runs and the targets here.
 */
async function runIsolated(options: BitmapBenchOptions): Promise<BitmapBenchResult> {
  const started = performance.now();
  const loadAtStart = loadavg()[0]!;
  const progress = options.onProgress ?? (() => {});
  const quick = options.quick ?? false;
  const notes: string[] = [];
  const note = (message: string) => {
    notes.push(message);
    progress({ type: "note", message });
  };
  const parts: BitmapBenchResult[] = [];
  const childOptions = { quick, sizes: options.sizes, strategies: options.strategies };
  for (const group of SUBJECT_GROUPS) {
    note(`subjects of group ${group}, in a process of their own`);
    parts.push(await runChild({ ...childOptions, group }, progress));
  }
  const first = parts[0]!;
  const rows = parts.flatMap((p) => p.rows);
  const crossCheck: CrossCheckRow[] = [];
  const batchSize = first.config.batch;
  for (const [index, pfns] of first.config.sizes.entries()) {
    const seed = 0x9e3779b9 ^ pfns;
    const batch = Math.min(batchSize, pfns);
    checkAgainstStandalone(pfns, batch, seed, first.config.minSamples, rows, crossCheck, note);
    if (options.c !== false) rows.push(...cRows(pfns, batch, seed, quick, index, note));
  }
  const strategies = options.strategies ?? STRATEGIES;
  const result: BitmapBenchResult = {
    ...first,
    date: new Date().toISOString(),
    command: options.command ?? "runBitmapBench",
    machine: { ...machineInfo(), loadavg: [loadAtStart, loadavg()[0]!] },
    rows,
    memory: parts.flatMap((p) => p.memory),
    crossCheck,
    targets: [],
    endToEnd: options.endToEnd === false ? [] : await runEndToEnd(strategies, quick, progress),
    notes: [...new Set([...parts.flatMap((p) => p.notes), ...notes])],
    durationMs: 0,
  };
  result.targets = judgeTargets(result);
  result.durationMs = Math.round(performance.now() - started);
  return result;
}

/**
 * runChild - runBitmapBench(@options) in a child process: its progress events come back one JSON line each on
 * stderr, its result as JSON on stdout.
 * @throws Error when the child fails.
 */
function runChild(
  options: Pick<BitmapBenchOptions, "quick" | "sizes" | "strategies" | "group">,
  progress: (event: BitmapBenchProgress) => void,
): Promise<BitmapBenchResult> {
  const script = join(packageRoot(), "bench", "lab", "child.ts");
  const child = spawn(process.execPath, ["--import", "tsx", script, JSON.stringify(options)], {
    cwd: packageRoot(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  const other: string[] = [];
  createInterface({ input: child.stderr }).on("line", (line) => {
    if (line.startsWith(PROGRESS_PREFIX)) progress(JSON.parse(line.slice(PROGRESS_PREFIX.length)));
    else other.push(line);
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as BitmapBenchResult);
      else reject(new Error(`bitmap lab, group ${options.group}: exit ${code}\n${other.join("\n")}`));
    });
  });
}

/** The prefix of a child's progress lines on stderr. */
export const PROGRESS_PREFIX = "thaw-bench-progress ";

/**
 * standaloneCheck - Time the plain JS bitmap's set and test of the same batch alone, in a process of its own
 * (standalone.ts), and compare with the lab's rows for its "JS Uint32Array bitmap" peer at @pfns.
 */
function standaloneCheck(
  pfns: number,
  batch: number,
  seed: number,
  samples: number,
  rows: readonly BenchRow[],
): CrossCheckRow[] {
  const out = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(packageRoot(), "bench", "lab", "standalone.ts"),
      String(pfns),
      String(batch),
      String(samples),
      String(seed),
    ],
    { encoding: "utf8", cwd: packageRoot() },
  );
  const alone = out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as StandaloneFigure);
  const checks: CrossCheckRow[] = [];
  for (const [op, workload] of [
    ["set", "set.random"],
    ["test", "test.hit"],
  ] as const) {
    const lab = rows.find((r) => r.pfns === pfns && r.workload === workload && r.subject === "JS Uint32Array bitmap");
    const a = alone.find((f) => f.op === op);
    if (!lab || lab.nsMin === null || lab.nsPerOp === null || !a) continue;
    const ratio = lab.nsMin / a.nsMin;
    checks.push({
      pfns,
      op,
      labNsMin: lab.nsMin,
      labNsMedian: lab.nsPerOp,
      standaloneNsMin: a.nsMin,
      standaloneNsMedian: a.nsMedian,
      ratio,
      agrees: Math.abs(ratio - 1) <= 0.2,
    });
  }
  return checks;
}

/** runEndToEnd - simulate() on the default scenario (64 MiB when @quick) once per strategy. */
async function runEndToEnd(
  strategies: readonly BitmapStrategy[],
  quick: boolean,
  progress: (event: BitmapBenchProgress) => void,
): Promise<EndToEndRow[]> {
  const { simulate } = await import("../../src/simulate.js");
  const scenario = quick ? 'simulate({ memory: "64MiB" })' : "simulate() (the default scenario)";
  const rows: EndToEndRow[] = [];
  let first: string | undefined;
  for (const strategy of strategies) {
    const t0 = performance.now();
    const r = await simulate({ bitmap: strategy, flavour: "release", ...(quick && { memory: "64MiB" }) });
    const totalMs = performance.now() - t0;
    const outcome = JSON.stringify({
      counts: r.counts,
      verified: r.verify?.pages,
      mismatches: r.verify?.mismatches.length,
    });
    first ??= outcome;
    rows.push({
      strategy,
      scenario,
      totalMs,
      phases: r.phases.map((p) => ({ name: p.name, ms: p.ms })),
      sameAsFirst: outcome === first,
    });
    progress({
      type: "note",
      message: `${scenario} with ${strategy}: ${totalMs.toFixed(0)} ms${outcome === first ? "" : " — results differ from the first strategy's!"}`,
    });
  }
  return rows;
}

function familyStrategy(subject: Subject): BitmapStrategy | undefined {
  return subject instanceof ThawSubject ? subject.strategy : undefined;
}

const ns = (v: number | null | undefined) =>
  v === null || v === undefined ? "n/a" : v < 10 ? v.toFixed(2) : v.toFixed(1);
const ratio = (v: number) => `${v.toFixed(2)}×`;

/** judgeTargets - The targets, met or not, with the figures. */
export function judgeTargets(result: Pick<BitmapBenchResult, "rows" | "memory">): TargetRow[] {
  const { rows, memory } = result;
  const find = (pfns: number, workload: Workload, subject: string) =>
    rows.find((r) => r.pfns === pfns && r.workload === workload && r.subject === subject && r.nsMin !== null);
  const bulk = (s: BitmapStrategy) => `thaw ${s} (bulk)`;
  /** "a vs b: r× (medians a' vs b': r'×)", judged on the fastest samples. */
  const versus = (a: BenchRow, b: BenchRow, label: string) =>
    `${ns(a.nsMin)} ns vs ${label} ${ns(b.nsMin)} ns: ${ratio(b.nsMin! / a.nsMin!)} (medians ${ns(a.nsPerOp)} vs ${ns(b.nsPerOp)}: ${ratio(b.nsPerOp! / a.nsPerOp!)})`;
  const targets: TargetRow[] = [];

  const at = 32 * M;
  for (const s of STRATEGIES) {
    for (const workload of ["set.random", "test.hit", "test.miss", "walk.25", "walk.1"] as const) {
      const mine = find(at, workload, bulk(s));
      const peerRows = rows.filter(
        (r) => r.pfns === at && r.workload === workload && r.family === "peer" && r.nsMin !== null,
      );
      const best = peerRows.sort((a, b) => a.nsMin! - b.nsMin!)[0];
      const name = `${s} (bulk) ≥ 2× faster than the best peer, ${workload} at 32M PFNs`;
      if (!mine || !best) {
        targets.push({ target: name, met: null, figures: "not measured" });
        continue;
      }
      targets.push({ target: name, met: best.nsMin! / mine.nsMin! >= 2, figures: versus(mine, best, best.subject) });
    }
  }

  for (const s of STRATEGIES) {
    for (const workload of ["set.random", "test.hit"] as const) {
      const mine = find(at, workload, `thaw ${s} (per call)`);
      const js = find(at, workload, "JS Uint32Array bitmap");
      const name = `${s} per call (public API) within 2× of a plain JS bitmap, ${workload} at 32M PFNs`;
      if (!mine || !js) targets.push({ target: name, met: null, figures: "not measured" });
      else targets.push({ target: name, met: mine.nsMin! / js.nsMin! <= 2, figures: versus(mine, js, js.subject) });
    }
  }

  const big = 256 * M;
  const seekName = "summary ≥ 3× faster than rtree on seeks in a 1 %-dense 256M-PFN map, ≤ 5 % more memory than flat";
  const sumSeek = find(big, "seek.1", bulk("summary"));
  const rtSeek = find(big, "seek.1", bulk("rtree"));
  const sumMem = memory.find((m) => m.pfns === big && m.subject === bulk("summary"));
  const flatMem = memory.find((m) => m.pfns === big && m.subject === bulk("flat"));
  if (sumSeek && rtSeek && sumMem?.bytes && flatMem?.bytes) {
    const mem = sumMem.bytes / flatMem.bytes;
    targets.push({
      target: seekName,
      met: rtSeek.nsMin! / sumSeek.nsMin! >= 3 && mem <= 1.05,
      figures: `${versus(sumSeek, rtSeek, "rtree")}; memory ${(mem * 100 - 100).toFixed(2)} % over flat`,
    });
  } else {
    targets.push({ target: seekName, met: null, figures: "256M PFNs not measured" });
  }

  for (const workload of ["set.random", "test.hit", "test.miss"] as const) {
    const rt = find(big, workload, bulk("rtree"));
    const bl = find(big, workload, bulk("bmlist"));
    const name = `rtree ≫ bmlist (≥ 10×) on random access, ${workload} at 256M PFNs`;
    if (!rt || !bl) targets.push({ target: name, met: null, figures: "256M PFNs not measured" });
    else targets.push({ target: name, met: bl.nsMin! / rt.nsMin! >= 10, figures: versus(rt, bl, "bmlist") });
  }

  const sizes = [...new Set(rows.filter((r) => r.family === "c").map((r) => r.pfns))].sort((a, b) => a - b);
  for (const pfns of sizes) {
    for (const workload of ["set.random", "test.hit"] as const) {
      const flat = find(pfns, workload, bulk("flat"));
      const c = rows.find((r) => r.pfns === pfns && r.workload === workload && r.family === "c");
      const name = `flat (bulk) within 1.5× of C -O2, ${workload} at ${sizeLabel(pfns)} PFNs`;
      if (!flat || !c) targets.push({ target: name, met: null, figures: "not measured" });
      else
        targets.push({
          target: name,
          met: flat.nsMin! / c.nsMin! <= 1.5,
          figures: `flat ${ns(flat.nsMin)} ns vs C ${ns(c.nsMin)} ns: ${ratio(flat.nsMin! / c.nsMin!)} (medians ${ns(flat.nsPerOp)} vs ${ns(c.nsPerOp)}: ${ratio(flat.nsPerOp! / c.nsPerOp!)})`,
        });
    }
  }
  if (sizes.length === 0)
    targets.push({
      target: "flat (bulk) within 1.5× of C -O2 on random set/test",
      met: null,
      figures: "C baseline not measured (no gcc)",
    });
  return targets;
}

/**
 * writeBitmapBenchReport - Write @result into @dir (default: the package's bench/): the JSON under results/ (a dated
 * file and bitmaps[-quick]-latest.json), one SVG chart per workload plus the memory chart, and the section of
 * RESULTS.md between its markers (bitmaps for a full run, bitmaps-quick for --quick). Returns the paths written.
 */
export function writeBitmapBenchReport(
  result: BitmapBenchResult,
  dir = join(packageRoot(), "bench"),
): { json: string; charts: string[]; markdown: string } {
  const resultsDir = join(dir, "results");
  mkdirSync(resultsDir, { recursive: true });
  const kind = result.quick ? "bitmaps-quick" : "bitmaps";
  const stamp = result.date.replace(/[:.]/g, "-");
  const json = join(resultsDir, `${kind}-${stamp}.json`);
  const text = `${JSON.stringify(result, null, 1)}\n`;
  writeFileSync(json, text);
  writeFileSync(join(resultsDir, `${kind}-latest.json`), text);
  const charts = bitmapBenchCharts(result, result.quick ? "-quick" : "");
  for (const c of charts) writeFileSync(join(resultsDir, c.file), `${c.svg}\n`);
  const markdown = join(dir, "RESULTS.md");
  const title = result.quick
    ? "## Memory bitmaps, quick run (`npm run bench -- --only bitmaps --quick`)"
    : "## Memory bitmaps (`npm run bench -- --only bitmaps`)";
  writeResultsSection(
    markdown,
    kind,
    title,
    bitmapBenchMarkdown(
      result,
      charts.map((c) => c.file),
    ),
  );
  return { json, charts: charts.map((c) => join(resultsDir, c.file)), markdown };
}
