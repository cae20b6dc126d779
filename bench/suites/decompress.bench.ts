/**
 * Decompression benchmark (`npm run bench -- --only decompress [--quick] [--json]`, or `npx tsx
 * bench/suites/decompress.bench.ts [--quick] [--json]`): thaw's LZO1X and LZ4 decoders (release build) against
 * liblzo2 / liblz4 built with gcc -O2 in the same run, on the chunks of real kernel-written hibernation streams
 * (kernel/power/swap.c: load_image_lzo()), then 1 worker against 2 over one shared memory. Writes its section of
 * bench/RESULTS.md.
 *
 * Streams: linux-6.1/b-lzo (LZO) and linux-6.12/c-lz4 (LZ4) from ../shared/fixtures, else the committed tiny 6.12
 * images. Every chunk goes into one UNC_SIZE buffer per thread, as in the kernel; throughput counts uncompressed
 * bytes. The output of one pass is checked against truth.json's stream sha256 before anything is timed. The native
 * side needs gcc and the liblzo2-dev / liblz4-dev headers; without them it is skipped, saying why.
 *
 * Each round times 4 passes of thaw, 4 of native, 2 of native on 2 threads, and 4 each with one and two workers,
 * alternating, so that all of them see the same load on a shared machine. Throughput figures are medians over the
 * rounds, and for thaw against native on one thread also the best pass and the sum over the chunks of each chunk's
 * shortest time in any pass (each call timed on its own, in C and in JavaScript alike): on a machine that other work
 * shares, a 15 ms pass is seldom left alone, a 30 µs call often is, so the sum of the minima is the figure least moved
 * by the load, and the one the thaw / native targets are judged on.
 * The 2-worker target is judged on CPU time: one worker's against the busiest of two workers' (each thread's time on
 * a CPU, /proc/thread-self/schedstat), which is the speed-up two free CPUs give and which time lost to other work on
 * the machine does not distort; the wall-time speed-up and native C's on 2 threads, measured alongside, are given
 * too. thaw/native is given on wall time
 * and on CPU time (process CPU, which time slices lost to other processes do not inflate).
 */

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { ARENA_START, CTX_START, WASM_PAGE_SIZE } from "../../assembly/portable/layout.js";
import { writeResultsSection } from "../resultsFile.js";

/** Where the decoders record a failure: one 16-byte record per thread, in the otherwise unused CTX. */
const ERR_RECORD = CTX_START;

import { UNC_SIZE } from "../../assembly/portable/compress.js";
import { type EngineExports, instantiateEngine, loadModule, packageRoot } from "../../src/engine/load.js";
import { fixtureImagePath, kernelStream, loadSwapImage } from "../../test/compress/kernelStream.js";

type Algo = "lzo" | "lz4";

interface Workload {
  algo: Algo;
  source: string;
  chunks: Uint8Array[];
  uncLens: number[];
  uncBytes: number;
  cmpBytes: number;
  sha256: string;
}

/** Where a workload sits in the shared memory. */
interface Placed {
  table: number;
  count: number;
  outs: number[];
}

const root = packageRoot();
const MAX_WORKERS = 2;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const gbps = (bytes: number, seconds: number) => bytes / seconds / 1e9;

/** chunkMinSum - The sum over the chunks of each one's shortest time in any of @passes; null where not timed. */
function chunkMinSum(passes: Pass[]): number | null {
  if (passes.length === 0 || passes.some((x) => !x.chunks)) return null;
  const mins = [...passes[0]!.chunks!];
  for (const x of passes) {
    x.chunks!.forEach((t, i) => {
      mins[i] = Math.min(mins[i]!, t);
    });
  }
  return mins.reduce((a, b) => a + b, 0);
}

/** busiestRatio - Median busiest-thread CPU time of @one over that of @two; null where it was not measured. */
function busiestRatio(one: Pass[], two: Pass[]): number | null {
  const a = one.map((x) => x.busiest);
  const b = two.map((x) => x.busiest);
  if (a.some((x) => x == null) || b.some((x) => x == null)) return null;
  return median(a as number[]) / median(b as number[]);
}

/** loadWorkload - The chunks of the large fixture for @algo, or of the tiny committed one. */
function loadWorkload(algo: Algo, engine: EngineExports, memory: WebAssembly.Memory): Workload {
  const large = algo === "lzo" ? "linux-6.1/b-lzo" : "linux-6.12/c-lz4";
  const tiny = algo === "lzo" ? "linux-6.12/e-tiny-lzo" : "linux-6.12/f-tiny-lz4";
  const sharedDir = join(root, "../shared/fixtures", large);
  const path =
    fixtureImagePath(join(sharedDir, "swap.img.zst"), join(sharedDir, "swap.img.gz")) ??
    join(root, "test/fixtures", tiny, "swap.img.gz");
  const truthPath =
    existsSync(join(sharedDir, "truth.json")) && path.startsWith(sharedDir)
      ? join(sharedDir, "truth.json")
      : join(root, "test/fixtures", tiny, "truth.json");
  const stream = kernelStream(loadSwapImage(path));
  if (stream.algo !== algo) throw new Error(`${path}: ${stream.algo} image, expected ${algo}`);
  const truth = JSON.parse(readFileSync(truthPath, "utf8")) as Record<string, string>;
  const chunks = stream.chunks.map((c) => c.data);

  // Lengths come from one decoding pass, whose output must be the stream the truth records.
  const scratch = ARENA_START;
  const out = scratch + WASM_PAGE_SIZE * 4;
  const sha = createHash("sha256");
  const uncLens = chunks.map((c, i) => {
    new Uint8Array(memory.buffer).set(c, scratch);
    const fn = algo === "lz4" ? engine.lz4DecompressSafe : engine.lzo1xDecompressSafe;
    const n = fn(scratch, c.length, out, UNC_SIZE, ERR_RECORD);
    if (n < 0) throw new Error(`${path}: chunk ${i} failed with ${n}`);
    sha.update(new Uint8Array(memory.buffer, out, n));
    return n;
  });
  const sha256 = sha.digest("hex");
  if (sha256 !== truth["sha256_uncompressed_stream (meta+data pages)"]) {
    throw new Error(`${path}: decompressed stream sha256 ${sha256} differs from ${truthPath}`);
  }
  return {
    algo,
    source: path,
    chunks,
    uncLens,
    uncBytes: uncLens.reduce((a, b) => a + b, 0),
    cmpBytes: chunks.reduce((a, c) => a + c.length, 0),
    sha256,
  };
}

/** place - Lay the chunks, a table of them and one output buffer per thread into the memory, from @base. */
function place(w: Workload, memory: WebAssembly.Memory, base: number): Placed {
  const table = base;
  const outs = Array.from({ length: MAX_WORKERS + 1 }, (_, i) => table + WASM_PAGE_SIZE * (1 + 3 * i));
  let at = outs[outs.length - 1]! + 3 * WASM_PAGE_SIZE;
  const need = at + w.cmpBytes + 16 * w.chunks.length;
  const have = memory.buffer.byteLength;
  if (need > have) memory.grow(Math.ceil((need - have) / WASM_PAGE_SIZE));
  const bytes = new Uint8Array(memory.buffer);
  const view = new DataView(memory.buffer);
  w.chunks.forEach((c, i) => {
    bytes.set(c, at);
    view.setUint32(table + i * 16, at, true);
    view.setUint32(table + i * 16 + 4, c.length, true);
    view.setUint32(table + i * 16 + 8, w.uncLens[i]!, true);
    at += (c.length + 15) & ~15;
  });
  return { table, count: w.chunks.length, outs };
}

/**
 * A timed pass: wall seconds, process CPU seconds, and the CPU seconds of the thread that worked longest (what the
 * pass would take if each thread had a CPU of its own; null where the kernel does not report per-thread CPU time).
 */
interface Pass {
  wall: number;
  cpu: number;
  busiest?: number | null;
  /** Seconds of each chunk's call in this pass (one thread only). */
  chunks?: number[];
}

/** wasmOneThread - @passes timed passes of the engine on this thread (after one untimed pass when @warm). */
function wasmOneThread(
  w: Workload,
  p: Placed,
  engine: EngineExports,
  memory: WebAssembly.Memory,
  passes: number,
  warm: boolean,
) {
  const fn = w.algo === "lz4" ? engine.lz4DecompressSafe : engine.lzo1xDecompressSafe;
  const view = new DataView(memory.buffer);
  const recs = Array.from(
    { length: p.count },
    (_, i) => [view.getUint32(p.table + i * 16, true), view.getUint32(p.table + i * 16 + 4, true)] as const,
  );
  const out = p.outs[0]!;
  const timed: Pass[] = [];
  for (let pass = warm ? -1 : 0; pass < passes; pass++) {
    const chunks = new Array<number>(recs.length);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let total = 0;
    for (let i = 0; i < recs.length; i++) {
      const c = performance.now();
      total += fn(recs[i]![0], recs[i]![1], out, UNC_SIZE, ERR_RECORD);
      chunks[i] = (performance.now() - c) / 1000;
    }
    const wall = (performance.now() - t0) / 1000;
    const cu = process.cpuUsage(c0);
    if (total !== w.uncBytes) throw new Error(`wasm ${w.algo}: ${total} bytes, expected ${w.uncBytes}`);
    if (pass >= 0) timed.push({ wall, cpu: (cu.user + cu.system) / 1e6, chunks });
  }
  return timed;
}

/** buildNative - Compile bench/native/decompress.c for what is installed; undefined and a reason otherwise. */
function buildNative(dir: string): { exe?: string; have: Set<Algo>; reason?: string } {
  const have = new Set<Algo>();
  const flags: string[] = [];
  if (existsSync("/usr/include/lzo/lzo1x.h")) {
    have.add("lzo");
    flags.push("-DHAVE_LZO", "-llzo2");
  }
  if (existsSync("/usr/include/lz4.h")) {
    have.add("lz4");
    flags.push("-DHAVE_LZ4", "-llz4");
  }
  if (have.size === 0) return { have, reason: "liblzo2-dev / liblz4-dev headers not installed" };
  const exe = join(dir, "decompress");
  const cc = spawnSync("gcc", ["-O2", "-pthread", "-o", exe, join(root, "bench/native/decompress.c"), ...flags], {
    encoding: "utf8",
  });
  if (cc.error || cc.status !== 0)
    return { have: new Set(), reason: `gcc failed: ${cc.error?.message ?? cc.stderr.trim()}` };
  return { exe, have };
}

/** writeChunks - The chunk file bench/native/decompress.c reads. */
function writeChunks(dir: string, w: Workload): string {
  const file = join(dir, `${w.algo}.chunks`);
  const parts: Uint8Array[] = [];
  w.chunks.forEach((c, i) => {
    const head = new DataView(new ArrayBuffer(8));
    head.setUint32(0, c.length, true);
    head.setUint32(4, w.uncLens[i]!, true);
    parts.push(new Uint8Array(head.buffer), c);
  });
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

/**
 * nativeRun - @passes timed passes of the C baseline over the chunk @file on @threads threads, and the library's name
 * and version.
 */
function nativeRun(
  exe: string,
  file: string,
  w: Workload,
  passes: number,
  threads = 1,
): { library: string; passes: Pass[] } {
  const run = spawnSync(exe, [w.algo, file, String(passes), String(threads)], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`native ${w.algo}: ${run.stderr || run.status}`);
  const result = JSON.parse(run.stdout) as {
    library: string;
    bytes: number;
    seconds: number[];
    cpu_seconds: number[];
    busiest_thread_cpu_seconds: number[];
    chunk_min_seconds: number[];
  };
  if (result.bytes !== w.uncBytes) throw new Error(`native ${w.algo}: ${result.bytes} bytes, expected ${w.uncBytes}`);
  return {
    library: result.library,
    passes: result.seconds.map((wall, i) => ({
      wall,
      cpu: result.cpu_seconds[i]!,
      busiest: result.busiest_thread_cpu_seconds[i]!,
      // The C side keeps the minima of its passes only: they stand for every pass of the run.
      chunks: result.chunk_min_seconds.length > 0 ? result.chunk_min_seconds : undefined,
    })),
  };
}

/** A pool of workers over the shared memory that split the chunks between them. */
interface Pool {
  /** pass - One pass over every chunk: its wall seconds and the busiest worker's CPU seconds. */
  pass(): Promise<Pass>;
  close(): Promise<void>;
}

/** startPool - @n workers on @w, worker i writing to output buffer outs[first + i]. */
async function startPool(
  w: Workload,
  p: Placed,
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  n: number,
  first: number,
): Promise<Pool> {
  const bindings = pathToFileURL(join(root, "build/release.js")).href;
  const workers = Array.from(
    { length: n },
    (_, index) =>
      new Worker(new URL("./decompress.worker.mjs", import.meta.url), {
        workerData: {
          module,
          memory,
          bindings,
          algo: w.algo,
          table: p.table,
          count: p.count,
          out: p.outs[first + index],
          index,
          workers: n,
          errRecord: ERR_RECORD + 16 * (index + 1),
        },
      }),
  );
  const next = (worker: Worker) =>
    new Promise<unknown>((resolve, reject) => {
      const fail = (e: Error) => {
        worker.off("message", done);
        reject(e);
      };
      const done = (value: unknown) => {
        worker.off("error", fail);
        resolve(value);
      };
      worker.once("message", done);
      worker.once("error", fail);
    });
  await Promise.all(workers.map(next));
  const pass = async () => {
    const done = workers.map(next);
    const t0 = performance.now();
    for (const worker of workers) worker.postMessage(1);
    const results = (await Promise.all(done)) as Array<{ bytes: number; failed: number; cpuSeconds: number | null }>;
    const wall = (performance.now() - t0) / 1000;
    const bytes = results.reduce((a, r) => a + r.bytes, 0);
    if (bytes !== w.uncBytes || results.some((r) => r.failed >= 0))
      throw new Error(`${n} workers ${w.algo}: wrong output`);
    const cpus = results.map((r) => r.cpuSeconds);
    const busiest = cpus.every((c) => c !== null) ? Math.max(...(cpus as number[])) : null;
    return { wall, cpu: cpus.reduce<number>((a, c) => a + (c ?? 0), 0), busiest };
  };
  await pass();
  return { pass, close: async () => void (await Promise.all(workers.map((worker) => worker.terminate()))) };
}

/** One stream's figures. */
export interface DecompressRow {
  algo: Algo;
  source: string;
  chunks: number;
  uncMB: number;
  ratio: number;
  library: string | null;
  nativeGBps: number | null;
  native2GBps: number | null;
  nativeScaling: number | null;
  wasmGBps: number;
  vsNativeWall: number | null;
  vsNativeCpu: number | null;
  /** Best pass of each side. */
  nativeBestGBps: number | null;
  wasmBestGBps: number;
  vsNativeBest: number | null;
  /** Sum of per-chunk minima of each side. */
  nativeChunkMinGBps: number | null;
  wasmChunkMinGBps: number;
  vsNativeChunkMin: number | null;
  worker1GBps: number;
  worker2GBps: number;
  /** 2 workers against 1, wall time (medians). */
  scaling: number;
  /** 2 workers against 1 if each had a CPU to itself: 1 worker's CPU time over the busiest of 2's (medians). */
  cpuScaling: number | null;
  nativeCpuScaling: number | null;
}

/** A whole run. */
export interface DecompressResult {
  date: string;
  command: string;
  minutes: number;
  quick: boolean;
  rounds: number;
  nproc: number;
  cpu: string;
  node: string;
  loadStart: number;
  loadEnd: number;
  native: string;
  rows: DecompressRow[];
}

/** Options of a bench run as bench/index.ts parses them. */
export interface DecompressArgs {
  quick: boolean;
  json: boolean;
  command: string;
}

/** runDecompressBench - Measure both streams: @rounds interleaved rounds each. */
export async function runDecompressBench(args: DecompressArgs): Promise<DecompressResult> {
  const t0 = Date.now();
  const loadStart = loadavg()[0]!;
  const rounds = args.quick ? 3 : 9;
  const memory = new WebAssembly.Memory({ initial: ARENA_START / WASM_PAGE_SIZE + 16, maximum: 65536, shared: true });
  const { exports: engine } = await instantiateEngine(memory, "release");
  const { module } = await loadModule("release");
  const dir = mkdtempSync(join(tmpdir(), "thaw-decompress-"));
  const native = buildNative(dir);
  const rows: DecompressRow[] = [];
  try {
    for (const algo of ["lzo", "lz4"] as const) {
      const w = loadWorkload(algo, engine, memory);
      const p = place(w, memory, ARENA_START);
      const file = native.exe && native.have.has(algo) ? writeChunks(dir, w) : undefined;
      const one = await startPool(w, p, module, memory, 1, 1);
      const two = await startPool(w, p, module, memory, 2, 1);
      const wasm: Pass[] = [];
      const nat: Pass[] = [];
      const nat2: Pass[] = [];
      const w1: Pass[] = [];
      const w2: Pass[] = [];
      let library: string | null = null;
      try {
        for (let r = 0; r < rounds; r++) {
          wasm.push(...wasmOneThread(w, p, engine, memory, 4, r === 0));
          if (file) {
            const n = nativeRun(native.exe!, file, w, 4);
            library = n.library;
            nat.push(...n.passes);
            nat2.push(...nativeRun(native.exe!, file, w, 2, 2).passes);
          }
          for (let k = 0; k < 4; k++) {
            w1.push(await one.pass());
            w2.push(await two.pass());
          }
        }
      } finally {
        await one.close();
        await two.close();
      }
      const wasmWall = median(wasm.map((x) => x.wall));
      const natWall = file ? median(nat.map((x) => x.wall)) : null;
      const wasmBest = Math.min(...wasm.map((x) => x.wall));
      const natBest = file ? Math.min(...nat.map((x) => x.wall)) : null;
      const wasmMinSum = chunkMinSum(wasm)!;
      const natMinSum = file ? chunkMinSum(nat) : null;
      rows.push({
        algo,
        source: relative(root, w.source),
        chunks: w.chunks.length,
        uncMB: w.uncBytes / 1e6,
        ratio: w.cmpBytes / w.uncBytes,
        library,
        nativeGBps: natWall === null ? null : gbps(w.uncBytes, natWall),
        native2GBps: natWall === null ? null : gbps(w.uncBytes, median(nat2.map((x) => x.wall))),
        nativeScaling: natWall === null ? null : natWall / median(nat2.map((x) => x.wall)),
        wasmGBps: gbps(w.uncBytes, wasmWall),
        vsNativeWall: natWall === null ? null : natWall / wasmWall,
        vsNativeCpu: file ? median(nat.map((x) => x.cpu)) / median(wasm.map((x) => x.cpu)) : null,
        nativeBestGBps: natBest === null ? null : gbps(w.uncBytes, natBest),
        wasmBestGBps: gbps(w.uncBytes, wasmBest),
        vsNativeBest: natBest === null ? null : natBest / wasmBest,
        nativeChunkMinGBps: natMinSum === null ? null : gbps(w.uncBytes, natMinSum),
        wasmChunkMinGBps: gbps(w.uncBytes, wasmMinSum),
        vsNativeChunkMin: natMinSum === null ? null : natMinSum / wasmMinSum,
        worker1GBps: gbps(w.uncBytes, median(w1.map((x) => x.wall))),
        worker2GBps: gbps(w.uncBytes, median(w2.map((x) => x.wall))),
        scaling: median(w1.map((x) => x.wall)) / median(w2.map((x) => x.wall)),
        cpuScaling: busiestRatio(w1, w2),
        nativeCpuScaling: file ? busiestRatio(nat, nat2) : null,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    date: new Date().toISOString(),
    command: args.command,
    minutes: (Date.now() - t0) / 60000,
    quick: args.quick,
    rounds,
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown CPU",
    node: process.version,
    loadStart,
    loadEnd: loadavg()[0]!,
    native: native.reason ?? "gcc -O2",
    rows,
  };
}

const pct = (x: number | null) => (x === null ? "—" : `${(100 * x).toFixed(0)} %`);
const fixed = (x: number | null) => (x === null ? "—" : x.toFixed(2));
const times = (x: number | null) => (x === null ? "—" : `${x.toFixed(2)}×`);

/** decompressMarkdown - The RESULTS.md section of @r. */
export function decompressMarkdown(r: DecompressResult): string {
  const lines: string[] = [];
  lines.push(`Run ${r.date} with \`${r.command}\`${r.quick ? " (quick)" : ""}, ${r.minutes.toFixed(1)} min.`);
  lines.push(
    `Machine: ${r.nproc} CPUs (\`nproc\`), ${r.cpu}, Node ${r.node}; 1-minute load average ${r.loadStart.toFixed(2)} at the start, ${r.loadEnd.toFixed(2)} at the end (other work shares this machine: with a load near or above the CPU count, the 2-worker figure measures the CPU left over, not the decoder).`,
  );
  lines.push(
    `Native: ${r.native}${r.rows.some((x) => x.library) ? ` (${[...new Set(r.rows.map((x) => x.library).filter(Boolean))].join(", ")})` : ""}; thaw: build/release.wasm. ${r.rounds} interleaved rounds; GB/s of uncompressed output; every chunk into one 128 KiB buffer per thread, as the kernel does. thaw / native targets are judged on the sum over the chunks of each chunk's shortest call in any pass, both sides timed call by call the same way ("chunk minima"); best passes and medians of passes stand beside them; every other figure is a median.`,
  );
  lines.push("");
  lines.push("### Targets");
  lines.push("");
  lines.push("| target | met | figures |");
  lines.push("|---|---|---|");
  for (const x of r.rows) {
    const [name, goal] =
      x.algo === "lzo"
        ? ["LZO1X ≥ 50 % of liblzo2 lzo1x_decompress_safe", 0.5]
        : ["LZ4 ≥ 95 % of liblz4 LZ4_decompress_safe", 0.95];
    if (x.vsNativeChunkMin === null) lines.push(`| ${name} | not measured | ${r.native} |`);
    else
      lines.push(
        `| ${name} | ${x.vsNativeChunkMin >= goal ? "**met**" : "not met"} | chunk minima: ${fixed(x.wasmChunkMinGBps)} vs ${fixed(x.nativeChunkMinGBps)} GB/s: **${pct(x.vsNativeChunkMin)}**; best pass: ${fixed(x.wasmBestGBps)} vs ${fixed(x.nativeBestGBps)} GB/s: ${pct(x.vsNativeBest)}; median pass: ${fixed(x.wasmGBps)} vs ${fixed(x.nativeGBps)} GB/s: ${pct(x.vsNativeWall)} (on CPU time: ${pct(x.vsNativeCpu)}) |`,
      );
  }
  for (const x of r.rows) {
    const native =
      x.nativeCpuScaling === null ? "" : ` (native C, 2 threads against 1: ${x.nativeCpuScaling.toFixed(2)}×)`;
    const nativeWall = x.nativeScaling === null ? "" : ` (native: ${x.nativeScaling.toFixed(2)}×)`;
    const met =
      x.cpuScaling === null
        ? "not measured"
        : x.cpuScaling < 1.7
          ? "not met"
          : x.scaling >= 1.7
            ? "**met**"
            : "**met** on CPU time; not on wall time";
    lines.push(
      `| ${x.algo.toUpperCase()}: 2 workers ≥ 1.7× one worker | ${met} | CPU time of the busiest worker: ${x.cpuScaling === null ? "—" : `${x.cpuScaling.toFixed(2)}×`}${native}; wall time: ${x.scaling.toFixed(2)}×${nativeWall}, ${fixed(x.worker2GBps)} vs ${fixed(x.worker1GBps)} GB/s |`,
    );
  }
  lines.push("");
  lines.push("### Throughput");
  lines.push("");
  lines.push(
    "| algo | stream | chunks | MB out | cmp ratio | native GB/s (chunk minima) | thaw GB/s (chunk minima) | thaw / native (chunk minima) | native GB/s (best pass) | thaw GB/s (best pass) | thaw / native (best pass) | native GB/s | thaw GB/s | thaw / native (wall) | thaw / native (CPU) | thaw 1 worker GB/s | thaw 2 workers GB/s | thaw 2 / 1 (wall) | thaw 2 / 1 (CPU) | native 2 threads GB/s | native 2 / 1 (wall) | native 2 / 1 (CPU) |",
  );
  lines.push(
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const x of r.rows) {
    lines.push(
      `| ${x.algo} | ${x.source} | ${x.chunks} | ${x.uncMB.toFixed(1)} | ${x.ratio.toFixed(2)} | ${fixed(x.nativeChunkMinGBps)} | ${fixed(x.wasmChunkMinGBps)} | ${pct(x.vsNativeChunkMin)} | ${fixed(x.nativeBestGBps)} | ${fixed(x.wasmBestGBps)} | ${pct(x.vsNativeBest)} | ${fixed(x.nativeGBps)} | ${fixed(x.wasmGBps)} | ${pct(x.vsNativeWall)} | ${pct(x.vsNativeCpu)} | ${fixed(x.worker1GBps)} | ${fixed(x.worker2GBps)} | ${times(x.scaling)} | ${times(x.cpuScaling)} | ${fixed(x.native2GBps)} | ${times(x.nativeScaling)} | ${times(x.nativeCpuScaling)} |`,
    );
  }
  return lines.join("\n");
}

/** writeDecompressReport - Put @r into bench/RESULTS.md between its markers, keeping every other section. */
export function writeDecompressReport(r: DecompressResult): string {
  const markdown = join(root, "bench", "RESULTS.md");
  const kind = r.quick ? "decompress-quick" : "decompress";
  const title = r.quick
    ? "## Decompression, quick run (`npm run bench -- --only decompress --quick`)"
    : "## Decompression (`npm run bench -- --only decompress`)";
  writeResultsSection(markdown, kind, title, decompressMarkdown(r));
  return markdown;
}

/** run - The decompression suite of bench/index.ts: measure, write RESULTS.md, print the table (or JSON). */
export async function run(args: DecompressArgs): Promise<void> {
  const result = await runDecompressBench(args);
  const markdown = writeDecompressReport(result);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  console.log(decompressMarkdown(result));
  console.log(`\nWrote ${relative(process.cwd(), markdown)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  await run({
    quick: argv.includes("--quick"),
    json: argv.includes("--json"),
    command: `npx tsx bench/suites/decompress.bench.ts${argv.length ? ` ${argv.join(" ")}` : ""}`,
  });
}
