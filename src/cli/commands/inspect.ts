import type { Command } from "commander";
import { inspectImage } from "../../inspect.js";
import { formatMiB } from "../../util/units.js";
import { type ImageFlags, imageOpenOptions, imageOptions } from "../options.js";
import { print, runCommand } from "../output.js";

/** inspectCommand - `thaw inspect IMAGE`: what is inside an image, without restoring it. */
export function inspectCommand(program: Command): void {
  imageOptions(
    program
      .command("inspect")
      .description("report what is inside an image (thaw or Linux swap): header, PFN statistics, data pages, CRC")
      .argument("<image>", "image file or swap device copy (opened read-only; .gz and .zst are unpacked first)"),
    "draw physical memory with the image's pages on it",
  )
    .option(
      "--digest <file.tsv>",
      "write thaw's per-page digest: index, PFN, sha256 prefix, zero flag of every data page",
    )
    .option("--force", "replace an existing --map or --digest file (never the image)")
    .option("--json", "print one JSON object")
    .action((path: string, flags: ImageFlags & { json?: boolean; digest?: string; force?: boolean }) =>
      runCommand(
        flags.json,
        async (progress) => {
          const report = await inspectImage(path, {
            ...imageOpenOptions(flags),
            ...(flags.map && { map: flags.map }),
            ...(flags.digest && { digest: flags.digest }),
            ...(flags.force && { overwrite: true }),
            ...progress,
          });
          const p = report.pfns;
          const linux = report as unknown as {
            signature?: string;
            flags?: string[];
            compression?: string;
            compressionRatio?: number;
            chunks?: number;
            pastEndBlocks?: number;
            arch?: string;
            wordSize?: number;
            highmem?: { startPfn: number | null; source: string };
          };
          const stream =
            linux.compression === "none"
              ? "uncompressed"
              : `${linux.compression?.toUpperCase()} in ${linux.chunks} chunks, compressed to ${((linux.compressionRatio ?? 0) * 100).toFixed(1)} %`;
          print(flags.json, report, () =>
            [
              `${report.path}: ${report.format} image, page size ${report.pageSize}, num_physpages ${report.numPhyspages}`,
              ...(linux.signature !== undefined
                ? [
                    `  signature ${linux.signature}, flags ${linux.flags?.join(" | ") || "none"}, ${stream}`,
                    `  written by an ${linux.arch} kernel (${linux.wordSize}-byte unsigned long); HighMem ${linux.highmem?.startPfn === null ? "none" : `from PFN ${linux.highmem?.startPfn} (${linux.highmem?.source === "estimate" ? "thaw's estimate: see the warning" : "given"})`}`,
                  ]
                : []),
              `  pages ${report.pages} = 1 header + ${report.metaPages} PFN metadata + ${report.imagePages} data pages (${formatMiB(report.bytes)})`,
              `  PFNs ${p.count} (${p.zero} zero pages), min ${p.min}, max ${p.max}, ${p.runs} runs${p.ascending ? "" : ", NOT ascending"}${p.perZone ? `; DMA ${p.perZone.dma}, Normal ${p.perZone.normal}, HighMem ${p.perZone.highmem}` : ""}`,
              `  data pages read ${report.dataPages}${linux.pastEndBlocks ? ` (${linux.pastEndBlocks} blocks past the end of the file read as zeros: a trimmed or a truncated copy)` : ""}`,
              `  CRC32 ${report.crc.stored === null ? `none stored: ${report.format === "linux-swap" ? "uncompressed images carry none" : "this image carries none"} (computed ${report.crc.computed}); --digest FILE writes thaw's per-page digest instead` : `stored ${report.crc.stored}, computed ${report.crc.computed}: ${report.crc.ok ? "ok" : "MISMATCH"}`}`,
              ...(flags.digest ? [`  per-page digest of ${report.dataPages} data pages: ${flags.digest}`] : []),
              ...report.warnings.map((w) => `warning: ${w}`),
            ].join("\n"),
          );
          if (report.crc.ok === false || report.refusals.length > 0) process.exitCode = 2;
        },
        "inspect",
      ),
    );
}
