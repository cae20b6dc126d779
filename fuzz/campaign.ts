/**
 * runCampaign - A fuzzing campaign: build the seed corpus, run N cases on long-lived worker threads, each case
 * under a watchdog (a case that does not finish within the time bound is a hang: its worker is terminated and a
 * new one started), count the outcomes, and write every failing case (image + description) to a folder so that it
 * can be run again and turned into a regression test.
 *
 * The figures that must be 0: crashes, hangs, traps, bootBytesChanged, imageWrites — and, beside them,
 * freeCountChanged, leaks, wrongRestores, rejectedAfterCommit and rssOverBound (a count bomb whose case grew the
 * process's RSS by more than BOMB_RSS_BOUND: the campaign samples the RSS while a `bomb.*` case runs; with more than
 * one job, concurrent cases share the figure).
 */

import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { defaultFlavour, type Flavour, packageRoot } from "../src/engine/load.js";
import { startWorker } from "../src/engine/worker.js";
import { sweepOf } from "./cases.js";
import { loadCompressors } from "./compressors.js";
import { BOMB_RSS_BOUND } from "./linuxMutators.js";
import type { CaseVerdict } from "./oracle.js";
import type { CaseStart, WorkerInit, WorkerMessage } from "./protocol.js";
import { buildCorpus, loadSeed } from "./seeds.js";

/** What a campaign runs. */
export interface CampaignOptions {
  /** Cases to run (indices 0 … cases - 1); "sweep": exactly the truncation sweep of the seeds, nothing else. */
  cases: number | "sweep";
  /** Campaign seed: case i is a function of (seed, i). Default: drawn from the clock (and reported). */
  seed?: number;
  /** Run exactly these case indices instead (to reproduce failures). */
  only?: number[];
  /** Seed names to start from (default: every seed of the corpus). */
  seeds?: string[];
  /** Every n-th case is a step of the truncation sweep (default 4; 0: none; 1: only the sweep, then random). */
  sweepEvery?: number;
  /** Worker threads (default 1). */
  jobs?: number;
  /** A case that runs longer than this is a hang (default 20 s). */
  timeoutMs?: number;
  /** Folder for failing cases (default tmp/fuzz-failures/seed-S in the checkout). */
  failuresDir?: string;
  /** Include the kernel-written images of test/fixtures (default true). */
  fixtures?: boolean;
  /** Engine build the cases run on (default: THAW_WASM, else release). */
  flavour?: Flavour;
  /** Append every case's verdict to this file, one JSON object a line. */
  log?: string;
  /** Called after each case. */
  onProgress?: (done: number, total: number, summary: CampaignSummary) => void;
}

/** Counts per kind of case. */
export interface OutcomeCounts {
  cases: number;
  ok: number;
  rejected: number;
  bad: number;
}

/** A campaign's figures. */
export interface CampaignSummary {
  cases: number;
  ok: number;
  rejected: number;
  crashes: number;
  hangs: number;
  traps: number;
  bootBytesChanged: number;
  imageWrites: number;
  seed: number;
  /** The allocator's free count not back to boot after a rejection. */
  freeCountChanged: number;
  /** Bitmaps, restore_pblist or file descriptors left behind. */
  leaks: number;
  /** Accepted images whose restore verification failed. */
  wrongRestores: number;
  /** Rejections at or after the commit point. */
  rejectedAfterCommit: number;
  /** Count bombs that grew the process's RSS by more than BOMB_RSS_BOUND. */
  rssOverBound: number;
  /** The largest RSS growth a count bomb caused, in bytes. */
  bombRssPeak: number;
  /** Images that described a machine above the fuzzer's budget (resumed into the seed's machine instead). */
  largeMachines: number;
  /** Rejections by "phase code". */
  rejectedBy: Record<string, number>;
  /** Per mutation (with its variant suffixes). */
  mutations: Record<string, OutcomeCounts>;
  /** Per seed. */
  seeds: Record<string, OutcomeCounts>;
  /** Cases that were steps of the truncation sweep, and the sweep's length. */
  sweepCases: number;
  sweepLength: number;
  slowest: { index: number; ms: number; mutation: string } | undefined;
  build: Flavour;
  timeoutMs: number;
  durationMs: number;
  /** Failing cases written out (their .json descriptions). */
  failures: string[];
}

/** The counts that must stay 0, by name. */
export const BAD_COUNTS = [
  "crashes",
  "hangs",
  "traps",
  "bootBytesChanged",
  "imageWrites",
  "freeCountChanged",
  "leaks",
  "wrongRestores",
  "rejectedAfterCommit",
  "rssOverBound",
] as const;

function emptySummary(seed: number, build: Flavour, timeoutMs: number): CampaignSummary {
  return {
    cases: 0,
    ok: 0,
    rejected: 0,
    crashes: 0,
    hangs: 0,
    traps: 0,
    bootBytesChanged: 0,
    imageWrites: 0,
    seed,
    freeCountChanged: 0,
    leaks: 0,
    wrongRestores: 0,
    rejectedAfterCommit: 0,
    rssOverBound: 0,
    bombRssPeak: 0,
    largeMachines: 0,
    rejectedBy: {},
    mutations: {},
    seeds: {},
    sweepCases: 0,
    sweepLength: 0,
    slowest: undefined,
    build,
    timeoutMs,
    durationMs: 0,
    failures: [],
  };
}

function isBad(v: CaseVerdict): boolean {
  return (
    !["ok", "rejected"].includes(v.outcome) ||
    v.bootBytesChanged ||
    v.freeCountChanged ||
    v.leaks.length > 0 ||
    v.imageWritten ||
    v.rejectedAfterCommit ||
    v.rssOverBound === true
  );
}

function count(summary: CampaignSummary, start: CaseStart | undefined, v: CaseVerdict): void {
  summary.cases++;
  if (v.outcome === "ok") summary.ok++;
  else if (v.outcome === "rejected") {
    summary.rejected++;
    const key = `${v.phase} ${v.code}`;
    summary.rejectedBy[key] = (summary.rejectedBy[key] ?? 0) + 1;
  } else if (v.outcome === "crash") summary.crashes++;
  else if (v.outcome === "trap") summary.traps++;
  else if (v.outcome === "hang") summary.hangs++;
  else if (v.outcome === "wrongRestore") summary.wrongRestores++;
  if (v.bootBytesChanged) summary.bootBytesChanged++;
  if (v.imageWritten) summary.imageWrites++;
  if (v.freeCountChanged) summary.freeCountChanged++;
  if (v.leaks.length) summary.leaks++;
  if (v.rejectedAfterCommit) summary.rejectedAfterCommit++;
  if (v.rssOverBound) summary.rssOverBound++;
  if (v.rssGrowth !== undefined) summary.bombRssPeak = Math.max(summary.bombRssPeak, v.rssGrowth);
  if (v.largeMachine) summary.largeMachines++;
  if (start?.sweep) summary.sweepCases++;
  const bump = (table: Record<string, OutcomeCounts>, key: string) => {
    const c = (table[key] ??= { cases: 0, ok: 0, rejected: 0, bad: 0 });
    c.cases++;
    if (isBad(v)) c.bad++;
    else if (v.outcome === "ok") c.ok++;
    else c.rejected++;
  };
  bump(summary.mutations, start?.mutation ?? "(unplanned)");
  bump(summary.seeds, start?.seed ?? "(unplanned)");
}

interface Slot {
  id: number;
  worker: Worker;
  index: number | undefined;
  start: CaseStart | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Set when the campaign terminated the worker on purpose. */
  retired: boolean;
  /** The RSS sampling of a count bomb's case. */
  rss: RssSampler | undefined;
}

/** RssSampler - The process's RSS sampled every 10 ms while a count bomb's case runs: its growth over the start. */
class RssSampler {
  private readonly base = process.memoryUsage.rss();
  private peak = this.base;
  private readonly timer = setInterval(() => this.sample(), 10);

  private sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  /** stop - Stop sampling; the growth in bytes. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak - this.base;
  }
}

/**
 * runCampaign - Run a campaign and return its figures (see CampaignOptions).
 */
export async function runCampaign(options: CampaignOptions): Promise<CampaignSummary> {
  const t0 = performance.now();
  const seed = options.seed ?? Math.floor(Date.now() % 2 ** 31);
  const flavour = options.flavour ?? defaultFlavour();
  const timeoutMs = options.timeoutMs ?? 20_000;
  const summary = emptySummary(seed, flavour, timeoutMs);
  const failuresDir = options.failuresDir ?? join(packageRoot(), "tmp", "fuzz-failures", `seed-${seed}`);
  const scratch = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "thaw-fuzz-"));
  const previous = process.env.THAW_WASM;
  process.env.THAW_WASM = flavour;
  try {
    const corpus = await buildCorpus(join(scratch, "corpus"), await loadCompressors(), {
      fixtures: options.fixtures ?? true,
      ...(options.seeds && { names: options.seeds }),
    });
    if (corpus.seeds.length === 0) throw new Error(`no fuzz seed is called ${options.seeds?.join(" or ")}`);
    let cases = options.cases;
    if (cases === "sweep") {
      const seeds = await Promise.all(corpus.seeds.map((s) => loadSeed(corpus.dir, s)));
      cases = sweepOf(seeds).length;
    }
    const indices = options.only ?? Array.from({ length: cases }, (_, i) => i);
    const init = (id: number): WorkerInit => ({
      corpusDir: corpus.dir,
      workDir: scratch,
      workerId: id,
      campaignSeed: seed,
      sweepEvery: options.cases === "sweep" ? 1 : (options.sweepEvery ?? 4),
      ...(options.seeds && { seeds: options.seeds }),
    });
    await runWorkers(options, indices, init, summary, failuresDir, timeoutMs, flavour);
  } finally {
    if (previous === undefined) delete process.env.THAW_WASM;
    else process.env.THAW_WASM = previous;
    rmSync(scratch, { recursive: true, force: true });
  }
  summary.durationMs = performance.now() - t0;
  return summary;
}

function runWorkers(
  options: CampaignOptions,
  indices: number[],
  init: (id: number) => WorkerInit,
  summary: CampaignSummary,
  failuresDir: string,
  timeoutMs: number,
  flavour: Flavour,
): Promise<void> {
  const jobs = Math.max(1, Math.min(options.jobs ?? 1, indices.length));
  let next = 0;
  let done = 0;
  return new Promise<void>((resolve, reject) => {
    const slots: Slot[] = [];
    const finishIfDone = () => {
      if (done < indices.length) return;
      for (const slot of slots) retire(slot);
      resolve();
    };
    const retire = (slot: Slot) => {
      slot.retired = true;
      slot.rss?.stop();
      if (slot.timer) clearTimeout(slot.timer);
      void slot.worker.terminate();
    };
    const record = (slot: Slot, verdict: CaseVerdict) => {
      if (slot.timer) clearTimeout(slot.timer);
      if (slot.rss) {
        verdict.rssGrowth = slot.rss.stop();
        verdict.rssOverBound = verdict.rssGrowth > BOMB_RSS_BOUND;
        slot.rss = undefined;
      }
      const start = slot.start;
      const index = slot.index!;
      slot.index = undefined;
      count(summary, start, verdict);
      if (!summary.slowest || verdict.ms > summary.slowest.ms)
        summary.slowest = { index, ms: Math.round(verdict.ms), mutation: start?.mutation ?? "?" };
      if (isBad(verdict)) summary.failures.push(writeFailure(failuresDir, summary.seed, index, start, verdict));
      if (options.log) {
        const { outcome, phase, code, message, ms } = verdict;
        appendFileSync(
          options.log,
          `${JSON.stringify({ index, seed: start?.seed, mutation: start?.mutation, target: start?.options.target, outcome, phase, code, message: message?.slice(0, 300), ms: Math.round(ms) })}\n`,
        );
      }
      done++;
      options.onProgress?.(done, indices.length, summary);
    };
    const dispatch = (slot: Slot) => {
      if (next >= indices.length) return finishIfDone();
      const index = indices[next++]!;
      slot.index = index;
      slot.start = undefined;
      slot.worker.postMessage({ type: "case", index });
      slot.timer = setTimeout(() => {
        record(slot, failed("hang", `no verdict within ${timeoutMs} ms: the worker was terminated`, timeoutMs));
        restart(slot);
      }, timeoutMs);
    };
    const restart = (slot: Slot) => {
      retire(slot);
      const fresh = spawn(slot.id);
      slots[slots.indexOf(slot)] = fresh;
    };
    const spawn = (id: number): Slot => {
      const worker = startWorker("./worker", import.meta.url, {
        workerData: init(id),
        env: { ...process.env, THAW_WASM: flavour },
      });
      const slot: Slot = {
        id,
        worker,
        index: undefined,
        start: undefined,
        timer: undefined,
        retired: false,
        rss: undefined,
      };
      worker.on("message", (message: WorkerMessage) => {
        if (slot.retired) return;
        if (message.type === "ready") {
          summary.sweepLength = message.sweep;
          dispatch(slot);
        } else if (message.type === "start") {
          slot.start = message;
          if (message.mutation.startsWith("bomb.")) slot.rss = new RssSampler();
        } else if (message.type === "result") {
          record(slot, message.verdict);
          dispatch(slot);
        } else if (message.index < 0) {
          retire(slot);
          reject(new Error(`fuzz worker ${id}: ${message.message}\n${message.stack ?? ""}`));
        } else {
          record(slot, failed("crash", `the fuzzer failed on this case: ${message.message}`, 0, message.stack));
          dispatch(slot);
        }
      });
      const died = (why: string, stack?: string) => {
        if (slot.retired) return;
        if (slot.index === undefined) {
          retire(slot);
          reject(new Error(`fuzz worker ${id} died outside a case: ${why}`));
          return;
        }
        record(slot, failed("crash", `the worker died: ${why}`, 0, stack));
        restart(slot);
      };
      worker.on("error", (error) => died(`${error.name}: ${error.message}`, error.stack));
      worker.on("exit", (code) => died(`exit code ${code}`));
      return slot;
    };
    for (let id = 0; id < jobs; id++) slots.push(spawn(id));
  });
}

function failed(outcome: "hang" | "crash", message: string, ms: number, stack?: string): CaseVerdict {
  return {
    outcome,
    message,
    ...(stack && { stack }),
    bootBytesChanged: false,
    freeCountChanged: false,
    leaks: [],
    rejectedAfterCommit: false,
    imageWritten: false,
    largeMachine: false,
    ms,
  };
}

/** writeFailure - Write a failing case's image and description to @dir; returns the description's path. */
function writeFailure(
  dir: string,
  seed: number,
  index: number,
  start: CaseStart | undefined,
  verdict: CaseVerdict,
): string {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `case-${index}`);
  let image: string | undefined;
  if (start && existsSync(start.path)) {
    image = `${base}.img`;
    copyFileSync(start.path, image);
  }
  const description = {
    reproduce: `npm run fuzz -- --seed ${seed} --only ${index}`,
    campaignSeed: seed,
    index,
    image,
    ...(start && {
      seed: start.seed,
      mutation: start.mutation,
      detail: start.detail,
      options: start.options,
      sweep: start.sweep,
    }),
    verdict,
  };
  writeFileSync(`${base}.json`, JSON.stringify(description, null, 2));
  return `${base}.json`;
}
