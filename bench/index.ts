/**
 * `npm run bench [-- --quick] [--json] [--only NAME] [--sizes 1M,32M]`: run the benchmark suites of bench/suites/
 * one after the other. Each suite writes its own results (bench/results/, bench/RESULTS.md). Never part of
 * `npm test`.
 */
import { run as bitmaps } from "./suites/bitmap.bench.js";
import { run as decompress } from "./suites/decompress.bench.js";
import { run as dump } from "./suites/dump.bench.js";
import { run as restore } from "./suites/restore.bench.js";

const SUITES: Record<string, typeof bitmaps> = { bitmaps, decompress, restore, dump };

function parseSize(text: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(text.trim());
  if (!m) throw new Error(`bench: --sizes takes counts such as 1M,32M,256M,1G; got "${text}"`);
  return Number(m[1]) * { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G"];
}

const HELP = `Usage: npm run bench [-- OPTIONS]

Runs the benchmark suites of bench/suites/ one after the other (the full run takes about 15 minutes); each writes its
results to bench/results/ and its section of bench/RESULTS.md. Never part of npm test.

Options:
  --quick            short samples and small sizes (about a minute per suite)
  --only NAMES       run only these suites, comma-separated: ${Object.keys(SUITES).join(", ")}
  --sizes LIST       PFN counts for the bitmap lab, e.g. 1M,32M,256M,1G
  --json             print each suite's result as JSON on stdout (progress goes to stderr)
  -h, --help         print this help and exit
`;

const argv = process.argv.slice(2);
const KNOWN = new Set(["--quick", "--json", "--only", "--sizes", "--help", "-h"]);
if (argv.includes("--help") || argv.includes("-h")) {
  process.stdout.write(HELP);
  process.exit(0);
}
for (const [i, arg] of argv.entries()) {
  const isValue = i > 0 && (argv[i - 1] === "--only" || argv[i - 1] === "--sizes");
  if (!isValue && !KNOWN.has(arg)) {
    process.stderr.write(`bench: unknown option "${arg}"\n\n${HELP}`);
    process.exit(2);
  }
}
const flag = (name: string) => argv.includes(name);
const value = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const only = value("--only");
const sizes = value("--sizes")?.split(",").map(parseSize);
const names = only ? only.split(",") : Object.keys(SUITES);
for (const name of names) {
  const suite = SUITES[name];
  if (!suite) throw new Error(`bench: no suite "${name}" (have: ${Object.keys(SUITES).join(", ")})`);
  await suite({
    quick: flag("--quick"),
    json: flag("--json"),
    sizes,
    command: `npm run bench${argv.length ? ` -- ${argv.join(" ")}` : ""}`,
  });
}
