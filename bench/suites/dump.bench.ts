/**
 * Dump benchmarks: `thaw resume IMAGE --out FILE` in each format, its dump's GB/s against a sequential write of the
 * same number of bytes into the same folder measured in the same run (interleaved, medians: the ratio is what the
 * dump keeps of what this disk and page cache take), and the peak RSS of a whole `thaw resume --out` against the
 * size of the machine. Cases: the largest kernel-written fixture (linux-6.12-big/h-6gib-lzo, a 6 GiB guest) and a
 * synthetic thaw image of a 16 GiB machine with a 3 GiB image (placement and contents through the contents store);
 * --quick: a tiny fixture and a 16 GiB machine with a 64 MiB image, three rounds. Writes bench/results/dump-*.json and
 * the "dump" section of bench/RESULTS.md. Never part of `npm test`.
 */

import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import * as L from "../../assembly/portable/layout.js";
import type { DumpResult } from "../../src/dump/dump.js";
import { DUMP_FORMATS } from "../../src/dump/format.js";
import { packageRoot } from "../../src/engine/load.js";
import { ENTRY_END, ENTRY_ZERO } from "../../src/image/pfnEntry.js";
import { encodeHeader } from "../../src/image/thaw/thawImage.js";
import { type ResumeOptions, ResumeSession } from "../../src/resume.js";
import { crc32Le } from "../../src/util/crc32.js";
import { writeResultsSection } from "../resultsFile.js";

interface Options {
  quick: boolean;
  json: boolean;
  command: string;
}

const PAGE = 4096;
const CHUNK = 4 * 2 ** 20;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmtBytes = (bytes: number) =>
  bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** A machine and image to dump. */
interface Case {
  name: string;
  image: string;
  /** Bytes of the machine's RAM (its PFN span). */
  machineBytes: number;
  /** The same options for the CLI and the library. */
  args: string[];
  options: ResumeOptions;
}

/**
 * writeSyntheticImage - A thaw image of a machine of @frames 4 KiB frames, streamed to @path (never whole in memory):
 * from PFN @from on, runs of @run PFNs every @stride, until @pages image PFNs; every 61st a zero page. Each data page
 * carries its PFN in its first 8 bytes.
 */
function writeSyntheticImage(path: string, frames: number, from: number, run: number, stride: number, pages: number) {
  const pfnAt = (i: number) => from + Math.floor(i / run) * stride + (i % run);
  if (pfnAt(pages - 1) >= frames) throw new Error(`bench: ${pages} image PFNs do not fit ${frames} frames`);
  const isZero = (i: number) => i % 61 === 30;
  const metaPages = Math.ceil((pages * 8) / PAGE);
  const fd = openSync(path, "w");
  try {
    let crc = 0;
    let position = L.HDR_BLOCK_SIZE;
    const put = (bytes: Uint8Array) => {
      crc = crc32Le(bytes, crc);
      for (let done = 0; done < bytes.length; )
        done += writeSync(fd, bytes, done, bytes.length - done, position + done);
      position += bytes.length;
    };
    const meta = new BigUint64Array(CHUNK / 8);
    let dataPages = 0;
    for (let i = 0, k = 0; i < metaPages * (PAGE / 8); i++) {
      meta[k++] = i < pages ? BigInt(pfnAt(i)) | (isZero(i) ? ENTRY_ZERO : 0n) : i === pages ? ENTRY_END : 0n;
      if (i < pages && !isZero(i)) dataPages++;
      if (k === meta.length || i === metaPages * (PAGE / 8) - 1) {
        put(new Uint8Array(meta.buffer, 0, k * 8));
        k = 0;
      }
    }
    const batch = new Uint8Array(CHUNK);
    for (let j = 0; j < batch.length; j++) batch[j] = (j * 131 + 7) & 0xff;
    const stamps = new DataView(batch.buffer);
    let filled = 0;
    for (let i = 0; i < pages; i++) {
      if (isZero(i)) continue;
      stamps.setBigUint64(filled * PAGE, BigInt(pfnAt(i)), true);
      if (++filled === CHUNK / PAGE) {
        put(batch);
        filled = 0;
      }
    }
    if (filled) put(batch.subarray(0, filled * PAGE));
    const streamPages = 1 + metaPages + dataPages;
    const header = encodeHeader({
      pageSize: PAGE,
      numPhyspages: frames,
      nrFrames: frames,
      imagePages: dataPages,
      pages: streamPages,
      size: L.HDR_BLOCK_SIZE + (streamPages - 1) * PAGE,
      flags: L.THAW_FLAG_CRC32,
      crc32: crc,
      dmaEndPfn: 4096,
      highmemStartPfn: frames,
      holes: [],
      nosave: [],
      seed: 1,
    });
    writeSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
}

/** dumpRun - `thaw resume` of @c with --out in @format, in a child process (release engine): its JSON. */
function dumpRun(c: Case, format: string, dir: string) {
  const out = join(dir, `dump.${format}`);
  const t0 = performance.now();
  const child = spawnSync(
    process.execPath,
    [
      join(packageRoot(), "bin", "thaw.js"),
      "resume",
      c.image,
      ...c.args,
      "--no-verify",
      "--store-dir",
      dir,
      "--out",
      out,
      "--format",
      format,
      "--force",
      "--json",
    ],
    { encoding: "utf8", env: { ...process.env, THAW_WASM: "release" }, maxBuffer: 64 * 2 ** 20 },
  );
  const wallMs = performance.now() - t0;
  rmSync(out, { force: true });
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(child.stdout);
  } catch {
    json = { ok: false, error: { message: (child.stderr || child.stdout).trim().slice(-400) } };
  }
  const dump = json.dump as { written: number; ms: number; gbps: number; bytes: number; runs: number; pages: number };
  return { ok: json.ok === true && !!dump, json, dump, wallMs, peakRssBytes: Number(json.peakRssBytes ?? 0) };
}

/** sequentialWrite - Write @bytes to a new file in @dir, 4 MiB at a time, and time it (the page cache, as a dump). */
function sequentialWrite(dir: string, bytes: number, buffer: Uint8Array): number {
  const path = join(dir, "sequential.bin");
  const t0 = performance.now();
  const fd = openSync(path, "w");
  try {
    for (let done = 0; done < bytes; ) {
      const n = Math.min(buffer.length, bytes - done);
      done += writeSync(fd, buffer, 0, n, done);
    }
  } finally {
    closeSync(fd);
  }
  const ms = performance.now() - t0;
  rmSync(path, { force: true });
  return ms;
}

/**
 * measure - Each format of @c: `thaw resume --out` once in a child process (the peak RSS of resume + dump, and the
 * GB/s of a dump in a fresh process); then, in this process, one resume and @rounds dumps per format, each followed
 * by the sequential write of as many bytes into the same folder (interleaved; medians).
 */
async function measure(c: Case, rounds: number, dir: string) {
  const buffer = new Uint8Array(CHUNK);
  for (let j = 0; j < buffer.length; j++) buffer[j] = (j * 131 + 7) & 0xff;
  const children = DUMP_FORMATS.map((format) => dumpRun(c, format, dir));
  const session = await ResumeSession.open(c.image, { ...c.options, storeDir: dir, verify: false });
  try {
    session.run();
    return DUMP_FORMATS.map((format, i) => {
      const child = children[i]!;
      if (!child.ok)
        return { format, ok: false as const, error: JSON.stringify(child.json.error ?? child.json).slice(0, 300) };
      const dumps: number[] = [];
      const writes: number[] = [];
      let last: DumpResult | undefined;
      for (let r = 0; r < rounds; r++) {
        const out = join(dir, `dump.${format}`);
        last = session.dump({ path: out, format });
        rmSync(out);
        const writeMs = sequentialWrite(dir, last.written, buffer);
        dumps.push(last.gbps);
        writes.push(last.written / writeMs / 1e6);
      }
      const dumpGbps = median(dumps);
      const writeGbps = median(writes);
      return {
        format,
        ok: true as const,
        pages: last!.pages,
        runs: last!.runs,
        fileBytes: last!.bytes,
        written: last!.written,
        dumpGbps,
        writeGbps,
        ratio: dumpGbps / writeGbps,
        freshProcessGbps: child.dump.gbps,
        wallMs: child.wallMs,
        peakRssBytes: child.peakRssBytes,
        rssRatio: child.peakRssBytes / c.machineBytes,
      };
    });
  } finally {
    session.close();
  }
}

/** run - The dump benchmarks; @options.quick keeps them to a minute or so. */
export async function run(options: Options): Promise<void> {
  const started = new Date();
  const load = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), "thaw-bench-dump-"));
  try {
    const cases: Case[] = [];
    const fixture = options.quick
      ? { folder: join(packageRoot(), "test", "fixtures", "linux-6.12", "e-tiny-lzo"), file: "swap.img.gz" }
      : {
          folder: join(packageRoot(), "..", "shared", "fixtures", "linux-6.12-big", "h-6gib-lzo"),
          file: "swap.img.zst",
        };
    const fixtureImage = join(fixture.folder, fixture.file);
    if (existsSync(fixtureImage)) {
      const truth = JSON.parse(readFileSync(join(fixture.folder, "truth.json"), "utf8"));
      const pages = Number(truth.swsusp_info?.num_physpages ?? 0);
      cases.push({
        name: `fixture ${fixture.folder.split("/").slice(-2).join("/")}`,
        image: fixtureImage,
        machineBytes: pages * PAGE,
        args: [],
        options: {},
      });
    }
    const frames = 16 * 2 ** 18;
    const imageBytes = options.quick ? 64 * 2 ** 20 : 3 * 2 ** 30;
    const synthetic = join(dir, "synthetic-16gib.thaw");
    const t0 = performance.now();
    writeSyntheticImage(synthetic, frames, 2 ** 20, 256, 1024, imageBytes / PAGE);
    process.stderr.write(
      `bench dump: wrote a ${fmtBytes(statSync(synthetic).size)} image in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    cases.push({
      name: `synthetic 16 GiB machine, ${fmtBytes(imageBytes)} image (runs of 256 PFNs every 1024 from 4 GiB)`,
      image: synthetic,
      machineBytes: frames * PAGE,
      args: ["--max-memory", "2GiB"],
      options: { maxMemory: 2 ** 31 },
    });
    const rounds = options.quick ? 3 : 5;
    const rows = [];
    for (const c of cases)
      rows.push({ case: c.name, machineBytes: c.machineBytes, formats: await measure(c, rounds, dir) });
    const result = {
      date: started.toISOString(),
      command: options.command,
      quick: options.quick,
      rounds,
      machine: {
        nproc: availableParallelism(),
        cpu: cpus()[0]?.model ?? "?",
        memory: totalmem(),
        node: process.version,
        loadavg: [load, loadavg()[0]],
      },
      cases: rows,
    };
    const results = join(packageRoot(), "bench", "results");
    mkdirSync(results, { recursive: true });
    writeFileSync(join(results, `dump${options.quick ? "-quick" : ""}-latest.json`), JSON.stringify(result, null, 2));
    if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    const lines = [
      `Run ${result.date} with \`${options.command}\`${options.quick ? " (quick)" : ""}, ${rounds} round(s) per format, medians. Machine: ${result.machine.nproc} CPUs, ${result.machine.cpu}, ${(result.machine.memory / 2 ** 30).toFixed(0)} GiB, Node ${result.machine.node}; 1-minute load average ${load.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end.`,
      "",
      "Dump GB/s = bytes written (headers and data pages; zero pages and frames outside the image are holes) / the dump's time (layout, reads from frame memory or the contents store, writes, rename), for dumps of one resumed session in the bench's process; sequential write = as many bytes written 4 MiB at a time to a new file in the same folder right after each dump; ratio = dump / sequential write. Fresh process = the one dump of `thaw resume --out` in a child process, whose peak RSS (resume, contents store, dump) is set against the machine's RAM.",
      "",
      "| case | format | pages | runs | written | file | dump GB/s | sequential write GB/s | ratio | fresh process GB/s | peak RSS | RSS / machine |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ];
    for (const row of rows) {
      for (const f of row.formats) {
        if (!f.ok) {
          lines.push(`| ${row.case} | ${f.format} | FAILED: ${f.error} | | | | | | | | | |`);
          continue;
        }
        lines.push(
          `| ${row.case} | ${f.format} | ${f.pages} | ${f.runs} | ${fmtBytes(f.written)} | ${fmtBytes(f.fileBytes)} | ${f.dumpGbps.toFixed(2)} | ${f.writeGbps.toFixed(2)} | **${f.ratio.toFixed(2)}** | ${f.freshProcessGbps.toFixed(2)} | ${fmtBytes(f.peakRssBytes)} | ${f.rssRatio.toFixed(3)} of ${fmtBytes(row.machineBytes)} |`,
        );
      }
    }
    writeSection(options.quick ? "dump-quick" : "dump", lines.join("\n"));
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeSection(name: string, body: string): void {
  writeResultsSection(
    join(packageRoot(), "bench", "RESULTS.md"),
    name,
    name === "dump"
      ? "## The restored memory as a file (`npm run bench -- --only dump`)"
      : "## The restored memory as a file, quick run (`npm run bench -- --only dump --quick`)",
    body,
  );
}
