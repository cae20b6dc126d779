import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { runStress, type StressRun, stressChart } from "../../stress.js";
import { formatMiB } from "../../util/units.js";
import { print, runCommand } from "../output.js";

function line(r: StressRun, i: number, total: number): string {
  const seconds = Object.values(r.phases).reduce((a, b) => a + b, 0) / 1000;
  return `${String(i + 1).padStart(3)}/${total}  ${(r.placementOnly ? "placement " : "contents  ") + r.memory.padEnd(7)} ${String(r.pageSize).padStart(5)} B  ${r.bitmap.padEnd(7)} image ${r.image.padEnd(4)}  ${r.ok ? "ok  " : "FAIL"} ${seconds.toFixed(2).padStart(7)} s  ${String(r.pagesPerSecond).padStart(10)} pages/s  ${r.gbPerSecond === null ? "     -" : r.gbPerSecond.toFixed(2).padStart(6)} GB/s  peak RSS ${formatMiB(r.peakRssBytes)}${r.error ? `  ${r.error}` : ""}`;
}

/** stressCommand - `thaw stress`: the sweep of src/stress.ts, every run verified. */
export function stressCommand(program: Command): void {
  program
    .command("stress")
    .description(
      "sweep machine size × bitmap × image share × page size; every run verified; time per phase, pages/s, GB/s, peak RSS",
    )
    .option("--quick", "the small sweep the tests run (about ten seconds)")
    .option("--chart <file.svg>", "draw time per phase of every run")
    .option("--json", "print one JSON object: { ok, runs }")
    .action((flags: { quick?: boolean; chart?: string; json?: boolean }) =>
      runCommand(flags.json, async () => {
        const result = await runStress({
          quick: flags.quick ?? false,
          onRun: (r, i, total) => !flags.json && process.stdout.write(`${line(r, i, total)}\n`),
        });
        if (flags.chart)
          writeFileSync(
            flags.chart,
            stressChart(result.runs, `thaw stress${flags.quick ? " --quick" : ""}: time per phase`),
          );
        if (flags.json) print(true, result, () => "");
        else process.stdout.write(`${result.runs.filter((r) => r.ok).length}/${result.runs.length} runs verified\n`);
        if (!result.ok) process.exitCode = 2;
      }),
    );
}
