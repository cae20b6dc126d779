import type { Command } from "commander";
import { print, runCommand } from "../output.js";

/**
 * benchCommand - `thaw bench bitmaps`: the memory-bitmap lab (src/bench/bitmaps.ts): every strategy and the JS peers
 * over PFN workloads, results written to bench/results/ and bench/RESULTS.md. The lab needs the development
 * dependencies (benny and the peers), so it is loaded only when asked for.
 */
export function benchCommand(program: Command): void {
  const bench = program.command("bench").description("benchmark labs (development dependencies required)");
  bench.command("bitmaps")
    .description("memory bitmaps: flat, bmlist, rtree, summary against JS Set, Uint32Array, typedfastbitset, roaring; ns/op, memory, charts")
    .option("--quick", "1M and 32M PFNs, short samples: about a minute")
    .option("--json", "print the results as one JSON object")
    .action((flags: { quick?: boolean; json?: boolean }) => runCommand(flags.json, async () => {
      const lab = await import("../../bench/bitmaps.js").catch((error: Error) => {
        throw new Error(`the bitmap lab needs thaw's development dependencies (npm ci in a clone): ${error.message}`);
      });
      const command = `thaw bench bitmaps${flags.quick ? " --quick" : ""}`;
      const result = await lab.runBitmapBench({
        quick: flags.quick ?? false, json: flags.json ?? false, command, endToEnd: true,
        onProgress: (event) => {
          if (flags.json) return;
          if (event.type === "size") process.stderr.write(`size ${event.index + 1}/${event.total}: ${event.pfns} PFNs\n`);
          else if (event.type === "note") process.stderr.write(`note: ${event.message}\n`);
        },
      });
      const written = lab.writeBitmapBenchReport(result);
      print(flags.json, result, () => `results: ${written.json}\nsummary table: ${written.markdown}\ncharts: ${written.charts.join(", ")}`);
    }));
}
