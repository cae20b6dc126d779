/**
 * npm run fuzz -- --cases N [--seed S] [--json] [--jobs J] [--timeout MS] [--only I,J] [--seeds NAME,…]
 *                 [--sweep-every K] [--no-fixtures] [--out DIR] [--log FILE.jsonl] [--host H]
 *
 * --host H also runs H host cases (fuzz/hostCases.ts: wrapper bombs, broken wrappers, special files, output = input,
 * the file changed under a restore, hostile option values) in this process and adds their findings (untyped, slow,
 * rssOverBound, leftover, imageWritten, wrongVerdict) to the summary; any of them makes the exit status 1.
 *
 * Runs a campaign (fuzz/campaign.ts) and prints its summary; with --json, one object whose first keys are
 * cases, ok, rejected, crashes, hangs, traps, bootBytesChanged, imageWrites and seed. Progress goes to stderr.
 * Exits 1 when a count that must be 0 is not. THAW_WASM selects the engine build (release by default).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BAD_COUNTS, type CampaignSummary, runCampaign } from "./campaign.js";
import { type HostSummary, prepareHostBench, runHostCampaign } from "./hostCases.js";

const { values } = parseArgs({
  options: {
    cases: { type: "string", default: "1000" },
    seed: { type: "string" },
    json: { type: "boolean", default: false },
    jobs: { type: "string", default: "1" },
    timeout: { type: "string", default: "20000" },
    only: { type: "string" },
    seeds: { type: "string" },
    "sweep-every": { type: "string", default: "4" },
    "no-fixtures": { type: "boolean", default: false },
    out: { type: "string" },
    log: { type: "string" },
    host: { type: "string", default: "0" },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  process.stdout.write(`npm run fuzz -- [options]

Mutate seed images (thaw and Linux, the tiny kernel-written fixtures), resume each mutant in a worker under a
watchdog, and count what must never happen: crashes, hangs, WASM traps, boot-kernel bytes changed, image writes.

  --cases N          cases to run (default 1000)
  --seed S           campaign seed (default: from the clock; printed)
  --jobs J           worker threads (default 1)
  --timeout MS       hang bound per case (default 20000)
  --only I,J         run only these case indexes (replay)
  --seeds NAME,...   only these seed images
  --sweep-every K    every K-th case truncates instead of mutating (default 4)
  --no-fixtures      leave out the kernel-written fixtures
  --out DIR          write each failing case's image there
  --log FILE.jsonl   one line per case
  --host H           also run H host cases in this process (wrapper bombs, broken wrappers, special files,
                     output = input, the file changed under a restore, hostile option values)
  --json             one JSON object (the summary) on stdout
  -h, --help         this text

THAW_WASM=debug selects the engine's debug build (every assertion on). Exits 1 when a count that must be 0 is not.
`);
  process.exit(0);
}

const int = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} takes a non-negative integer, got "${text}"`);
  return n;
};

// Host cases run first, while the process's peak RSS is still its own: a case's growth is judged against it.
const hostCases = int("host", values.host!);
let host: HostSummary | undefined;
if (hostCases > 0) {
  const dir = mkdtempSync(join(tmpdir(), "thaw-fuzz-host-"));
  const tmp = process.env.TMPDIR;
  try {
    host = await runHostCampaign(
      hostCases,
      values.seed === undefined ? 1 : int("seed", values.seed),
      await prepareHostBench(dir),
    );
  } finally {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
    rmSync(dir, { recursive: true, force: true });
  }
}

let lastProgress = 0;
const started = performance.now();
const summary = await runCampaign({
  cases: int("cases", values.cases!),
  ...(values.seed !== undefined && { seed: int("seed", values.seed) }),
  ...(values.only && { only: values.only.split(",").map((s) => int("only", s)) }),
  ...(values.seeds && { seeds: values.seeds.split(",") }),
  ...(values.out && { failuresDir: values.out }),
  ...(values.log && { log: values.log }),
  jobs: int("jobs", values.jobs!),
  timeoutMs: int("timeout", values.timeout!),
  sweepEvery: int("sweep-every", values["sweep-every"]!),
  fixtures: !values["no-fixtures"],
  onProgress: (done, total, s) => {
    const now = performance.now();
    if (now - lastProgress < (process.stderr.isTTY ? 1000 : 30_000) && done < total) return;
    lastProgress = now;
    const rate = done / ((now - started) / 1000);
    const bad = BAD_COUNTS.reduce((n, k) => n + s[k], 0);
    process.stderr.write(
      `${process.stderr.isTTY ? "\r" : ""}fuzz: ${done}/${total} cases, ok ${s.ok}, rejected ${s.rejected}, bad ${bad}, ${rate.toFixed(0)} cases/s${process.stderr.isTTY && done < total ? "" : "\n"}`,
    );
  },
});

if (values.json) {
  const { cases, ok, rejected, crashes, hangs, traps, bootBytesChanged, imageWrites, seed, ...rest } = summary;
  process.stdout.write(
    `${JSON.stringify({ cases, ok, rejected, crashes, hangs, traps, bootBytesChanged, imageWrites, seed, ...rest, ...(host && { host }) })}\n`,
  );
} else {
  process.stdout.write(report(summary));
  if (host) process.stdout.write(hostReport(host));
}
if (BAD_COUNTS.some((k) => summary[k] > 0)) process.exitCode = 1;
if (host && host.failures.length > 0) process.exitCode = 1;

function hostReport(h: HostSummary): string {
  const lines = [
    "",
    `host cases: ${h.cases}; findings: ${Object.entries(h.findings)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}; largest peak RSS growth ${(h.peakRssGrowth / 2 ** 20).toFixed(1)} MiB`,
    `${"class".padEnd(36)} ${"cases".padStart(8)} ${"ok".padStart(8)} ${"rejected".padStart(8)} ${"bad".padStart(5)}`,
    ...Object.entries(h.byClass).map(
      ([k, c]) =>
        `  ${k.padEnd(34)} ${String(c.cases).padStart(8)} ${String(c.ok).padStart(8)} ${String(c.rejected).padStart(8)} ${String(c.failed).padStart(5)}`,
    ),
    ...h.failures
      .slice(0, 20)
      .map((f) => `  #${f.index} ${f.kind}: ${f.findings.join(", ")} — ${f.detail}; ${f.error ?? "no error"}`),
  ];
  return `${lines.join("\n")}\n`;
}

function report(s: CampaignSummary): string {
  const lines: string[] = [];
  const pad = (text: string | number, n: number) => String(text).padEnd(n);
  const rpad = (text: string | number, n: number) => String(text).padStart(n);
  lines.push(
    `fuzz campaign, seed ${s.seed}: ${s.cases} cases in ${(s.durationMs / 1000).toFixed(1)} s (${s.build} build, hang bound ${s.timeoutMs} ms; ${s.sweepCases} of them truncation-sweep steps of ${s.sweepLength})`,
  );
  lines.push(`  ok ${s.ok}, rejected ${s.rejected}`);
  lines.push(
    `  crashes ${s.crashes}, hangs ${s.hangs}, traps ${s.traps}, bootBytesChanged ${s.bootBytesChanged}, imageWrites ${s.imageWrites}`,
  );
  lines.push(
    `  freeCountChanged ${s.freeCountChanged}, leaks ${s.leaks}, wrongRestores ${s.wrongRestores}, rejectedAfterCommit ${s.rejectedAfterCommit}; machines over the budget ${s.largeMachines}`,
  );
  lines.push(
    `  rssOverBound ${s.rssOverBound} (count bombs; the largest RSS growth one caused: ${(s.bombRssPeak / 2 ** 20).toFixed(1)} MiB)`,
  );
  lines.push("", "rejected, by phase and errno:");
  for (const [key, n] of Object.entries(s.rejectedBy).sort((a, b) => b[1] - a[1]))
    lines.push(`  ${pad(key, 28)} ${rpad(n, 8)}`);
  const table = (title: string, rows: Record<string, { cases: number; ok: number; rejected: number; bad: number }>) => {
    lines.push("", `${pad(title, 36)} ${rpad("cases", 8)} ${rpad("ok", 8)} ${rpad("rejected", 8)} ${rpad("bad", 5)}`);
    for (const [key, c] of Object.entries(rows).sort((a, b) => a[0].localeCompare(b[0])))
      lines.push(`  ${pad(key, 34)} ${rpad(c.cases, 8)} ${rpad(c.ok, 8)} ${rpad(c.rejected, 8)} ${rpad(c.bad, 5)}`);
  };
  table("mutation", s.mutations);
  table("seed", s.seeds);
  if (s.slowest) lines.push("", `slowest case: #${s.slowest.index} (${s.slowest.mutation}), ${s.slowest.ms} ms`);
  if (s.failures.length)
    lines.push("", `${s.failures.length} failing case(s) written:`, ...s.failures.slice(0, 20).map((f) => `  ${f}`));
  lines.push("", `reproduce: npm run fuzz -- --cases ${s.cases} --seed ${s.seed}`);
  return `${lines.join("\n")}\n`;
}
