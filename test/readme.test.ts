/**
 * README.md's bitmap API example, run as it stands (its `thaw/bitmap` import pointed at src/bitmap/index.ts) in a
 * Node of its own: it must print exactly the output the README shows.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { bitmapExample } from "./helpers/readmeExample.js";

const root = join(import.meta.dirname, "..");

describe("README.md", () => {
  it("shows a bitmap API example that prints what the README says it prints", () => {
    const { code, output } = bitmapExample(root);
    expect(code).toContain('from "thaw/bitmap"');
    const source = code.replace(
      'from "thaw/bitmap"',
      `from "${pathToFileURL(join(root, "src/bitmap/index.ts")).href}"`,
    );
    const dir = mkdtempSync(join(tmpdir(), "thaw-readme-"));
    try {
      const file = join(dir, "example.mts");
      writeFileSync(file, source);
      const printed = execFileSync(process.execPath, ["--import", "tsx", file], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, THAW_WASM: "release" },
      });
      expect(printed).toBe(output);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
