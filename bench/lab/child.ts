/**
 * One group of the bitmap lab's subjects in a process of its own (bitmaps.ts: runIsolated() starts one per group):
 * `tsx bench/lab/child.ts '{"group":"js","quick":true,...}'` runs runBitmapBench() over that group only, writes each
 * progress event to stderr as a line starting with PROGRESS_PREFIX and the result to stdout as JSON.
 */
import { type BitmapBenchOptions, PROGRESS_PREFIX, runBitmapBench, SUBJECT_GROUPS } from "./bitmaps.js";

const options = JSON.parse(process.argv[2] ?? "{}") as BitmapBenchOptions;
if (!options.group || !SUBJECT_GROUPS.includes(options.group))
  throw new Error(`bench/lab/child.ts: group must be one of ${SUBJECT_GROUPS.join(", ")}, got ${options.group}`);
const result = await runBitmapBench({
  ...options,
  isolate: false,
  c: false,
  endToEnd: false,
  onProgress: (event) => void process.stderr.write(`${PROGRESS_PREFIX}${JSON.stringify(event)}\n`),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
