/**
 * The host side of hostile input (issue 13): cases that attack what surrounds the engine rather than the image's
 * bytes — wrapper bombs and broken wrappers, special files, an output that is the input or an existing file, the
 * file changed under a restore, and hostile option values. Each case is a pure function of (seed, index), runs in
 * this process and is judged here: it must end with a typed error (ResumeError, ConfigError) or a correct result,
 * within HOST_CASE_MS, with peak RSS under HOST_RSS_BOUND of growth, the image untouched and no file left behind in
 * the case's folder or its temporary folder. Anything else is a finding, by name.
 */
import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as L from "../assembly/portable/layout.js";
import { ConfigError, ResumeError } from "../src/errors.js";
import { inspectImage } from "../src/inspect.js";
import { createMachine } from "../src/machine/machine.js";
import { ResumeSession, resumeImage } from "../src/resume.js";
import { simulate } from "../src/simulate.js";
import { suspendMachine } from "../src/suspend.js";
import { createRandom } from "../src/util/random.js";
import { fileFingerprint } from "./evidence.js";
import { Dice } from "./mutators.js";
import { zstdFrame } from "./zstdFrame.js";

/** The classes of host cases. */
export const HOST_CLASSES = [
  "wrapperBomb",
  "brokenWrapper",
  "specialFile",
  "outputIsInput",
  "fileChanged",
  "optionValue",
] as const;

/** A class of host cases. */
export type HostClass = (typeof HOST_CLASSES)[number];

/** Most time a host case may take. */
export const HOST_CASE_MS = 5000;

/** Most the process's peak RSS may grow during a host case. */
export const HOST_RSS_BOUND = 512 * 2 ** 20;

/** Findings a host case can come to (none: the case passed). */
export type HostFinding = "untyped" | "slow" | "rssOverBound" | "leftover" | "imageWritten" | "wrongVerdict";

/** The verdict on one host case. */
export interface HostVerdict {
  index: number;
  kind: HostClass;
  /** What the case did, to run it again by hand. */
  detail: string;
  /** "ok": a correct result; "rejected": a typed error; the error's name, phase and code when rejected. */
  outcome: "ok" | "rejected" | "failed";
  error?: string;
  findings: HostFinding[];
  ms: number;
  rssGrowth: number;
}

/** A prepared folder with a valid image in it: what host cases start from. */
export interface HostBench {
  dir: string;
  /** A thaw image of an 8 MiB machine (restores and verifies). */
  image: string;
  /** The folder thaw's temporary files must go to (TMPDIR), empty between cases. */
  temp: string;
}

/** prepareHostBench - A folder under @dir with a seed image and an empty temporary folder (TMPDIR points there). */
export async function prepareHostBench(dir: string): Promise<HostBench> {
  const bench = { dir, image: join(dir, "seed.thaw"), temp: join(dir, "tmp") };
  mkdirSync(bench.temp, { recursive: true });
  process.env.TMPDIR = bench.temp;
  const machine = await createMachine({ memory: "8MiB", seed: 7 });
  suspendMachine(machine, { out: bench.image });
  machine.dispose();
  return bench;
}

/** A case's plan: what to run, and whether a correct run may succeed. */
interface Plan {
  detail: string;
  run: () => Promise<unknown>;
  /** A success is a wrong verdict (the case must be refused). */
  mustRefuse: boolean;
  /** Files the run must leave exactly as they were. */
  untouched: string[];
}

const HOSTILE_VALUES: readonly unknown[] = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  -1,
  1.5,
  2 ** 60,
  1e9,
  "abc",
  "",
  "-5",
  null,
  {},
  [],
  true,
  "x".repeat(10_000),
  -0.5,
];
const OPTION_NAMES = [
  "maxMemory",
  "workers",
  "offset",
  "mode",
  "contents",
  "verify",
  "crcThread",
  "maxUnpacked",
  "failReadAt",
  "storeDir",
] as const;

/** planHostCase - Host case @index of class @kind, in @bench (files written into @work, removed afterwards). */
function planHostCase(kind: HostClass, dice: Dice, bench: HostBench, work: string): Plan {
  const { image } = bench;
  switch (kind) {
    case "wrapperBomb": {
      const zst = dice.chance(0.5);
      const header = dice.pick(["none", "thaw", "thawHuge"] as const);
      const zeros = dice.pick([64, 512, 4096]) * 2 ** 20;
      const head = Buffer.alloc(4096);
      if (header !== "none") {
        head.set(readFileSync(image).subarray(0, 4096));
        if (header === "thawHuge") head.writeBigUInt64LE(2n ** 40n, L.HDR_PAGES);
      }
      const path = join(work, `bomb.img.${zst ? "zst" : "gz"}`);
      if (zst) writeFileSync(path, zstdFrame(head, zeros));
      else {
        const member = gzipSync(Buffer.alloc(4 * 2 ** 20));
        writeFileSync(path, Buffer.concat([gzipSync(head), ...Array.from({ length: zeros / 2 ** 22 }, () => member)]));
      }
      return {
        detail: `${zst ? "zst" : "gz"} of a ${header} header and ${zeros / 2 ** 20} MiB of zeros`,
        run: () => (dice.chance(0.5) ? inspectImage(path) : resumeImage(path)),
        mustRefuse: true,
        untouched: [path],
      };
    }
    case "brokenWrapper": {
      const zst = dice.chance(0.5);
      const bytes = readFileSync(image);
      const wrapped = zst ? zstdFrame(bytes) : gzipSync(bytes);
      const how = dice.pick(["truncate", "flip", "garbage"] as const);
      let out: Buffer;
      if (how === "truncate") out = wrapped.subarray(0, dice.int(1, wrapped.length - 1));
      else if (how === "garbage") out = Buffer.from(dice.bytes(dice.int(1, 4096)));
      else {
        out = Buffer.from(wrapped);
        for (let i = dice.int(1, 16); i > 0; i--) {
          const at = dice.int(0, out.length - 1);
          out[at] = out[at]! ^ (1 << dice.int(0, 7));
        }
      }
      const path = join(work, `broken.img.${zst ? "zst" : "gz"}`);
      writeFileSync(path, out);
      return {
        detail: `${zst ? "zst" : "gz"} of the seed, ${how} (${out.length} of ${wrapped.length} bytes)`,
        run: () => inspectImage(path),
        mustRefuse: how !== "flip",
        untouched: [path],
      };
    }
    case "specialFile": {
      const what = dice.pick(["directory", "fifo", "devNull", "devZero", "missing", "symlinkToDir"] as const);
      const fifo = join(work, "fifo");
      const path = {
        directory: work,
        fifo,
        devNull: "/dev/null",
        devZero: "/dev/zero",
        missing: join(work, "missing.img"),
        symlinkToDir: join(work, "link"),
      }[what];
      if (what === "fifo") spawnSync("mkfifo", [fifo]);
      if (what === "symlinkToDir") symlinkSync(work, path);
      return {
        detail: `${what}: ${path}`,
        run: () => (dice.chance(0.5) ? inspectImage(path) : resumeImage(path)),
        mustRefuse: true,
        untouched: [],
      };
    }
    case "outputIsInput": {
      const copy = join(work, "image.thaw");
      writeFileSync(copy, readFileSync(image));
      const how = dice.pick(["same", "hardlink", "symlink", "existing"] as const);
      let output = copy;
      if (how === "hardlink") linkSync(copy, (output = join(work, "hard.tsv")));
      if (how === "symlink") symlinkSync(copy, (output = join(work, "soft.svg")));
      if (how === "existing") writeFileSync((output = join(work, "existing.tsv")), "keep\n");
      const option = dice.pick(["digest", "map"] as const);
      const overwrite = how !== "existing" && dice.chance(0.5);
      return {
        detail: `inspect --${option} = ${how} of the image${overwrite ? ", overwrite" : ""}`,
        run: () => inspectImage(copy, { [option]: output, overwrite }),
        mustRefuse: true,
        untouched: [copy, output],
      };
    }
    case "fileChanged": {
      const copy = join(work, "image.thaw");
      writeFileSync(copy, readFileSync(image));
      const steps = dice.int(0, 6);
      const how = dice.pick(["truncate", "append", "touch", "replace"] as const);
      return {
        detail: `${how} after ${steps} phase(s)`,
        run: async () => {
          using session = await ResumeSession.open(copy, { crcThread: false });
          for (let i = 0; i < steps && session.nextPhase; i++) session.step();
          if (how === "truncate") truncateSync(copy, dice.int(0, 64 * 1024));
          if (how === "append") appendFileSync(copy, Buffer.alloc(4096, 1));
          if (how === "touch") utimesSync(copy, new Date(), new Date(Date.now() + 3_600_000));
          if (how === "replace") {
            writeFileSync(`${copy}.new`, "replaced");
            renameSync(`${copy}.new`, copy);
          }
          return session.run();
        },
        mustRefuse: true,
        untouched: [],
      };
    }
    case "optionValue": {
      const name = dice.pick(OPTION_NAMES);
      const value = dice.pick(HOSTILE_VALUES);
      const entry = dice.pick(["resumeImage", "inspectImage", "ResumeSession.open", "simulate"] as const);
      const options = { [name]: value } as Record<string, unknown>;
      return {
        detail: `${entry}({ ${name}: ${typeof value === "string" && value.length > 20 ? `"x" × ${value.length}` : (JSON.stringify(value) ?? String(value))} })`,
        run: async () => {
          if (entry === "resumeImage") return resumeImage(image, options);
          if (entry === "inspectImage") return inspectImage(image, options);
          if (entry === "simulate") return simulate({ memory: "8MiB", ...options });
          using session = await ResumeSession.open(image, options);
          return session.run();
        },
        mustRefuse: !validByHand(name, value),
        untouched: [image],
      };
    }
  }
}

/**
 * validByHand - Whether @value is a valid @name, by the documented rules (not by src/options.ts, which is what the
 * case tests): booleans for flags, safe positive integers or sizes for byte bounds, 0 to 16 workers, safe block
 * numbers for offset, positive integers for fault injection, non-empty paths, the listed choices.
 */
function validByHand(name: (typeof OPTION_NAMES)[number], value: unknown): boolean {
  const safe = (min: number) => typeof value === "number" && Number.isSafeInteger(value) && value >= min;
  switch (name) {
    case "verify":
    case "crcThread":
      return typeof value === "boolean";
    case "maxMemory":
    case "maxUnpacked":
      return safe(1);
    case "workers":
      return safe(0) && (value as number) <= 16;
    case "offset":
      return safe(0) && (value as number) * 4096 <= Number.MAX_SAFE_INTEGER;
    case "failReadAt":
      return safe(1);
    case "storeDir":
      return typeof value === "string" && value.length > 0;
    case "mode":
      return value === "planned" || value === "faithful";
    case "contents":
      return value === "auto" || value === "memory" || value === "store";
  }
}

/**
 * leftovers - Entries in @dir other than @keep and tsx's compile cache (`tsx-<uid>`: the development harness's, made
 * when a worker thread registers tsx; the built package has none).
 */
function leftovers(dir: string, keep: readonly string[] = []): string[] {
  return readdirSync(dir).filter((name) => !keep.includes(name) && !/^tsx-\d+$/.test(name));
}

/**
 * runHostCase - Run host case @index of class @kind in @bench with campaign seed @seed, and judge it.
 */
export async function runHostCase(
  kind: HostClass,
  index: number,
  seed: number,
  bench: HostBench,
): Promise<HostVerdict> {
  const dice = new Dice(createRandom(seed, 1_000_003 + index));
  const work = join(bench.dir, `case-${index}`);
  mkdirSync(work, { recursive: true });
  const plan = planHostCase(kind, dice, bench, work);
  const before = plan.untouched.map((path) => fileFingerprint(path));
  const seedBefore = fileFingerprint(bench.image);
  const rssBefore = process.memoryUsage().rss;
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  const verdict: HostVerdict = { index, kind, detail: plan.detail, outcome: "ok", findings: [], ms: 0, rssGrowth: 0 };
  try {
    await plan.run();
    if (plan.mustRefuse) verdict.findings.push("wrongVerdict");
  } catch (error) {
    if (error instanceof ResumeError || error instanceof ConfigError) {
      verdict.outcome = "rejected";
      verdict.error = `${error.name}${error instanceof ResumeError ? ` ${error.phase} ${error.code}` : ""}: ${error.message}`;
    } else {
      verdict.outcome = "failed";
      verdict.error = `${(error as Error)?.name}: ${(error as Error)?.message ?? String(error)}`;
      verdict.findings.push("untyped");
    }
  }
  verdict.ms = Math.round(performance.now() - t0);
  const peakAfter = process.resourceUsage().maxRSS * 1024;
  verdict.rssGrowth = Math.max(0, peakAfter > peakBefore ? peakAfter - rssBefore : 0);
  if (verdict.ms > HOST_CASE_MS) verdict.findings.push("slow");
  if (verdict.rssGrowth > HOST_RSS_BOUND) verdict.findings.push("rssOverBound");
  if (
    plan.untouched.some((path, i) => fileFingerprint(path) !== before[i]) ||
    fileFingerprint(bench.image) !== seedBefore
  )
    verdict.findings.push("imageWritten");
  const left = [...leftovers(bench.temp), ...leftovers(work).filter((name) => name.includes(".thaw-"))];
  if (left.length > 0) {
    verdict.findings.push("leftover");
    verdict.detail += `; left behind: ${left.join(", ")}`;
  }
  rmSync(work, { recursive: true, force: true });
  for (const name of leftovers(bench.temp)) rmSync(join(bench.temp, name), { recursive: true, force: true });
  if (verdict.findings.length > 0 && verdict.outcome !== "failed") verdict.outcome = "failed";
  return verdict;
}

/** Totals of a host campaign, by class. */
export interface HostSummary {
  cases: number;
  findings: Record<HostFinding, number>;
  byClass: Record<string, { cases: number; ok: number; rejected: number; failed: number }>;
  failures: HostVerdict[];
  peakRssGrowth: number;
}

/** runHostCampaign - @cases host cases, classes in turn, in @bench with campaign seed @seed. */
export async function runHostCampaign(cases: number, seed: number, bench: HostBench): Promise<HostSummary> {
  const summary: HostSummary = {
    cases,
    findings: { untyped: 0, slow: 0, rssOverBound: 0, leftover: 0, imageWritten: 0, wrongVerdict: 0 },
    byClass: {},
    failures: [],
    peakRssGrowth: 0,
  };
  for (let index = 0; index < cases; index++) {
    const kind = HOST_CLASSES[index % HOST_CLASSES.length]!;
    const verdict = await runHostCase(kind, index, seed, bench);
    const row = (summary.byClass[kind] ??= { cases: 0, ok: 0, rejected: 0, failed: 0 });
    row.cases++;
    row[verdict.outcome]++;
    for (const finding of verdict.findings) summary.findings[finding]++;
    if (verdict.findings.length > 0) summary.failures.push(verdict);
    summary.peakRssGrowth = Math.max(summary.peakRssGrowth, verdict.rssGrowth);
  }
  return summary;
}
