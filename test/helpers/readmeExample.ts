/**
 * The bitmap API's example as README.md shows it: the code block under "The bitmap API" and the output printed
 * under it. The README test and the package test run exactly this code, so the README cannot drift from the API.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The example's code and what it prints. */
export interface ReadmeExample {
  code: string;
  output: string;
}

/**
 * bitmapExample - The first ```js block after the "### The bitmap API" heading of the README in @root and the first
 * ```text block after it.
 * @throws Error when the heading or either block is missing.
 */
export function bitmapExample(root: string): ReadmeExample {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const at = readme.indexOf("### The bitmap API");
  if (at < 0) throw new Error('README.md has no "### The bitmap API" section');
  const section = readme.slice(at);
  const code = /```js\n([\s\S]*?)```/.exec(section);
  if (!code) throw new Error("README.md: the bitmap API section has no ```js block");
  const output = /```text\n([\s\S]*?)```/.exec(section.slice(code.index + code[0].length));
  if (!output) throw new Error("README.md: the bitmap API example has no ```text block of output after it");
  return { code: code[1]!, output: output[1]! };
}
