/**
 * thaw stress - Sweep machine size × bitmap strategy × image share × page size, each run a whole suspend/resume
 * verified (page contents where there are contents, placement and PBE chains otherwise), in a child process of its
 * own so that its peak RSS is its own. Reports time per phase, pages/s, GB/s and peak RSS.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "./engine/load.js";
import { BITMAP_STRATEGIES, type BitmapStrategy } from "./engine/strategies.js";

/** One run of the sweep. */
export interface StressCase {
  memory: string;
  pageSize: number;
  bitmap: BitmapStrategy;
  image: string;
  placementOnly: boolean;
}

/** What one run measured. */
export interface StressRun extends StressCase {
  ok: boolean;
  frames: number;
  imagePages: number;
  /** Milliseconds per phase. */
  phases: Record<string, number>;
  totalMs: number;
  pagesPerSecond: number;
  /** Image bytes restored per second over loadImage + atomicCopy (contents only). */
  gbPerSecond: number | null;
  peakRssBytes: number;
  /** Linear memory of the machine. */
  memoryBytes: number | null;
  error?: string;
}

const STRATEGIES: readonly BitmapStrategy[] = BITMAP_STRATEGIES;

/** stressCases - The sweep: a quick one for CI (under a minute), or the full one. */
export function stressCases(quick: boolean): StressCase[] {
  const cases: StressCase[] = [];
  const contents = quick
    ? ([
        ["64MiB", 4096],
        ["64MiB", 256],
      ] as const)
    : ([
        ["256MiB", 4096],
        ["1GiB", 4096],
        ["3GiB", 4096],
        ["256MiB", 128],
        ["2GiB", 128],
      ] as const);
  const shares = quick ? ["40%"] : ["10%", "40%"];
  for (const [memory, pageSize] of contents)
    for (const bitmap of STRATEGIES)
      for (const image of shares) cases.push({ memory, pageSize, bitmap, image, placementOnly: false });
  const placement = quick ? ["64GiB"] : ["1TiB", "4TiB", "12TiB"];
  for (const memory of placement)
    for (const bitmap of STRATEGIES) cases.push({ memory, pageSize: 4096, bitmap, image: "0.5%", placementOnly: true });
  return cases;
}

function argsOf(c: StressCase): string[] {
  return [
    join(packageRoot(), "bin", "thaw.js"),
    "simulate",
    "--json",
    "--memory",
    c.memory,
    "--page-size",
    String(c.pageSize),
    "--bitmap",
    c.bitmap,
    "--image",
    c.image,
    ...(c.placementOnly ? ["--placement-only"] : ["--highmem", "none"]),
  ];
}

function runChild(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, THAW_WASM: "release" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** runStressCase - Run @c in a child process and collect its figures. */
export async function runStressCase(c: StressCase): Promise<StressRun> {
  const t0 = performance.now();
  const { stdout, stderr } = await runChild(argsOf(c));
  const totalMs = performance.now() - t0;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(stdout);
  } catch {
    return {
      ...c,
      ok: false,
      frames: 0,
      imagePages: 0,
      phases: {},
      totalMs,
      pagesPerSecond: 0,
      gbPerSecond: null,
      peakRssBytes: 0,
      memoryBytes: null,
      error: (stderr || stdout).trim().split("\n").slice(-3).join(" "),
    };
  }
  const phases = Object.fromEntries(
    ((json.phases as { name: string; ms: number }[] | undefined) ?? []).map((p) => [p.name, p.ms]),
  );
  const counts = (json.counts ?? {}) as { imagePages?: number; pbes?: number };
  const imagePages = counts.imagePages ?? 0;
  const resumeMs = Object.values(phases).reduce((a, b) => a + b, 0);
  const moving = (phases.loadImage ?? 0) + (phases.atomicCopy ?? 0);
  return {
    ...c,
    ok: json.ok === true,
    frames: Number(json.frames ?? 0) || 0,
    imagePages,
    phases,
    totalMs,
    pagesPerSecond: resumeMs > 0 ? Math.round(imagePages / (resumeMs / 1000)) : 0,
    gbPerSecond: c.placementOnly || moving === 0 ? null : Number(((imagePages * c.pageSize) / moving / 1e6).toFixed(3)),
    peakRssBytes: Number(json.peakRssBytes ?? 0),
    memoryBytes: (json.memoryBytes as number | undefined) ?? null,
    ...(json.ok !== true && { error: JSON.stringify(json.error ?? json.verify) }),
  };
}

/** runStress - The whole sweep, one run at a time; @onRun hears of each as it ends. */
export async function runStress(
  options: { quick?: boolean; onRun?: (run: StressRun, index: number, total: number) => void } = {},
): Promise<{ ok: boolean; runs: StressRun[] }> {
  const cases = stressCases(options.quick ?? false);
  const runs: StressRun[] = [];
  for (const [i, c] of cases.entries()) {
    const run = await runStressCase(c);
    runs.push(run);
    options.onRun?.(run, i, cases.length);
  }
  return { ok: runs.every((r) => r.ok), runs };
}

const PHASE_COLORS: Record<string, string> = {
  checkHeader: "#95a5a6",
  unpackOrigPfns: "#8e44ad",
  markUnsafePages: "#2c3e50",
  prepareImage: "#2980b9",
  loadImage: "#27ae60",
  restoreHighmem: "#f1c40f",
  atomicCopy: "#e67e22",
  verify: "#c0392b",
};

/** stressChart - A self-contained SVG: one stacked bar per run, time per phase. */
export function stressChart(runs: readonly StressRun[], title: string): string {
  const rowH = 18;
  const labelW = 300;
  const barW = 600;
  const max = Math.max(1, ...runs.map((r) => Object.values(r.phases).reduce((a, b) => a + b, 0)));
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.max(labelW + barW + 140, 20 + 8 * 135)}" height="${60 + runs.length * rowH + 40}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${title}</text>`,
  ];
  runs.forEach((r, i) => {
    const y = 40 + i * rowH;
    out.push(
      `<text x="10" y="${y + 12}">${r.placementOnly ? "placement " : ""}${r.memory} ${r.pageSize} B ${r.bitmap} ${r.image}${r.ok ? "" : " FAILED"}</text>`,
    );
    let x = labelW;
    for (const [phase, ms] of Object.entries(r.phases)) {
      const w = (ms / max) * barW;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(0.5, w).toFixed(1)}" height="${rowH - 4}" fill="${PHASE_COLORS[phase] ?? "#777"}"><title>${phase}: ${ms.toFixed(1)} ms</title></rect>`,
      );
      x += w;
    }
    out.push(
      `<text x="${x + 6}" y="${y + 12}">${(Object.values(r.phases).reduce((a, b) => a + b, 0) / 1000).toFixed(2)} s</text>`,
    );
  });
  let lx = 10;
  const ly = 50 + runs.length * rowH;
  for (const [phase, color] of Object.entries(PHASE_COLORS)) {
    out.push(
      `<rect x="${lx}" y="${ly}" width="10" height="10" fill="${color}"/><text x="${lx + 14}" y="${ly + 9}">${phase}</text>`,
    );
    lx += 135;
  }
  out.push("</svg>");
  return out.join("\n");
}
