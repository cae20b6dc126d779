/**
 * The fuzzer's judge: resume one image and say whether thaw kept its promise (issue 6, kernel/power/hibernate.c:
 * load_image_and_restore()). A case ends `ok` (restored, every page verified, every untouched frame unchanged) or
 * `rejected` (a typed ResumeError or ConfigError before the commit point) — anything else is a finding:
 * - `crash`: any other exception, including one the resume wrapped into a ResumeError (EIO) on its way out;
 * - `trap`: the engine trapped (unreachable, an out-of-bounds access, an assertion of the debug build), seen at the
 *   engine's exports or in the error that came out;
 * - `wrongRestore`: accepted, but verification found a page or an untouched frame wrong;
 * and, after a rejection, the machine must be as it booted (boot-kernel frames, untouched frames, free counts,
 * bitmaps, restore_pblist) and the image file unchanged (checked after every case).
 */
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ConfigError, ResumeError } from "../src/errors.js";
import { openImage } from "../src/image/open.js";
import { inspectImage } from "../src/inspect.js";
import { type MachineOptions, resolveMachine } from "../src/machine/config.js";
import { createMachine, type Machine } from "../src/machine/machine.js";
import type { LoadMode } from "../src/phases/state.js";
import { machineOf, type ResumeMachineOptions, ResumeSession } from "../src/resume.js";
import { bootDigest, fileFingerprint, rollbackState } from "./evidence.js";

/** How a case is resumed. */
export interface CaseOptions {
  /** Resume into the seed's own machine, or into the machine the (mutated) image describes. */
  target: "seed" | "header";
  mode: LoadMode;
  /** The CRC / read-ahead thread (ResumeOptions.crcThread). */
  crcThread: boolean;
  /** Decompression workers for a compressed Linux image. */
  workers: number;
  /** Also inspect the image (`thaw inspect`) first: a report or a typed error. */
  inspect: boolean;
}

/** What a case came to. */
export type Outcome = "ok" | "rejected" | "crash" | "trap" | "wrongRestore" | "hang";

/** The verdict on one case. */
export interface CaseVerdict {
  outcome: Outcome;
  /** Phase and errno name of a rejection ("config" for a ConfigError). */
  phase?: string;
  code?: string;
  message?: string;
  stack?: string;
  /** A boot-kernel frame, or a frame the restore never took, changed by a rejected resume. */
  bootBytesChanged: boolean;
  /** The allocator's free counts differ from boot after a rejection. */
  freeCountChanged: boolean;
  /** A bitmap or restore_pblist left alive after a rejection, or file descriptors left open. */
  leaks: string[];
  /** A rejection at or after the commit point (atomicCopy). */
  rejectedAfterCommit: boolean;
  imageWritten: boolean;
  /** The image described a machine above the fuzzer's budget; it was resumed into the seed's machine instead. */
  largeMachine: boolean;
  /** The machine the image was resumed into (absent when none was reached). */
  machine?: MachineOptions;
  ms: number;
  /** Count bombs: how much the process's RSS grew while the case ran (sampled by the campaign). */
  rssGrowth?: number;
  /** Count bombs: that growth was above the bound (linuxMutators.ts: BOMB_RSS_BOUND). */
  rssOverBound?: boolean;
}

/** Machines the fuzzer builds per case at most (frames × page size): larger ones are resumed into the seed's. */
export const MACHINE_BUDGET_BYTES = 256 * 2 ** 20;

const KNOWN_EIO = /the image changed while it was restored|\(injected fault\)/;
const TRAP =
  /\bunreachable\b|memory access out of bounds|divide by zero|integer overflow|unrepresentable in integer range|table index is out of bounds|function signature mismatch| in assembly\/\S+:\d+:\d+/;
const COMMITTED = new Set(["atomicCopy", "verify"]);

/**
 * MachinePool - The machines cases resume into, kept and reused (each case boots its machine afresh), with every
 * engine export watched: an exception thrown out of the engine is a trap, whatever becomes of it on the way out.
 */
export class MachinePool {
  private readonly machines = new Map<string, Machine>();
  private readonly pinned = new Set<string>();
  private readonly traps = new WeakMap<Machine, { error?: unknown }>();
  private readonly limit: number;

  constructor(limit = 6) {
    this.limit = limit;
  }

  /** get - The machine @options describe (built on first use); @pin keeps it for the whole campaign. */
  async get(options: MachineOptions, pin = false): Promise<Machine> {
    const key = JSON.stringify(resolveMachine(options));
    let machine = this.machines.get(key);
    if (machine) {
      this.machines.delete(key);
      this.machines.set(key, machine);
    } else {
      machine = await createMachine(options);
      this.watch(machine);
      this.machines.set(key, machine);
      for (const k of this.machines.keys()) {
        if (this.machines.size <= this.limit + this.pinned.size) break;
        if (!this.pinned.has(k)) this.machines.delete(k);
      }
    }
    if (pin) this.pinned.add(key);
    return machine;
  }

  /** trapOf - The first exception @machine's engine threw since the last call (cleared by the call). */
  trapOf(machine: Machine): unknown {
    const log = this.traps.get(machine);
    const error = log?.error;
    if (log) log.error = undefined;
    return error;
  }

  /** discard - Forget @machine (its engine trapped: its state is not trusted again). */
  discard(machine: Machine): void {
    for (const [key, m] of this.machines) {
      if (m === machine) {
        this.machines.delete(key);
        this.pinned.delete(key);
      }
    }
  }

  private watch(machine: Machine): void {
    const log: { error?: unknown } = {};
    this.traps.set(machine, log);
    const engine = machine.engine as unknown as Record<string, unknown>;
    const names = new Set<string>();
    for (let o: object | null = engine; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
      for (const name of Object.getOwnPropertyNames(o)) if (typeof engine[name] === "function") names.add(name);
    }
    for (const name of names) {
      const fn = engine[name] as (...args: unknown[]) => unknown;
      Object.defineProperty(engine, name, {
        configurable: true,
        writable: true,
        value: (...args: unknown[]) => {
          try {
            return fn.apply(engine, args);
          } catch (error) {
            log.error ??= error;
            throw error;
          }
        },
      });
    }
  }
}

/**
 * openFds - File descriptors of this process open on a file in @folder (the case's image and what a resume writes
 * beside it) or in a folder thaw makes in the temporary folder (an unpacked wrapper, a contents store). Only those: the
 * campaign's main thread opens files of its own (the log, failing cases) while a case runs, and worker threads hold
 * some until they exit, so a count of every descriptor would blame the case.
 */
export function openFds(folder: string): number {
  if (!existsSync("/proc/self/fd")) return -1;
  const unpacked = join(tmpdir(), "thaw-");
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(folder) || target.startsWith(unpacked)) n++;
    } catch {
      // closed between the listing and the readlink
    }
  }
  return n;
}

interface Judged {
  outcome: Outcome;
  phase?: string;
  code?: string;
  message?: string;
  stack?: string;
}

/** judgeError - What an exception out of a resume means (@trap: what the engine threw, if anything). */
export function judgeError(error: unknown, trap: unknown): Judged {
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? error.stack : undefined;
  if (trap !== undefined) {
    const t = trap instanceof Error ? trap : new Error(String(trap));
    return { outcome: "trap", message: t.message, ...(t.stack && { stack: t.stack }) };
  }
  const cause = error instanceof Error ? (error as { cause?: unknown }).cause : undefined;
  if (error instanceof ResumeError) {
    if (cause !== undefined) return judgeError(cause, undefined);
    if (error.code === "EIO" && !KNOWN_EIO.test(error.message)) {
      return {
        outcome: TRAP.test(error.message) ? "trap" : "crash",
        phase: error.phase,
        code: error.code,
        message: `wrapped into a ResumeError: ${message}`,
        ...(stack && { stack }),
      };
    }
    return { outcome: "rejected", phase: error.phase, code: error.code, message };
  }
  if (error instanceof ConfigError)
    return { outcome: "rejected", phase: "config", code: error.offending?.kind ?? "config", message };
  if (error instanceof WebAssembly.RuntimeError || TRAP.test(message))
    return { outcome: "trap", message, ...(stack && { stack }) };
  return {
    outcome: "crash",
    message: `${error instanceof Error ? error.name : typeof error}: ${message}`,
    ...(stack && { stack }),
  };
}

/** What runCase needs to know about the seed. */
export interface CaseSeed {
  /** The seed's own machine. */
  machine: MachineOptions;
  /** The resume side's choices for a machine built from the image's header. */
  resume: ResumeMachineOptions;
  /** Where HighMem starts in a Linux image's machine (images of i386 kernels). */
  highmem?: string;
}

/**
 * runCase - Resume the image at @path as @options say and judge it. @pool provides (and watches) the machines.
 */
export async function runCase(
  path: string,
  seed: CaseSeed,
  options: CaseOptions,
  pool: MachinePool,
): Promise<CaseVerdict> {
  const t0 = performance.now();
  const threadless = !options.crcThread && options.workers === 0;
  const fdsBefore = openFds(dirname(path));
  const before = fileFingerprint(path);
  const verdict: CaseVerdict = {
    outcome: "ok",
    bootBytesChanged: false,
    freeCountChanged: false,
    leaks: [],
    rejectedAfterCommit: false,
    imageWritten: false,
    largeMachine: false,
    ms: 0,
  };
  let machine: Machine | undefined;
  let bootBefore = "";
  if (options.inspect) {
    const open = { workers: 0, ...(seed.highmem && { highmem: seed.highmem }) };
    const judged = await inspectImage(path, open).then(
      () => undefined,
      (error: unknown) => judgeError(error, undefined),
    );
    if (judged && judged.outcome !== "rejected") {
      Object.assign(verdict, judged, { message: `thaw inspect: ${judged.message}` });
      verdict.imageWritten = fileFingerprint(path) !== before;
      verdict.ms = performance.now() - t0;
      return verdict;
    }
  }
  try {
    let target = seed.machine;
    if (options.target === "header") {
      const source = await openImage(path, { workers: 0, ...(seed.highmem && { highmem: seed.highmem }) });
      try {
        target = machineOf(source, seed.resume);
      } finally {
        source.close();
      }
      const spec = resolveMachine(target);
      if (spec.frames * (spec.pageSize + 16) > MACHINE_BUDGET_BYTES) {
        verdict.largeMachine = true;
        target = seed.machine;
      }
    }
    verdict.machine = target;
    machine = await pool.get(target);
    machine.boot();
    bootBefore = bootDigest(machine);
    const session = await ResumeSession.open(path, {
      machine,
      mode: options.mode,
      crcThread: options.crcThread,
      workers: options.workers,
    });
    const result = session.run();
    const v = result.verify;
    const c = result.counts;
    if (
      !v ||
      v.mismatches.length ||
      v.untouchedMismatches.length ||
      c.directPages + c.pbes + c.highmemPbes !== c.imagePages
    ) {
      verdict.outcome = "wrongRestore";
      verdict.message = v
        ? `${v.mismatches.length} image page(s) and ${v.untouchedMismatches.length} untouched frame(s) wrong (e.g. PFN ${v.mismatches[0] ?? v.untouchedMismatches[0]}); counts ${JSON.stringify(c)}`
        : "no verification";
    }
    const trap = pool.trapOf(machine);
    if (trap !== undefined) Object.assign(verdict, judgeError(trap, trap));
  } catch (error) {
    Object.assign(verdict, judgeError(error, machine ? pool.trapOf(machine) : undefined));
    if (verdict.outcome === "rejected" && verdict.phase && COMMITTED.has(verdict.phase))
      verdict.rejectedAfterCommit = true;
    if (machine && bootBefore && verdict.outcome === "rejected" && !verdict.rejectedAfterCommit) {
      const state = rollbackState(machine);
      verdict.bootBytesChanged = state.untouchedChanged !== 0 || bootDigest(machine) !== bootBefore;
      verdict.freeCountChanged = state.freeLow !== 0 || state.freeHigh !== 0;
      if (state.bitmapsAlive) verdict.leaks.push(`${state.bitmapsAlive} bitmap(s) alive`);
      if (state.restorePblist) verdict.leaks.push("restore_pblist not empty");
    }
  }
  if (machine && (verdict.outcome === "trap" || verdict.outcome === "crash")) pool.discard(machine);
  const fdsAfter = openFds(dirname(path));
  if (threadless && fdsAfter > fdsBefore) verdict.leaks.push(`${fdsAfter - fdsBefore} file descriptor(s) left open`);
  verdict.imageWritten = fileFingerprint(path) !== before;
  verdict.ms = performance.now() - t0;
  return verdict;
}
