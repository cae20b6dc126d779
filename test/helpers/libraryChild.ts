/**
 * A library call in a process of its own, so that its peak RSS is its own: `thaw inspect` or `thaw resume` of one
 * image through the library, reported as one JSON line — the typed error (or the outcome), the call's time and the
 * process's peak RSS. Run with `node --import tsx test/helpers/libraryChild.ts '{"call":…,"path":…,"options":…}'`.
 */
import { ConfigError, ResumeError } from "../../src/errors.js";
import { inspectImage } from "../../src/inspect.js";
import { resumeImage } from "../../src/resume.js";

/** What the child is asked to run. */
export interface ChildCall {
  call: "inspect" | "resume";
  path: string;
  options?: Record<string, unknown>;
  /** Run the call this many times in the process (default 1), sampling its RSS after each tenth. */
  repeat?: number;
}

/** What it reports. */
export interface ChildResult {
  ok: boolean;
  error?: { type: string; phase?: string; code?: string; message: string; offending?: unknown };
  refusals?: unknown[];
  ms: number;
  peakRssBytes: number;
  /** RSS after every tenth call (with repeat). */
  rssBytes?: number[];
}

const request = JSON.parse(process.argv[2]!) as ChildCall;
const t0 = performance.now();
let result: Omit<ChildResult, "ms" | "peakRssBytes">;
const rssBytes: number[] = [];
try {
  result = { ok: true };
  for (let i = 1; i <= (request.repeat ?? 1); i++) {
    if (request.call === "inspect") {
      const report = await inspectImage(request.path, { workers: 0, ...request.options });
      result = { ok: true, refusals: report.refusals };
    } else {
      await resumeImage(request.path, { workers: 0, ...request.options });
    }
    if (i % 10 === 0) rssBytes.push(process.memoryUsage().rss);
  }
} catch (error) {
  const e = error as Error;
  result = {
    ok: false,
    error: {
      type: error instanceof ResumeError ? "ResumeError" : error instanceof ConfigError ? "ConfigError" : e.name,
      ...(error instanceof ResumeError && { phase: error.phase, code: error.code }),
      message: e.message,
      offending: (error as { offending?: unknown }).offending,
    },
  };
}
const out: ChildResult = {
  ...result,
  ms: performance.now() - t0,
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
  ...(rssBytes.length > 0 && { rssBytes }),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
