/**
 * Restore benchmarks: end-to-end restore throughput against the floor of primitives measured in the same run (read,
 * CRC, the copies), the largest machine with contents (3 GiB image, peak RSS), placement-only machines up to 12 TiB
 * with each bitmap strategy (the 2014 case), and `thaw resume` of every kernel-written fixture. Writes
 * bench/results/restore-*.json and the "restore" section of bench/RESULTS.md. Never part of `npm test`.
 */

import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { decompress as zstdDecompress } from "fzstd";
import * as L from "../../assembly/portable/layout.js";
import { packageRoot } from "../../src/engine/load.js";
import { BITMAP_STRATEGIES } from "../../src/engine/strategies.js";
import { createMachine } from "../../src/machine/machine.js";
import { SLOT_BYTES } from "../../src/phases/stage.js";
import { ResumeSession } from "../../src/resume.js";
import { suspendMachine } from "../../src/suspend.js";
import { crc32Le } from "../../src/util/crc32.js";
import { createRandom, shuffleInPlace } from "../../src/util/random.js";
import { writeResultsSection } from "../resultsFile.js";

interface Options {
  quick: boolean;
  json: boolean;
  command: string;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const gbps = (bytes: number, ms: number) => bytes / ms / 1e6;

/** thaw - Run the CLI in a child process (release engine) and parse its JSON. */
function thaw(args: string[]): Record<string, unknown> {
  const out = spawnSync(process.execPath, [join(packageRoot(), "bin", "thaw.js"), ...args, "--json"], {
    encoding: "utf8",
    env: { ...process.env, THAW_WASM: "release" },
    maxBuffer: 64 * 2 ** 20,
  });
  try {
    return JSON.parse(out.stdout);
  } catch {
    return { ok: false, error: { message: (out.stderr || out.stdout).trim().slice(-400) } };
  }
}

/**
 * throughput - Restore an image of @memory (40 % image, 5 % zero pages, boot kernel 25 % scattered, random allocator,
 * 4 KiB pages, in the page cache) on one thread (no read-ahead thread) and on two (the read-ahead thread reads and
 * checksums the stream), against the primitives the restore cannot do without, measured on the same machine in the
 * same run, interleaved, @rounds times (medians):
 * - read: pread of the stream's bytes into the staging slots, 2 MiB at a time;
 * - crc: the kernel's CRC32 (zlib's crc32, adjusted) over the same bytes in the same slots;
 * - scatter: WASM memory.copy of every data page from a slot into frames in permuted order (the one copy every page
 *   needs);
 * - pbe copy: the same for as many pages as restore_pblist holds (the atomic copy's second copy of those pages).
 * Floor on one thread = read + crc + scatter + pbe copy; on two threads = max(read + crc, scatter + pbe copy). The
 * restore is checkHeader … atomicCopy (verify excluded).
 */
async function throughput(memory: string, rounds: number) {
  const machine = await createMachine({ memory, highmem: false, seed: 7 });
  const dir = mkdtempSync(join(tmpdir(), "thaw-bench-"));
  const path = join(dir, "image.thaw");
  const image = suspendMachine(machine, { out: path, image: 0.4, zero: 0.05 });
  const { pageSize, frames } = machine.spec;
  const pages = image.imagePages;
  const bytes = pages * pageSize;
  const streamBytes = (image.pages - 1) * pageSize;
  const permuted = shuffleInPlace(
    Uint32Array.from({ length: pages }, (_, i) => frames - pages + i),
    createRandom(7, 11),
  );
  const slotBytes = SLOT_BYTES;
  const slotPages = slotBytes / pageSize;
  const slots = [L.STAGING_START, L.STAGING_START + slotBytes];
  const scatter = (count: number) => {
    const t0 = performance.now();
    for (let first = 0; first < count; first += slotPages) {
      const n = Math.min(slotPages, count - first);
      machine.mem.u32s(machine.arena.plan, n).set(permuted.subarray(first, first + n));
      machine.engine.loadPlannedPages(machine.arena.plan, slots[(first / slotPages) & 1]!, n);
    }
    return performance.now() - t0;
  };
  const read = () => {
    const fd = openSync(path, "r");
    const t0 = performance.now();
    for (let at = 0, k = 0; at < streamBytes; at += slotBytes, k++) {
      readSync(
        fd,
        machine.bytes(slots[k & 1]!, Math.min(slotBytes, streamBytes - at)),
        0,
        Math.min(slotBytes, streamBytes - at),
        L.HDR_BLOCK_SIZE + at,
      );
    }
    const ms = performance.now() - t0;
    closeSync(fd);
    return ms;
  };
  const crc = () => {
    const t0 = performance.now();
    let c = 0;
    for (let at = 0, k = 0; at < streamBytes; at += slotBytes, k++)
      c = crc32Le(machine.bytes(slots[k & 1]!, Math.min(slotBytes, streamBytes - at)), c);
    return performance.now() - t0;
  };
  const times: Record<string, number[]> = { read: [], crc: [], scatter: [], pbe: [], one: [], two: [] };
  const phases: Record<string, Record<string, number[]>> = { one: {}, two: {} };
  let pbes = 0;
  for (let r = 0; r < rounds; r++) {
    for (const threads of ["one", "two"] as const) {
      const session = await ResumeSession.open(path, { machine, verify: false, crcThread: threads === "two" });
      const result = session.run();
      session.close();
      pbes = result.counts.pbes;
      times[threads]!.push(result.phases.reduce((a, p) => a + p.ms, 0));
      for (const p of result.phases) (phases[threads]![p.name] ??= []).push(p.ms);
    }
    times.read!.push(read());
    times.crc!.push(crc());
    times.scatter!.push(scatter(pages));
    times.pbe!.push(scatter(pbes));
  }
  rmSync(dir, { recursive: true, force: true });
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<string, number>;
  const floor1 = m.read! + m.crc! + m.scatter! + m.pbe!;
  const floor2 = Math.max(m.read! + m.crc!, m.scatter! + m.pbe!);
  const row = (threads: "one" | "two") => ({
    threads,
    ms: m[threads]!,
    gbps: gbps(bytes, m[threads]!),
    floorMs: threads === "one" ? floor1 : floor2,
    ratio: (threads === "one" ? floor1 : floor2) / m[threads]!,
    phases: Object.fromEntries(Object.entries(phases[threads]!).map(([k, v]) => [k, median(v)])),
  });
  return {
    memory,
    pages,
    pbes,
    bytes,
    streamBytes,
    primitives: { readMs: m.read!, crcMs: m.crc!, scatterMs: m.scatter!, pbeCopyMs: m.pbe! },
    floor1Ms: floor1,
    floor2Ms: floor2,
    modes: [row("one"), row("two")],
  };
}

/** largest - A 3 GiB image on a 3.5 GiB machine, restored and verified in a child process: peak RSS. */
function largest() {
  const json = thaw([
    "simulate",
    "--memory",
    "3.5GiB",
    "--highmem",
    "none",
    "--boot",
    "low:2%",
    "--image",
    "88%",
    "--zero",
    "1%",
  ]);
  const verify = json.verify as { pages: number; mismatches: unknown[] } | undefined;
  return {
    ok: json.ok === true,
    imageBytes: Number((json.suspend as { bytes?: number } | undefined)?.bytes ?? 0),
    memoryBytes: Number(json.memoryBytes ?? 0),
    peakRssBytes: Number(json.peakRssBytes ?? 0),
    verifiedPages: verify?.pages ?? 0,
    phases: Object.fromEntries(((json.phases as { name: string; ms: number }[]) ?? []).map((p) => [p.name, p.ms])),
  };
}

/** placement - Placement-only runs: every strategy at @memory, with the ascending and random allocators. */
function placement(memory: string, allocators: string[], strategies: string[]) {
  const rows = [];
  for (const allocator of allocators) {
    for (const bitmap of strategies) {
      const t0 = performance.now();
      const json = thaw([
        "simulate",
        "--placement-only",
        "--memory",
        memory,
        "--bitmap",
        bitmap,
        "--allocator",
        allocator,
      ]);
      rows.push({
        memory,
        allocator,
        bitmap,
        ok: json.ok === true,
        wallMs: performance.now() - t0,
        frames: Number(json.frames ?? 0),
        imagePages: Number((json.counts as { imagePages?: number } | undefined)?.imagePages ?? 0),
        pbes: Number((json.counts as { pbes?: number } | undefined)?.pbes ?? 0),
        memoryBytes: Number(json.memoryBytes ?? 0),
        peakRssBytes: Number(json.peakRssBytes ?? 0),
        phases: Object.fromEntries(((json.phases as { name: string; ms: number }[]) ?? []).map((p) => [p.name, p.ms])),
        ...(json.ok !== true && { error: JSON.stringify(json.error ?? json.verify).slice(0, 200) }),
      });
    }
  }
  return rows;
}

/**
 * fixtures - `thaw resume` of each kernel-written image found, unpacked from its .gz or .zst wrapper to a raw file
 * first (outside the timing: a swap device is read as it is, and the wrappers are only how the fixtures are stored).
 */
function fixtures() {
  const dir = mkdtempSync(join(tmpdir(), "thaw-bench-fixture-"));
  const cases = [
    ["linux-6.1", "a-nocompress"],
    ["linux-6.1", "b-lzo"],
    ["linux-6.12", "c-lz4"],
    ["linux-6.12", "d-tiny-nocompress"],
    ["linux-6.12", "e-tiny-lzo"],
    ["linux-6.12", "f-tiny-lz4"],
    ["linux-6.1-i386", "b-highmem-nocompress"],
    ["linux-6.1-i386", "c-small-lzo"],
    ["linux-6.1-i386", "d-tiny-highmem-lzo"],
  ];
  const rows = [];
  for (const [kernel, name] of cases) {
    const folder = join(packageRoot(), "..", "shared", "fixtures", kernel!, name!);
    const wrapped = ["swap.img.gz", "swap.img.zst"].map((f) => join(folder, f)).find(existsSync);
    if (!wrapped) continue;
    const image = join(dir, "swap.img");
    const bytes = readFileSync(wrapped);
    writeFileSync(image, wrapped.endsWith(".gz") ? gunzipSync(bytes) : zstdDecompress(bytes));
    const truth = JSON.parse(readFileSync(join(folder, "truth.json"), "utf8"));
    const highmem: number | undefined = truth.highmem?.["first_highmem_pfn (max_low_pfn)"];
    const t0 = performance.now();
    const json = thaw(["resume", image, ...(highmem === undefined ? [] : ["--highmem", `pfn:${highmem}`])]);
    rows.push({
      fixture: `${kernel}/${name}`,
      ok: json.ok === true,
      wallMs: performance.now() - t0,
      imagePages: Number((json.counts as { imagePages?: number } | undefined)?.imagePages ?? 0),
      pbes: Number((json.counts as { pbes?: number } | undefined)?.pbes ?? 0),
      phases: Object.fromEntries(((json.phases as { name: string; ms: number }[]) ?? []).map((p) => [p.name, p.ms])),
    });
  }
  rmSync(dir, { recursive: true, force: true });
  return rows;
}

/**
 * firstTouch - µs to write the first byte of a page of fresh linear memory (a new shared WebAssembly.Memory of
 * 64 MiB, every 4 KiB page once; median of three memories): the page fault a restore into a new machine pays once
 * for every frame it writes.
 */
function firstTouch(): number {
  const bytes = 64 * 2 ** 20;
  const runs = [0, 1, 2].map(() => {
    const memory = new WebAssembly.Memory({ initial: bytes / 65536, maximum: bytes / 65536, shared: true });
    const view = new Uint8Array(memory.buffer);
    const t0 = performance.now();
    for (let at = 0; at < bytes; at += 4096) view[at] = 1;
    return ((performance.now() - t0) * 1000) / (bytes / 4096);
  });
  return median(runs);
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const PHASES = [
  "checkHeader",
  "unpackOrigPfns",
  "markUnsafePages",
  "prepareImage",
  "loadImage",
  "restoreHighmem",
  "atomicCopy",
  "verify",
];

/** run - The restore benchmarks; @options.quick keeps them to a couple of minutes. */
export async function run(options: Options): Promise<void> {
  const started = new Date();
  const load = loadavg()[0]!;
  const t = await throughput(options.quick ? "256MiB" : "1GiB", options.quick ? 3 : 7);
  const big = options.quick ? undefined : largest();
  const strategies = [...BITMAP_STRATEGIES];
  const place = options.quick
    ? placement("256GiB", ["ascending", "random"], strategies)
    : [
        ...placement("12TiB", ["ascending"], strategies),
        ...placement("1TiB", ["random"], ["flat", "rtree", "summary", "bmlist"]),
      ];
  const touchUs = [firstTouch()];
  const fx = fixtures();
  touchUs.push(firstTouch());
  const result = {
    date: started.toISOString(),
    command: options.command,
    quick: options.quick,
    machine: {
      nproc: availableParallelism(),
      cpu: cpus()[0]?.model ?? "?",
      memory: totalmem(),
      node: process.version,
      loadavg: [load, loadavg()[0]],
    },
    throughput: t,
    largest: big,
    placement: place,
    fixtures: fx,
    firstTouchUs: touchUs,
  };
  const dir = join(packageRoot(), "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `restore${options.quick ? "-quick" : ""}-latest.json`), JSON.stringify(result, null, 2));
  if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);

  const lines: string[] = [];
  lines.push(
    `Run ${result.date} with \`${options.command}\`${options.quick ? " (quick)" : ""}. Machine: ${result.machine.nproc} CPUs (\`nproc\`), ${result.machine.cpu}, ${(result.machine.memory / 2 ** 30).toFixed(0)} GiB, Node ${result.machine.node}; 1-minute load average ${load.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end.`,
  );
  const p = t.primitives;
  lines.push(
    "",
    `### End-to-end restore against the floor of this machine (${t.memory}, 4 KiB pages, image in the page cache)`,
    "",
    `${t.pages} data pages (${(t.bytes / 2 ** 20).toFixed(0)} MiB), ${t.pbes} of them through restore_pblist. Primitives, same machine, same run, interleaved with the restores (medians): read ${fmt(p.readMs)}, CRC ${fmt(p.crcMs)}, scatter copy ${fmt(p.scatterMs)}, the PBE pages' second copy ${fmt(p.pbeCopyMs)}. Floor on one thread = their sum, **${fmt(t.floor1Ms)}**; on two threads = max(read + CRC, the copies), **${fmt(t.floor2Ms)}**. Restore = checkHeader … atomicCopy, planned loading.`,
    "",
    `| threads | restore | GB/s | floor | ratio to the floor (target) | ${PHASES.slice(0, 7).join(" | ")} |`,
    `|---|---|---|---|---|${PHASES.slice(0, 7)
      .map(() => "---")
      .join("|")}|`,
  );
  for (const m of t.modes) {
    const target = m.threads === "one" ? 0.9 : 0.7;
    lines.push(
      `| ${m.threads === "one" ? "1 (no helper thread)" : "2 (read-ahead thread)"} | ${fmt(m.ms)} | ${m.gbps.toFixed(2)} | ${fmt(m.floorMs)} | **${m.ratio.toFixed(2)}** (≥ ${target}: ${m.ratio >= target ? "met" : "not met"}) | ${PHASES.slice(
        0,
        7,
      )
        .map((x) => fmt(m.phases[x] ?? 0))
        .join(" | ")} |`,
    );
  }
  if (big) {
    lines.push("", "### The largest machine with contents", "");
    lines.push(
      `\`thaw simulate --memory 3.5GiB --highmem none --boot low:2% --image 88% --zero 1%\`: ${big.ok ? "restored and verified" : "FAILED"} ${big.verifiedPages} image pages (${(big.imageBytes / 2 ** 30).toFixed(2)} GiB image); peak RSS ${(big.peakRssBytes / 2 ** 30).toFixed(2)} GiB for ${(big.memoryBytes / 2 ** 30).toFixed(2)} GiB of linear memory = **${(big.peakRssBytes / big.memoryBytes).toFixed(3)}×** (target ≤ 1.15×). Phases: ${PHASES.map((p) => `${p} ${fmt(big.phases[p] ?? 0)}`).join(", ")}.`,
    );
  }
  lines.push("", "### Placement-only machines (no frame contents)", "");
  lines.push(
    `| machine | allocator | bitmap | ok | linear memory | peak RSS | ${PHASES.join(" | ")} | phases total |`,
    `|---|---|---|---|---|---|${PHASES.map(() => "---").join("|")}|---|`,
  );
  for (const p of place) {
    const total = Object.values(p.phases).reduce((a, b) => a + b, 0);
    lines.push(
      `| ${p.memory} (${p.frames} PFNs) | ${p.allocator} | ${p.bitmap} | ${p.ok ? "yes" : `NO ${p.error ?? ""}`} | ${(p.memoryBytes / 2 ** 30).toFixed(2)} GiB | ${(p.peakRssBytes / 2 ** 30).toFixed(2)} GiB | ${PHASES.map((x) => fmt(p.phases[x] ?? 0)).join(" | ")} | ${fmt(total)} |`,
    );
  }
  const total = (memory: string, allocator: string, bitmap: string) => {
    const p = place.find((x) => x.memory === memory && x.allocator === allocator && x.bitmap === bitmap);
    return p?.ok ? Object.values(p.phases).reduce((a, b) => a + b, 0) : undefined;
  };
  for (const [memory, allocator] of [
    [options.quick ? "256GiB" : "12TiB", "ascending"],
    [options.quick ? "256GiB" : "1TiB", "random"],
  ] as const) {
    const b = total(memory, allocator, "bmlist");
    const r = total(memory, allocator, "rtree");
    if (b && r)
      lines.push(
        "",
        `bmlist : rtree at ${memory} with the ${allocator} allocator: ${fmt(b)} : ${fmt(r)} = **${(b / r).toFixed(1)}×** (the kernel's 12 TB resume, 2014: 76 s : 2.4 s = 31.7×).`,
      );
  }
  if (fx.length) {
    const touch = median(touchUs);
    lines.push("", "### `thaw resume` of the kernel-written fixtures", "");
    lines.push(
      `Each fixture is unpacked from its .gz/.zst wrapper to a raw file first, outside the timing; wall = thaw resume of that file, a process of its own. Each restore builds a new machine, and writing a page of fresh linear memory the first time costs a page fault: ${touchUs.map((us) => `${us.toFixed(1)} µs`).join(" before the fixtures, ")} after them (firstTouch(), same run). The first-touch floor is (image pages + PBEs) × that: every image page lands in a frame, and every PBE's original is written again by the atomic copy. Phases = checkHeader … atomicCopy (verify excluded).`,
      "",
      `| fixture | ok | image pages | wall | phases | first-touch floor | ${PHASES.join(" | ")} |`,
      `|---|---|---|---|---|---|${PHASES.map(() => "---").join("|")}|`,
    );
    for (const f of fx) {
      const phases = PHASES.filter((x) => x !== "verify").reduce((a, x) => a + (f.phases[x] ?? 0), 0);
      lines.push(
        `| ${f.fixture} | ${f.ok ? "yes" : "NO"} | ${f.imagePages} | ${fmt(f.wallMs)} | ${fmt(phases)} | ${fmt(((f.imagePages + f.pbes) * touch) / 1000)} | ${PHASES.map((x) => fmt(f.phases[x] ?? 0)).join(" | ")} |`,
      );
    }
  }
  writeSection(options.quick ? "restore-quick" : "restore", lines.join("\n"));
  process.stdout.write(`${lines.join("\n")}\n`);
}

function writeSection(name: string, body: string): void {
  writeResultsSection(
    join(packageRoot(), "bench", "RESULTS.md"),
    name,
    name === "restore"
      ? "## Restore throughput and scale (`npm run bench -- --only restore`)"
      : "## Restore, quick run (`npm run bench -- --only restore --quick`)",
    body,
  );
}
