/**
 * What the CLI prints: the phase table, the counts and the verification line, in the kernel's words and units.
 */

import type { DumpResult } from "../dump/dump.js";
import type { MachineSpec } from "../machine/config.js";
import type { VerifyReport } from "../phases/state.js";
import type { PhaseRecord, ResumeCounts } from "../resume.js";
import type { SuspendResult } from "../suspend.js";
import { formatBytes, formatMiB, gbPerSecond } from "../util/units.js";

/** describeMachine - One line: size, frames, zones, holes and nosave. */
export function describeMachine(spec: MachineSpec): string {
  const zones = [`DMA < PFN ${spec.dmaEndPfn}`];
  zones.push(
    spec.highmemStartPfn < spec.frames
      ? `HighMem ≥ PFN ${spec.highmemStartPfn} (${formatBytes(spec.highmemStartPfn * spec.pageSize)})`
      : "no HighMem",
  );
  const extras = [
    spec.holes.length ? `${spec.holes.length} hole${spec.holes.length > 1 ? "s" : ""}` : "",
    spec.nosave.length ? `${spec.nosave.length} nosave region${spec.nosave.length > 1 ? "s" : ""}` : "",
  ].filter(Boolean);
  const allocator = typeof spec.allocator === "string" ? spec.allocator : "explicit order";
  const boot =
    "pfns" in spec.boot
      ? `${spec.boot.pfns.length} given frames`
      : `${Math.round(spec.boot.share * 100)} % ${spec.boot.profile}`;
  return `${formatBytes(spec.frames * spec.pageSize)} machine: ${spec.frames} frames of ${formatBytes(spec.pageSize)}, ${zones.join(", ")}${extras.length ? `, ${extras.join(", ")}` : ""}; boot kernel ${boot}; allocator ${allocator}; bitmap ${spec.bitmap}; seed ${spec.seed}`;
}

/** describeSuspend - One line about the image that was written. */
export function describeSuspend(s: SuspendResult): string {
  return `suspend: ${s.entries} saveable pages (${s.zeroPages} zero), ${s.imagePages} data + ${s.metaPages} metadata pages, ${formatMiB(s.bytes)} written in ${(s.ms / 1000).toFixed(2)} s`;
}

function cell(text: string, width: number, right = true): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** phaseTable - The phases with time, pages, MiB and GB/s. */
export function phaseTable(phases: readonly PhaseRecord[]): string {
  const rows = [["phase", "kernel", "time", "pages", "MiB", "GB/s"]];
  let total = 0;
  for (const p of phases) {
    total += p.ms;
    const rate = gbPerSecond(p.bytes, p.ms);
    rows.push([
      p.name,
      p.kernel,
      `${p.ms.toFixed(1)} ms`,
      p.pages ? String(p.pages) : "-",
      p.bytes ? (p.bytes / 2 ** 20).toFixed(1) : "-",
      rate ? rate.toFixed(2) : "-",
    ]);
  }
  rows.push(["total", "", `${total.toFixed(1)} ms`, "", "", ""]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map(
      (r, ri) =>
        r.map((c, i) => cell(c, widths[i]!, i >= 2)).join("  ") +
        (ri === 0 ? `\n${widths.map((w) => "-".repeat(w)).join("  ")}` : ""),
    )
    .join("\n");
}

/** countsBlock - The counts, two columns. */
export function countsBlock(c: ResumeCounts): string {
  const lines = [
    `image pages ${c.imagePages} (${c.zeroPages} zero, ${c.highmemPages} in HighMem)`,
    `owned original frames ${c.ownedFrames}, written in place ${c.directPages}`,
    `PBEs ${c.pbes} on restore_pblist, ${c.highmemPbes} on highmem_pblist, in ${c.chainPages} chain pages`,
    `safe pages ${c.safePages}, allocated_unsafe_pages ${c.allocatedUnsafePages}, bitmap frames ${c.bitmapPages}`,
  ];
  return lines.map((l) => `  ${l}`).join("\n");
}

/** verifyLine - "verified N/N image pages; M untouched frames unchanged" (or what failed). */
export function verifyLine(v: VerifyReport | undefined, imagePages: number): string {
  if (!v) return "not verified (--no-verify)";
  const good = v.pages - v.mismatches.length;
  const parts = [`verified ${good}/${imagePages} image pages${v.chains ? " through the contents store" : ""}`];
  if (v.chains) {
    parts.push(
      `${v.chains.pbes} + ${v.chains.highmemPbes} PBEs walked, ${v.chains.violations.length} placement violations`,
    );
  } else {
    parts.push(
      v.untouchedMismatches.length
        ? `${v.untouchedMismatches.length} of ${v.untouchedFrames} untouched frames CHANGED`
        : `${v.untouchedFrames} untouched frames unchanged${v.untouchedRead !== undefined && v.untouchedRead < v.untouchedFrames ? ` (${v.untouchedRead} read, the rest never written)` : ""}`,
    );
  }
  let line = parts.join("; ");
  if (v.mismatches.length)
    line += `\n  mismatching PFNs: ${v.mismatches.slice(0, 20).join(", ")}${v.mismatches.length > 20 ? ", …" : ""}`;
  if (v.untouchedMismatches.length)
    line += `\n  changed frames: ${v.untouchedMismatches.slice(0, 20).join(", ")}${v.untouchedMismatches.length > 20 ? ", …" : ""}`;
  return line;
}

/** verifyOk - True when verification found nothing wrong. */
export function verifyOk(v: VerifyReport | undefined, imagePages: number): boolean {
  return (
    !v ||
    (v.pages === imagePages &&
      v.mismatches.length === 0 &&
      v.untouchedMismatches.length === 0 &&
      (v.chains?.violations.length ?? 0) === 0)
  );
}

/**
 * resumeReport - The text of a finished resume: @heading lines, the phase table, the counts, @extra, the verify line.
 */
export function resumeReport(
  heading: string[],
  result: { phases: readonly PhaseRecord[]; counts: ResumeCounts; verify?: VerifyReport | undefined },
  extra: string[] = [],
): string {
  return [
    ...heading,
    "",
    phaseTable(result.phases),
    "",
    countsBlock(result.counts),
    ...extra,
    "",
    verifyLine(result.verify, result.counts.imagePages),
  ].join("\n");
}

/** dumpLine - "dump: FILE (ELF64 core, …): N frames in R runs, X written of a Y file, Z GB/s". */
export function dumpLine(d: DumpResult): string {
  const speed = d.ms > 0 ? `, ${d.gbps.toFixed(2)} GB/s` : "";
  return `dump: ${d.path} (${d.description}): ${d.pages} frames (${d.zeroPages} zero) in ${d.runs} runs, ${formatBytes(d.written)} written, file of ${formatBytes(d.bytes)}${speed}`;
}
