#!/usr/bin/env node
// The line rules of biome.jsonc for assembly/, which Biome cannot parse (AssemblyScript puts decorators such as
// @inline on functions): at most 120 columns, no tabs, no trailing white space. asc checks everything else.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const LIMIT = 120;
const root = new URL("..", import.meta.url).pathname;

function* files(dir) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

let problems = 0;
for (const file of files("assembly")) {
  readFileSync(join(root, file), "utf8")
    .split("\n")
    .forEach((line, i) => {
      const why =
        [...line].length > LIMIT
          ? `${[...line].length} columns (limit ${LIMIT})`
          : line.includes("\t")
            ? "a tab"
            : /\s$/.test(line)
              ? "trailing white space"
              : "";
      if (!why) return;
      problems++;
      process.stderr.write(`${file}:${i + 1}: ${why}\n`);
    });
}
if (problems) {
  process.stderr.write(`lint-assembly: ${problems} line${problems === 1 ? "" : "s"} to fix\n`);
  process.exitCode = 1;
}
