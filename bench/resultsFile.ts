/**
 * bench/RESULTS.md: each benchmark owns the sections between its markers (`<!-- name:start -->` … `<!-- name:end -->`)
 * and rewrites only those; text outside the markers is kept.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const RESULTS_HEADER = `# Benchmark results

Each section below is written by the benchmark that owns it, between its two markers; text outside the markers is
kept. To add results of another benchmark, give it a section with markers of its own.
`;

/**
 * writeResultsSection - Put @body between the markers of section @name in the file at @path, keeping everything else;
 * a section not there yet is added at the end under @title (a file not there yet starts with the common header).
 */
export function writeResultsSection(path: string, name: string, title: string, body: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  let doc = existsSync(path) ? readFileSync(path, "utf8") : RESULTS_HEADER;
  const section = `${start}\n${body}\n${end}`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from >= 0 && to > from) doc = doc.slice(0, from) + section + doc.slice(to + end.length);
  else doc = `${doc.trimEnd()}\n\n${title}\n\n${section}\n`;
  writeFileSync(path, doc);
}
