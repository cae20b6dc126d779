/**
 * What the bitmap lab writes: the Markdown section of bench/RESULTS.md and charts as standalone SVG (no script, no
 * network: they render anywhere, unlike a chart.html that loads Chart.js from a CDN).
 */
import type { BenchRow, BitmapBenchResult, Workload } from "./results.js";
import { sizeLabel, WORKLOAD_UNIT, WORKLOADS } from "./results.js";

const fmt = (v: number) => (v < 1 ? v.toFixed(3) : v < 10 ? v.toFixed(2) : v < 1000 ? v.toFixed(1) : v.toFixed(0));

function cell(row: BenchRow | undefined): string {
  if (!row) return "";
  if (row.nsMin === null) return "–";
  const mark =
    row.method === "single" ? " ‡" : row.note?.startsWith("prefix") || row.note?.startsWith("first") ? " †" : "";
  return `${fmt(row.nsMin)}${mark}`;
}

/** subjectsOf - Subject names in a stable order: thaw bulk, thaw per call, peers, C. */
function subjectsOf(rows: readonly BenchRow[]): string[] {
  const rank = { "thaw-bulk": 0, "thaw-call": 1, peer: 2, c: 3 } as const;
  const first = new Map<string, number>();
  rows.forEach((r, i) => {
    if (!first.has(r.subject)) first.set(r.subject, rank[r.family] * 1e6 + i);
  });
  return [...first.keys()].sort((a, b) => first.get(a)! - first.get(b)!);
}

/** bitmapBenchMarkdown - The RESULTS.md section for @result. */
export function bitmapBenchMarkdown(result: BitmapBenchResult, charts: readonly string[]): string {
  const m = result.machine;
  const lines: string[] = [];
  lines.push(
    `Run ${result.date} with \`${result.command}\`${result.quick ? " (quick)" : ""}, ${(result.durationMs / 60000).toFixed(1)} min.`,
  );
  lines.push(
    `Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; 1-minute load average ${m.loadavg[0].toFixed(2)} at the start, ${m.loadavg[1].toFixed(2)} at the end (other work shares this machine: figures above about 1 per CPU are noisy).`,
  );
  lines.push(
    `Batch ${result.config.batch} PFNs; every subject through one warmed harness (bench/lab/harness.ts: warm-up calls, then ${result.config.minSamples}+ samples of one call each, up to ${result.config.maxTime} s per case); thaw's per-call rows call the public API (\`thaw/bitmap\`) once per PFN. Tables, charts and targets use the fastest sample of each case, the figure least disturbed by other work on a shared machine; the JSON also holds every median (\`nsPerOp\`).`,
  );
  lines.push("");
  lines.push("### Targets");
  lines.push("");
  lines.push("| target | met | figures |");
  lines.push("|---|---|---|");
  for (const t of result.targets)
    lines.push(`| ${t.target} | ${t.met === null ? "not measured" : t.met ? "**met**" : "not met"} | ${t.figures} |`);
  lines.push("");
  if (result.crossCheck && result.crossCheck.length > 0) {
    lines.push("### Cross-check: the plain JS bitmap in the lab and alone");
    lines.push("");
    lines.push(
      "The lab's `JS Uint32Array bitmap` rows against the same loops over the same batch timed in a process of their own (bench/lab/standalone.ts); they must agree within 20 %.",
    );
    lines.push("");
    lines.push("| PFNs | op | lab ns | alone ns | lab / alone | agrees |");
    lines.push("|---|---|---:|---:|---:|---|");
    for (const c of result.crossCheck)
      lines.push(
        `| ${sizeLabel(c.pfns)} | ${c.op} | ${fmt(c.labNsMin)} | ${fmt(c.standaloneNsMin)} | ${c.ratio.toFixed(2)}× | ${c.agrees ? "yes" : "**no**"} |`,
      );
    lines.push("");
  }
  for (const pfns of result.config.sizes) {
    const rows = result.rows.filter((r) => r.pfns === pfns);
    if (rows.length === 0) continue;
    lines.push(`### ns per operation at ${sizeLabel(pfns)} PFNs`);
    lines.push("");
    const workloads = WORKLOADS.filter((w) => rows.some((r) => r.workload === w));
    lines.push(`| subject | ${workloads.join(" | ")} |`);
    lines.push(`|---|${workloads.map(() => "---:").join("|")}|`);
    for (const subject of subjectsOf(rows)) {
      lines.push(
        `| ${subject} | ${workloads.map((w) => cell(rows.find((r) => r.subject === subject && r.workload === w))).join(" | ")} |`,
      );
    }
    lines.push("");
  }
  lines.push(
    `Units: ${WORKLOADS.map((w) => `${w} per ${WORKLOAD_UNIT[w]}`).join(", ")}. † measured on a prefix of the batch (a full call would exceed the per-call budget), ‡ one call timed once, – not applicable (see the JSON's notes).`,
  );
  lines.push("");
  if (result.memory.length > 0) {
    lines.push("### Memory of a map holding the 1 %-dense set (bytes; × one bit per PFN)");
    lines.push("");
    const sizes = result.config.sizes.filter((p) => result.memory.some((x) => x.pfns === p));
    lines.push(`| subject | ${sizes.map(sizeLabel).join(" | ")} |`);
    lines.push(`|---|${sizes.map(() => "---:").join("|")}|`);
    for (const subject of [...new Set(result.memory.map((x) => x.subject))]) {
      lines.push(
        `| ${subject} | ${sizes
          .map((p) => {
            const x = result.memory.find((y) => y.pfns === p && y.subject === subject);
            return x?.bytes == null ? "n/a" : `${x.bytes} (${x.perFlat!.toFixed(3)}×)`;
          })
          .join(" | ")} |`,
      );
    }
    lines.push("");
  }
  if (result.endToEnd.length > 0) {
    const e2e = result.endToEnd;
    lines.push(`### End to end: ${e2e[0]!.scenario}, phase times (ms) per strategy`);
    lines.push("");
    lines.push(`| phase | ${e2e.map((r) => r.strategy).join(" | ")} |`);
    lines.push(`|---|${e2e.map(() => "---:").join("|")}|`);
    for (const name of e2e[0]!.phases.map((p) => p.name)) {
      lines.push(`| ${name} | ${e2e.map((r) => fmt(r.phases.find((p) => p.name === name)?.ms ?? NaN)).join(" | ")} |`);
    }
    lines.push(`| whole simulate() | ${e2e.map((r) => fmt(r.totalMs)).join(" | ")} |`);
    lines.push(
      `| counts and verification as with ${e2e[0]!.strategy} | ${e2e.map((r) => (r.sameAsFirst ? "yes" : "**no**")).join(" | ")} |`,
    );
    lines.push("");
  }
  if (charts.length > 0) {
    lines.push("### Charts");
    lines.push("");
    for (const c of charts) lines.push(`![${c}](results/${c})`);
    lines.push("");
  }
  if (result.notes.length > 0) {
    lines.push("### Notes");
    lines.push("");
    for (const n of result.notes) lines.push(`- ${n}`);
    lines.push("");
  }
  return lines.join("\n");
}

const PALETTE: Record<string, string> = {
  flat: "#1f77b4",
  bmlist: "#d62728",
  rtree: "#2ca02c",
  summary: "#9467bd",
  "JS Set": "#8c564b",
  "JS Uint32Array bitmap": "#e377c2",
  typedfastbitset: "#7f7f7f",
  "roaring-wasm": "#bcbd22",
  "roaring (native)": "#17becf",
  "C -O2 flat bitmap": "#000000",
};

function colour(row: Pick<BenchRow, "subject" | "strategy">): string {
  return PALETTE[row.strategy ?? row.subject] ?? "#ff7f0e";
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

interface Series {
  name: string;
  colour: string;
  dash: string;
  width: number;
  points: { x: number; y: number }[];
}

/** lineChart - A log-log (or log-x) line chart as a standalone SVG document. */
function lineChart(
  title: string,
  yLabel: string,
  xs: readonly number[],
  series: readonly Series[],
  logY: boolean,
): string {
  const W = 760;
  const H = 420;
  const left = 70;
  const right = 230;
  const top = 40;
  const bottom = 50;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const allY = series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => y > 0);
  const fx = (x: number) =>
    left +
    (xs.length === 1
      ? pw / 2
      : ((Math.log2(x) - Math.log2(xs[0]!)) / (Math.log2(xs[xs.length - 1]!) - Math.log2(xs[0]!))) * pw);
  let yMin: number;
  let yMax: number;
  let fy: (y: number) => number;
  const yTicks: number[] = [];
  if (logY) {
    yMin = 10 ** Math.floor(Math.log10(Math.min(...allY, 1)));
    yMax = 10 ** Math.ceil(Math.log10(Math.max(...allY, 10)));
    fy = (y: number) => top + ph - ((Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * ph;
    for (let t = yMin; t <= yMax * 1.0001; t *= 10) yTicks.push(t, ...(t * 10 <= yMax * 1.0001 ? [2 * t, 5 * t] : []));
  } else {
    yMin = 0;
    yMax = Math.max(...allY, 1) * 1.1;
    fy = (y: number) => top + ph - (y / yMax) * ph;
    const step = 10 ** Math.floor(Math.log10(yMax / 2));
    for (let t = 0; t <= yMax; t += step * (yMax / step > 10 ? 2 : 1)) yTicks.push(t);
  }
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="22" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (const t of yTicks) {
    out.push(
      `<line x1="${left}" x2="${left + pw}" y1="${fy(t).toFixed(1)}" y2="${fy(t).toFixed(1)}" stroke="#e0e0e0"/>`,
    );
    out.push(`<text x="${left - 6}" y="${(fy(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const x of xs) {
    out.push(`<line x1="${fx(x).toFixed(1)}" x2="${fx(x).toFixed(1)}" y1="${top}" y2="${top + ph}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${fx(x).toFixed(1)}" y="${top + ph + 16}" text-anchor="middle">${sizeLabel(x)}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${left + pw / 2}" y="${H - 12}" text-anchor="middle">PFNs in the map</text>`);
  out.push(
    `<text x="16" y="${top + ph / 2}" text-anchor="middle" transform="rotate(-90 16 ${top + ph / 2})">${esc(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => p.y > 0);
    if (pts.length > 1) {
      out.push(
        `<polyline fill="none" stroke="${s.colour}" stroke-width="${s.width}" stroke-dasharray="${s.dash}" points="${pts.map((p) => `${fx(p.x).toFixed(1)},${fy(p.y).toFixed(1)}`).join(" ")}"/>`,
      );
    }
    for (const p of pts)
      out.push(`<circle cx="${fx(p.x).toFixed(1)}" cy="${fy(p.y).toFixed(1)}" r="3" fill="${s.colour}"/>`);
    const ly = top + 6 + i * 16;
    out.push(
      `<line x1="${left + pw + 12}" x2="${left + pw + 36}" y1="${ly}" y2="${ly}" stroke="${s.colour}" stroke-width="${s.width}" stroke-dasharray="${s.dash}"/>`,
    );
    out.push(`<text x="${left + pw + 42}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

/** bitmapBenchCharts - One ns/op-against-size chart per workload and one memory chart, as {file, svg}. */
export function bitmapBenchCharts(result: BitmapBenchResult, suffix = ""): { file: string; svg: string }[] {
  const xs = result.config.sizes;
  const charts: { file: string; svg: string }[] = [];
  for (const workload of WORKLOADS) {
    const rows = result.rows.filter((r) => r.workload === workload && r.nsMin !== null);
    if (rows.length === 0) continue;
    const series: Series[] = subjectsOf(rows).map((subject) => {
      const mine = rows.filter((r) => r.subject === subject);
      const r0 = mine[0]!;
      return {
        name: subject,
        colour: colour(r0),
        dash: r0.family === "thaw-call" ? "6 4" : r0.family === "c" ? "2 3" : "",
        width: r0.family === "thaw-bulk" ? 2.5 : 1.5,
        points: mine.map((r) => ({ x: r.pfns, y: r.nsMin! })),
      };
    });
    charts.push({
      file: `bitmaps-${workload}${suffix}.svg`,
      svg: lineChart(
        `${workload}: ns per ${WORKLOAD_UNIT[workload as Workload]} against map size (fastest sample)`,
        `ns per ${WORKLOAD_UNIT[workload as Workload]} (log)`,
        xs,
        series,
        true,
      ),
    });
  }
  const mem = result.memory.filter((m) => m.bytes !== null);
  if (mem.length > 0) {
    const series: Series[] = [...new Set(mem.map((m) => m.subject))].map((subject) => {
      const mine = mem.filter((m) => m.subject === subject);
      return {
        name: subject,
        colour: colour({ subject, strategy: mine[0]!.strategy }),
        dash: mine[0]!.family === "peer" ? "4 3" : "",
        width: 2,
        points: mine.map((m) => ({ x: m.pfns, y: m.perFlat! })),
      };
    });
    charts.push({
      file: `bitmaps-memory${suffix}.svg`,
      svg: lineChart("Memory of a map holding the 1 %-dense set", "bytes / (PFNs / 8)", xs, series, false),
    });
  }
  return charts;
}
