#!/usr/bin/env node
// Rebuild what is stale before `npm start`, `npm test` and `npm run bench`: the WASM engine when assembly/ changed,
// the compiled host (dist/) when src/ changed. `npm ci` builds both once (the "prepare" script).
import { execSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (entry.name.endsWith(".ts")) latest = Math.max(latest, statSync(join(root, path)).mtimeMs);
  }
  return latest;
}

const mtime = (file) => (existsSync(join(root, file)) ? statSync(join(root, file)).mtimeMs : 0);
const run = (command) => execSync(command, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });

const engine = Math.max(newest("assembly"), mtime("asconfig.json"));
if (mtime("build/debug.wasm") < engine || mtime("build/release.wasm") < engine) run("npm run --silent asbuild");
const host = Math.max(newest("src"), newest("assembly/portable"), mtime("build/release.wasm"));
if (mtime("dist/src/index.js") < host || mtime("dist/src/cli.js") < host) run("npm run --silent build:host");
