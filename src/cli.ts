/**
 * The `thaw` command: parse flags (commander), call the library, print a table or one JSON object. Failures set
 * process.exitCode; with --json they print { "ok": false, "error": { phase, code, message } }.
 */
import { Command, Option, InvalidArgumentError } from "commander";
import { simulate, type SimulateOptions } from "./simulate.js";
import { simulatePlacement } from "./placement.js";
import { runStress, stressChart } from "./stress.js";
import { writeFileSync } from "node:fs";
import { createMachine } from "./machine/machine.js";
import { suspendMachine } from "./suspend.js";
import { ResumeSession } from "./resume.js";
import { inspectImage } from "./inspect.js";
import { restoreMap, writeSvg } from "./map.js";
import { loadScenario } from "./scenario.js";
import { ResumeError, ConfigError } from "./errors.js";
import { parseShare, parseSize, formatMiB } from "./util/units.js";
import { terminalProgress } from "./cli/progress.js";
import { describeMachine, describeSuspend, phaseTable, countsBlock, verifyLine, verifyOk } from "./cli/report.js";
import type { MachineOptions, BootSpec, BootProfileName, AllocatorSpec, BitmapStrategy } from "./machine/config.js";
import type { LoadMode } from "./phases/state.js";

const VERSION = "0.1.0";

interface MachineFlags {
  mode?: LoadMode;
  memory?: string;
  pageSize?: number;
  highmem?: string;
  boot?: BootSpec;
  allocator?: AllocatorSpec;
  bitmap?: BitmapStrategy;
  seed?: number;
  json?: boolean;
}

const int = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};

const share = (value: string) => {
  try {
    return parseShare(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

const size = (value: string) => {
  try {
    parseSize(value);
    return value;
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

function bootFlag(value: string): BootSpec {
  const [profile, ratio] = value.split(":");
  if (!["low", "scattered", "clustered"].includes(profile!)) throw new InvalidArgumentError(`profile must be low, scattered or clustered, got "${profile}"`);
  return { profile: profile as BootProfileName, share: ratio === undefined ? 0.25 : share(ratio) };
}

function machineOptions(cmd: Command, { resume = false } = {}): Command {
  if (!resume) {
    cmd.addOption(new Option("--memory <size>", "memory size (KiB/MiB/GiB)").default("1GiB").argParser(size));
    cmd.addOption(new Option("--page-size <bytes>", "bytes per frame, a power of two from 64 to 65536").default(4096).argParser(int("--page-size")));
    cmd.addOption(new Option("--highmem <size|none>", "where HighMem starts (default 896MiB for machines of 896 MiB to 64 GiB)"));
  }
  cmd.addOption(new Option("--boot <profile[:share]>", "boot kernel footprint: low, scattered or clustered, and its share").default(bootFlag("scattered:25%"), "scattered:25%").argParser(bootFlag));
  cmd.addOption(new Option("--allocator <order>", "page allocator order").choices(["ascending", "descending", "random", "buddy"]).default("random"));
  cmd.addOption(new Option("--bitmap <strategy>", "memory bitmap strategy").choices(["flat", "bmlist", "rtree", "summary"]).default("flat"));
  cmd.addOption(new Option("--seed <n>", "seed of every random choice").default(1).argParser(int("--seed")));
  cmd.addOption(new Option("--mode <mode>", "loading: planned (every destination first, then copies or direct reads) or faithful (the kernel's page-by-page order)").choices(["planned", "faithful"]).default("planned"));
  cmd.addOption(new Option("--json", "print one JSON object and nothing else"));
  return cmd;
}

function toMachine(flags: MachineFlags): MachineOptions {
  return {
    ...(flags.memory !== undefined && { memory: flags.memory }),
    ...(flags.pageSize !== undefined && { pageSize: flags.pageSize }),
    ...(flags.highmem !== undefined && { highmem: flags.highmem === "none" ? false : flags.highmem }),
    ...(flags.boot !== undefined && { boot: flags.boot }),
    ...(flags.allocator !== undefined && { allocator: flags.allocator }),
    ...(flags.bitmap !== undefined && { bitmap: flags.bitmap }),
    ...(flags.seed !== undefined && { seed: flags.seed }),
  };
}

function print(json: boolean | undefined, object: unknown, text: () => string): void {
  process.stdout.write(json ? JSON.stringify(object) + "\n" : text() + "\n");
}

function fail(json: boolean | undefined, error: unknown): void {
  process.exitCode = 1;
  if (error instanceof ResumeError) {
    if (json) print(true, { ok: false, error: error.toJSON() }, () => "");
    else process.stderr.write(`thaw: resume failed in ${error.phase}: ${error.message}\n  nothing was committed: every frame the restore took is free again and the boot kernel's frames are intact\n`);
    return;
  }
  if (error instanceof ConfigError) {
    if (json) print(true, { ok: false, error: { phase: "config", code: "EINVAL", message: error.message, ...(error.offending && { offending: error.offending }) } }, () => "");
    else process.stderr.write(`thaw: ${error.message}\n`);
    return;
  }
  const message = (error as Error)?.message ?? String(error);
  if (json) print(true, { ok: false, error: { phase: "io", code: (error as { code?: string }).code ?? "EIO", message } }, () => "");
  else process.stderr.write(`thaw: ${message}\n`);
}

function resumeJson(result: { bitmap: string; mode: string; pageSize: number; counts: object; phases: { name: string; ms: number; pages: number; bytes: number }[]; verify?: object | undefined }, extra: object = {}) {
  return {
    ok: true,
    bitmap: result.bitmap,
    mode: result.mode,
    pageSize: result.pageSize,
    counts: result.counts,
    phases: result.phases.map((p) => ({ name: p.name, ms: Number(p.ms.toFixed(3)), pages: p.pages, bytes: p.bytes })),
    verify: result.verify ?? null,
    ...extra,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

const program = new Command("thaw")
  .version(VERSION)
  .description("Restore hibernation images the way Linux swsusp does: memory bitmaps, PBE chains, the atomic copy.")
  .addHelpText("after", `
Examples:
  $ thaw simulate                                  1 GiB machine, 40 % image, full suspend/resume, verified
  $ thaw simulate --memory 4GiB --highmem none --bitmap flat --json
  $ thaw simulate --scenario examples/swsusp-4.14.json
  $ thaw suspend --out /tmp/x.thaw --memory 512MiB && thaw resume /tmp/x.thaw
  $ thaw inspect /tmp/x.thaw`);

machineOptions(
  program.command("simulate")
    .description("suspend a simulated machine to a thaw image, reboot it, resume the image and verify every page")
    .addOption(new Option("--image <share>", "share of usable frames the image kernel saves").default(0.4, "40%").argParser(share))
    .addOption(new Option("--zero <share>", "share of saved pages that are all zero").default(0.05, "5%").argParser(share))
    .addOption(new Option("--scenario <file>", "JSON scenario fixing machine, boot kernel, allocator order and image PFNs"))
    .addOption(new Option("--keep <file>", "write the image there and keep it"))
    .addOption(new Option("--map <file.svg>", "draw the restore map: what the restore did with every frame"))
    .addOption(new Option("--placement-only", "no frame contents: same phases, bitmaps and PBE chain, machines up to 16 TiB (default image 0.5 %)")),
).action(async (flags: MachineFlags & { image: number; zero: number; scenario?: string; keep?: string; map?: string; placementOnly?: boolean }) => {
  const progress = terminalProgress(!flags.json);
  try {
    if (flags.placementOnly) {
      const imageGiven = program.commands.find((c) => c.name() === "simulate")!.getOptionValueSource("image") === "cli";
      const allocatorGiven = program.commands.find((c) => c.name() === "simulate")!.getOptionValueSource("allocator") === "cli";
      const result = await simulatePlacement({ ...toMachine(flags), ...(!allocatorGiven && { allocator: "ascending" }), image: imageGiven ? flags.image : 0.005, zero: flags.zero });
      progress.finish();
      if (!result.ok) process.exitCode = 2;
      const v = result.verify;
      print(flags.json, { ok: result.ok, placementOnly: true, bitmap: result.bitmap, pageSize: result.pageSize, frames: result.frames, memoryBytes: result.memoryBytes, counts: result.counts, phases: result.phases.map((p) => ({ name: p.name, ms: Number(p.ms.toFixed(3)), pages: p.pages })), verify: v, peakRssBytes: process.resourceUsage().maxRSS * 1024 }, () => [
        `${describeMachine(result.machine.spec)}`,
        `placement-only: no frame contents; bitmaps, safe_pages_list and the PBE chain live in a ${formatMiB(result.memoryBytes)} metadata arena`,
        "",
        phaseTable(result.phases),
        "",
        countsBlock(result.counts),
        "",
        `placement verified: ${v.pages}/${result.counts.imagePages} image pages placed once, ${v.pbes} + ${v.highmemPbes} PBEs walked, ${v.violations.length} violations`,
      ].join("\n"));
      return;
    }
    const base: SimulateOptions = flags.scenario ? loadScenario(flags.scenario) : { ...toMachine(flags), suspend: { image: flags.image, zero: flags.zero } };
    const options: SimulateOptions = {
      ...base,
      ...(flags.keep && { suspend: { ...base.suspend, out: flags.keep } }),
      restorePblist: Boolean(flags.scenario),
      ...(flags.mode && { mode: flags.mode }),
      ...(progress.listener && { onProgress: progress.listener }),
    };
    const result = await simulate(options);
    progress.finish();
    if (flags.map) writeSvg(flags.map, restoreMap(result.machine), "thaw simulate: restore map", result.machine.spec.pageSize);
    const ok = verifyOk(result.verify, result.counts.imagePages);
    if (!ok) process.exitCode = 2;
    print(flags.json, resumeJson(result, { ok, memoryBytes: result.machine.memory.buffer.byteLength, suspend: { ...result.suspend, crc32: result.suspend.crc32.toString(16).padStart(8, "0") }, ...(result.restorePblist && { restorePblist: result.restorePblist }) }), () => [
      describeMachine(result.machine.spec),
      describeSuspend(result.suspend),
      "",
      phaseTable(result.phases),
      "",
      countsBlock(result.counts),
      ...(result.restorePblist ? [`  restore_pblist: ${result.restorePblist.map((p) => `${p.address}→${p.origAddress}`).join(", ") || "empty"}`] : []),
      "",
      verifyLine(result.verify, result.counts.imagePages),
    ].join("\n"));
  } catch (error) {
    progress.finish();
    fail(flags.json, error);
  }
});

machineOptions(
  program.command("suspend")
    .description("hibernate a simulated machine: write its image kernel's pages as a thaw image")
    .requiredOption("--out <file>", "where to write the image")
    .addOption(new Option("--image <share>", "share of usable frames the image kernel saves").default(0.4, "40%").argParser(share))
    .addOption(new Option("--zero <share>", "share of saved pages that are all zero").default(0.05, "5%").argParser(share)),
).action(async (flags: MachineFlags & { out: string; image: number; zero: number }) => {
  const progress = terminalProgress(!flags.json);
  try {
    const machine = await createMachine(toMachine(flags));
    const result = suspendMachine(machine, { out: flags.out, image: flags.image, zero: flags.zero, ...(progress.listener && { onProgress: progress.listener }) });
    progress.finish();
    print(flags.json, { ok: true, ...result, crc32: result.crc32.toString(16).padStart(8, "0") }, () => `${describeMachine(machine.spec)}\n${describeSuspend(result)}\nimage: ${result.path} (${formatMiB(result.bytes)})`);
  } catch (error) {
    progress.finish();
    fail(flags.json, error);
  }
});

machineOptions(
  program.command("resume")
    .description("resume an image into a model of the machine its header describes, then verify every page")
    .argument("<image>", "thaw image or Linux swap device copy (opened read-only; .gz and .zst are unpacked first)")
    .option("--offset <pages>", "swap file: resume_offset, the 4 KiB block of its swap header", int("--offset"))
    .option("--workers <n>", "decompression workers for compressed images (0: main thread; default clamp(CPUs-1, 1, 3))", int("--workers"))
    .option("--no-verify", "skip the verify phase")
    .option("--map <file.svg>", "draw the restore map: what the restore did with every frame"),
  { resume: true },
).action(async (path: string, flags: MachineFlags & { verify: boolean; offset?: number; map?: string; workers?: number }) => {
  const progress = terminalProgress(!flags.json);
  try {
    const session = await ResumeSession.open(path, { machineOptions: toMachine(flags), verify: flags.verify, ...(flags.mode && { mode: flags.mode }), ...(flags.offset !== undefined && { offset: flags.offset }), ...(flags.workers !== undefined && { workers: flags.workers }), ...(progress.listener && { onProgress: progress.listener }) });
    const result = session.run();
    progress.finish();
    if (flags.map) writeSvg(flags.map, restoreMap(session.machine), `thaw resume ${path}: restore map`, session.machine.spec.pageSize);
    const ok = verifyOk(result.verify, result.counts.imagePages);
    if (!ok) process.exitCode = 2;
    print(flags.json, resumeJson(result, { ok, format: session.source.format }), () => [
      describeMachine(session.machine.spec),
      `image: ${path} (${session.source.format}, ${session.source.pages} pages)`,
      "",
      phaseTable(result.phases),
      "",
      countsBlock(result.counts),
      "",
      verifyLine(result.verify, result.counts.imagePages),
    ].join("\n"));
  } catch (error) {
    progress.finish();
    fail(flags.json, error);
  }
});

program.command("stress")
  .description("sweep machine size × bitmap × image share × page size; every run verified; time per phase, pages/s, GB/s, peak RSS")
  .option("--quick", "the small sweep CI runs (under a minute)")
  .option("--chart <file.svg>", "draw time per phase of every run")
  .option("--json", "print one JSON object: { ok, runs }")
  .action(async (flags: { quick?: boolean; chart?: string; json?: boolean }) => {
    try {
      const rows: string[] = [];
      const result = await runStress({
        quick: flags.quick ?? false,
        onRun: (r, i, total) => {
          if (flags.json) return;
          const line = `${String(i + 1).padStart(3)}/${total}  ${(r.placementOnly ? "placement " : "contents  ") + r.memory.padEnd(7)} ${String(r.pageSize).padStart(5)} B  ${r.bitmap.padEnd(7)} image ${r.image.padEnd(4)}  ${r.ok ? "ok  " : "FAIL"} ${(Object.values(r.phases).reduce((a, b) => a + b, 0) / 1000).toFixed(2).padStart(7)} s  ${String(r.pagesPerSecond).padStart(10)} pages/s  ${r.gbPerSecond === null ? "     -" : r.gbPerSecond.toFixed(2).padStart(6)} GB/s  peak RSS ${formatMiB(r.peakRssBytes)}${r.error ? `  ${r.error}` : ""}`;
          rows.push(line);
          process.stdout.write(line + "\n");
        },
      });
      if (flags.chart) writeFileSync(flags.chart, stressChart(result.runs, `thaw stress${flags.quick ? " --quick" : ""}: time per phase`));
      if (flags.json) print(true, result, () => "");
      else process.stdout.write(`${result.runs.filter((r) => r.ok).length}/${result.runs.length} runs verified\n`);
      if (!result.ok) process.exitCode = 2;
    } catch (error) {
      fail(flags.json, error);
    }
  });

program.command("inspect")
  .description("report what is inside an image (thaw or Linux swap): header, PFN statistics, data pages, CRC")
  .argument("<image>", "image file or swap device copy (opened read-only; .gz and .zst are unpacked first)")
  .option("--offset <pages>", "swap file: resume_offset, the 4 KiB block of its swap header", int("--offset"))
  .option("--workers <n>", "decompression workers for compressed images (0: main thread; default clamp(CPUs-1, 1, 3))", int("--workers"))
  .option("--map <file.svg>", "draw physical memory with the image's pages on it")
  .option("--json", "print one JSON object")
  .action(async (path: string, flags: { json?: boolean; offset?: number; map?: string; workers?: number }) => {
    try {
      const report = await inspectImage(path, { ...(flags.offset !== undefined && { offset: flags.offset }), ...(flags.workers !== undefined && { workers: flags.workers }), ...(flags.map && { map: flags.map }) });
      const p = report.pfns;
      const extra = report as unknown as { signature?: string; flags?: string[]; compression?: string; compressionRatio?: number; chunks?: number };
      print(flags.json, report, () => [
        `${report.path}: ${report.format} image, page size ${report.pageSize}, num_physpages ${report.numPhyspages}`,
        ...(extra.signature !== undefined ? [`  signature ${extra.signature}, flags ${extra.flags?.join(" | ") || "none"}, ${extra.compression === "none" ? "uncompressed" : `${extra.compression?.toUpperCase()} in ${extra.chunks} chunks, compressed to ${((extra.compressionRatio ?? 0) * 100).toFixed(1)} %`}`] : []),
        `  pages ${report.pages} = 1 header + ${report.metaPages} PFN metadata + ${report.imagePages} data pages (${formatMiB(report.bytes)})`,
        `  PFNs ${p.count} (${p.zero} zero pages), min ${p.min}, max ${p.max}, ${p.runs} runs${p.ascending ? "" : ", NOT ascending"}${p.perZone ? `; DMA ${p.perZone.dma}, Normal ${p.perZone.normal}, HighMem ${p.perZone.highmem}` : ""}`,
        `  data pages read ${report.dataPages}`,
        `  CRC32 ${report.crc.stored === null ? `none stored (computed ${report.crc.computed})` : `stored ${report.crc.stored}, computed ${report.crc.computed}: ${report.crc.ok ? "ok" : "MISMATCH"}`}`,
      ].join("\n"));
      if (report.crc.ok === false) process.exitCode = 2;
    } catch (error) {
      fail(flags.json, error);
    }
  });

await program.parseAsync(process.argv);
