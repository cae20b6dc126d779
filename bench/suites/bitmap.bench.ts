/**
 * The bitmap suites of `npm run bench`: thaw's strategies against the peers and C (bench/lab/bitmaps.ts), written to
 * bench/results/ and bench/RESULTS.md.
 */
import { type BitmapBenchProgress, runBitmapBench, writeBitmapBenchReport } from "../lab/bitmaps.js";
import { sizeLabel } from "../lab/results.js";

/** Options of a bench run as bench/index.ts parses them. */
export interface SuiteArgs {
  quick: boolean;
  json: boolean;
  sizes?: number[];
  command: string;
}

function printer(json: boolean): (event: BitmapBenchProgress) => void {
  const out = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  return (event) => {
    if (event.type === "size") out(`\n== ${sizeLabel(event.pfns)} PFNs (${event.index + 1}/${event.total}) ==`);
    else if (event.type === "note") out(`note: ${event.message}`);
    else
      out(
        `${event.workload.padEnd(14)} ${event.subject.padEnd(28)} ${event.nsMin === null ? "n/a".padStart(10) : `${event.nsMin.toFixed(2).padStart(10)} ns (median ${event.nsPerOp!.toFixed(2)})`}${event.note ? `  ${event.note}` : ""}`,
      );
  };
}

/** run - Run the bitmap lab, write its results, and print where they went (or the whole result, with --json). */
export async function run(args: SuiteArgs): Promise<void> {
  const result = await runBitmapBench({
    quick: args.quick,
    json: args.json,
    sizes: args.sizes,
    command: args.command,
    onProgress: printer(args.json),
  });
  const written = writeBitmapBenchReport(result);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  console.log("\nTargets:");
  for (const t of result.targets)
    console.log(`  ${t.met === null ? "  ?  " : t.met ? " met " : " NOT "} ${t.target}: ${t.figures}`);
  console.log(`\nWrote ${written.json}, ${written.charts.length} charts and ${written.markdown}`);
}
