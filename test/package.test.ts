/**
 * SLOW (30-70 s: it builds the package): the package as a user gets it. A copy of the checkout (without
 * node_modules, .git and dist, so that the build never replaces the WASM or dist/ under the other tests) is packed
 * with `npm pack`, which builds it (the "prepare" script); a scratch project installs the tarball, and from there
 * `thaw simulate`, `thaw resume` of a real Linux image and the README's bitmap example (importing "thaw/bitmap") run.
 * The tarball must hold no fuzzer, bench, test or TypeScript source files. The temporary folder is always removed.
 *
 * Installing is `npm install --offline` of the tarball; where the npm cache lacks thaw's dependencies (a checkout
 * installed by `npm ci` from a lock file need not have them cached), the tarball is unpacked into node_modules/thaw
 * and its runtime dependencies (only those, found through their package.json files) are linked from the checkout's
 * node_modules, so that nothing else, not the development dependencies, can be resolved.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bitmapExample } from "./helpers/readmeExample.js";

const root = join(import.meta.dirname, "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const env = { ...process.env, THAW_WASM: "release" };

interface PackEntry {
  filename: string;
  files: { path: string }[];
}

/** linkDependencies - Link @pkg's runtime dependencies, transitively, from the checkout into @modules. */
function linkDependencies(pkg: string, modules: string): string[] {
  const linked: string[] = [];
  const todo = Object.keys(JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).dependencies ?? {});
  while (todo.length > 0) {
    const name = todo.pop()!;
    const from = join(root, "node_modules", name);
    const to = join(modules, name);
    if (existsSync(to)) continue;
    mkdirSync(join(to, ".."), { recursive: true });
    symlinkSync(from, to, "dir");
    linked.push(name);
    todo.push(...Object.keys(JSON.parse(readFileSync(join(from, "package.json"), "utf8")).dependencies ?? {}));
  }
  return linked;
}

describe("the packed package (slow: builds it)", () => {
  let dir: string;
  let checkout: string;
  let project: string;
  let thawBin: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "thaw-package-"));
    checkout = join(dir, "checkout");
    const skip = new Set(["node_modules", ".git", "dist"].map((name) => join(root, name)));
    cpSync(root, checkout, { recursive: true, filter: (from) => !skip.has(from) });
    symlinkSync(join(root, "node_modules"), join(checkout, "node_modules"), "dir");
    const [packed] = JSON.parse(
      execFileSync(npm, ["pack", "--json", "--pack-destination", dir], {
        cwd: checkout,
        encoding: "utf8",
        env,
        stdio: ["ignore", "pipe", "pipe"],
      }),
    ) as PackEntry[];
    const tarball = join(dir, packed!.filename);
    project = join(dir, "project");
    mkdirSync(project);
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "scratch", version: "1.0.0", private: true, type: "module" }),
    );
    try {
      execFileSync(npm, ["install", "--offline", "--no-audit", "--no-fund", tarball], {
        cwd: project,
        stdio: "pipe",
        env,
      });
    } catch {
      const modules = join(project, "node_modules");
      mkdirSync(modules, { recursive: true });
      execFileSync("tar", ["xzf", tarball, "-C", dir]);
      execFileSync("mv", [join(dir, "package"), join(modules, "thaw")]);
      linkDependencies(join(modules, "thaw"), modules);
    }
    const pkg = JSON.parse(readFileSync(join(project, "node_modules", "thaw", "package.json"), "utf8"));
    thawBin = join(project, "node_modules", "thaw", pkg.bin.thaw);
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("lists no fuzzer, bench, test or TypeScript source file (npm pack --dry-run)", () => {
    const [entry] = JSON.parse(
      execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], {
        cwd: checkout,
        encoding: "utf8",
        env,
        stdio: ["ignore", "pipe", "pipe"],
      }),
    ) as PackEntry[];
    const paths = entry!.files.map((f) => f.path);
    expect(paths).toContain("dist/src/bitmap/index.js");
    expect(paths).toContain("build/release.wasm");
    for (const folder of ["fuzz", "bench", "test"]) expect(existsSync(join(checkout, folder))).toBe(true);
    const forbidden = paths.filter(
      (p) =>
        /(^|\/)(fuzz|bench|test)(\/|$)/.test(p) || p.startsWith("src/") || (/\.ts$/.test(p) && !/\.d\.ts$/.test(p)),
    );
    expect(forbidden).toEqual([]);
  });

  it("runs thaw simulate from the installed package", () => {
    const out = JSON.parse(
      execFileSync(process.execPath, [thawBin, "simulate", "--memory", "64MiB", "--json"], {
        cwd: project,
        encoding: "utf8",
        env,
      }),
    );
    expect(out.ok).toBe(true);
    expect(out.verify.mismatches).toEqual([]);
    expect(out.verify.pages).toBe(out.counts.imagePages);
  });

  it("resumes a Linux 6.12 LZO image from the installed package, every page verified", () => {
    const image = join(root, "test/fixtures/linux-6.12/e-tiny-lzo/swap.img.gz");
    const out = JSON.parse(
      execFileSync(process.execPath, [thawBin, "resume", image, "--json"], { cwd: project, encoding: "utf8", env }),
    );
    expect(out.ok).toBe(true);
    expect(out.counts.imagePages).toBeGreaterThan(0);
    expect(out.verify.pages).toBe(out.counts.imagePages);
    expect(out.verify.mismatches).toEqual([]);
  });

  it("runs the README's bitmap example, importing thaw/bitmap, and prints what the README shows", () => {
    const { code, output } = bitmapExample(root);
    const file = join(project, "example.mjs");
    writeFileSync(file, code);
    expect(execFileSync(process.execPath, [file], { cwd: project, encoding: "utf8", env })).toBe(output);
  });
});
