/**
 * Loading the engine: one compiled WebAssembly.Module per build flavour, instantiated against a shared Memory that
 * the host owns, through AssemblyScript's own generated raw bindings (build/<flavour>.js).
 *
 * The release build is used unless THAW_WASM=debug (the tests set it): the debug build keeps every assertion and
 * checks every unchecked() access.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import type * as Bindings from "../../build/release.js";

/** The engine's exports, as typed by the generated bindings. */
export type EngineExports = Awaited<ReturnType<typeof Bindings.instantiate>>;

/** Build flavour of the engine. */
export type Flavour = "release" | "debug";

const modules = new Map<Flavour, Promise<{ module: WebAssembly.Module; instantiate: typeof Bindings.instantiate }>>();

/** packageRoot - The folder holding thaw's package.json (works from src/ and from dist/src/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "asconfig.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("thaw: cannot find the package root (asconfig.json)");
    dir = up;
  }
  return dir;
}

/** defaultFlavour - THAW_WASM=debug selects the debug build. */
export function defaultFlavour(): Flavour {
  return process.env.THAW_WASM === "debug" ? "debug" : "release";
}

/** loadBindings - AssemblyScript's generated raw bindings of @flavour (build/<flavour>.js). */
export async function loadBindings(flavour: Flavour = defaultFlavour()): Promise<typeof Bindings> {
  return (await import(pathToFileURL(join(packageRoot(), "build", `${flavour}.js`)).href)) as typeof Bindings;
}

/** loadModule - Compile (once) the engine of @flavour; also returns the module for worker threads. */
export function loadModule(flavour: Flavour = defaultFlavour()) {
  let entry = modules.get(flavour);
  if (!entry) {
    entry = (async () => {
      const wasmPath = join(packageRoot(), "build", `${flavour}.wasm`);
      if (!existsSync(wasmPath)) {
        throw new Error(`thaw: ${wasmPath} is missing; run "npm run asbuild" (npm ci builds it)`);
      }
      const module = await WebAssembly.compile(readFileSync(wasmPath));
      return { module, instantiate: (await loadBindings(flavour)).instantiate };
    })();
    modules.set(flavour, entry);
  }
  return entry;
}

/**
 * instantiateEngine - Instantiate the engine against @memory (shared, imported as env.memory). The bindings turn an
 * engine assertion (debug build) into an Error naming the AssemblyScript file and line.
 */
export async function instantiateEngine(memory: WebAssembly.Memory, flavour: Flavour = defaultFlavour()) {
  const { module, instantiate } = await loadModule(flavour);
  const exports = await instantiate(module, { env: { memory } });
  return { module, exports: exports as EngineExports };
}

/**
 * instantiateModule - Instantiate an already compiled engine @module (handed to a worker thread) against @memory.
 */
export async function instantiateModule(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  flavour: Flavour,
): Promise<EngineExports> {
  const { instantiate } = await loadBindings(flavour);
  return (await instantiate(module, { env: { memory } })) as EngineExports;
}
