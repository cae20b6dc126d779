/**
 * Printing: a table for people, one JSON object with --json; errors as the JSON contract says. Commands run through
 * runCommand(), which owns the progress bar and turns any failure into a non-zero exit code.
 */
import { ConfigError, ResumeError } from "../errors.js";
import type { ProgressListener } from "../progress.js";
import type { ResumeResult } from "../resume.js";
import { checkOutputPath, type OutputFileOptions } from "../util/outputFile.js";
import { terminalProgress } from "./progress.js";

/** print - @object as JSON, or @text() for a terminal. */
export function print(json: boolean | undefined, object: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(object)}\n` : `${text()}\n`);
}

/**
 * fail - Report @error (typed errors by phase and errno) and set a failing exit code. @verb says what failed: a
 * resume (which commits nothing when it fails) or an inspection (which has nothing to commit).
 */
export function fail(json: boolean | undefined, error: unknown, verb: "resume" | "inspect" = "resume"): void {
  process.exitCode = 1;
  if (error instanceof ResumeError) {
    const restore = error.phase !== "inspect" && error.phase !== "open";
    if (json) print(true, { ok: false, error: error.toJSON() }, () => "");
    else if (verb === "inspect" || !restore)
      process.stderr.write(`thaw: ${restore ? `inspect failed in ${error.phase}: ` : ""}${error.message}\n`);
    else if (error.phase === "dump")
      process.stderr.write(`thaw: ${error.message}\n  no partial dump was left behind\n`);
    else
      process.stderr.write(
        `thaw: resume failed in ${error.phase}: ${error.message}\n  nothing was committed: every frame the restore took is free again and the boot kernel's frames are intact\n`,
      );
    return;
  }
  if (error instanceof ConfigError) {
    if (json)
      print(
        true,
        {
          ok: false,
          error: {
            phase: "config",
            code: "EINVAL",
            message: error.message,
            ...(error.offending && { offending: error.offending }),
          },
        },
        () => "",
      );
    else process.stderr.write(`thaw: ${error.message}\n`);
    return;
  }
  const message = (error as Error)?.message ?? String(error);
  const system = (error as { code?: unknown })?.code;
  if (json)
    print(
      true,
      {
        ok: false,
        error: { phase: "io", code: typeof system === "string" && /^E[A-Z]+$/.test(system) ? system : "EIO", message },
      },
      () => "",
    );
  else process.stderr.write(`thaw: ${message}\n`);
}

/**
 * mapOutput - The output rules of --map for a command reading @image: never the image, never an existing file unless
 * --force; checked now, before any work.
 * @throws ConfigError naming --map and the file.
 */
export function mapOutput(image: string | undefined, flags: { map?: string; force?: boolean }): OutputFileOptions {
  const output = { option: "--map", inputs: image ? [image] : [], overwrite: flags.force ?? false };
  if (flags.map) checkOutputPath(flags.map, output);
  return output;
}

/** runCommand - Run @body with a progress listener (bars on a terminal, none with --json), reporting any failure. */
export async function runCommand(
  json: boolean | undefined,
  body: (onProgress: { onProgress?: ProgressListener }) => Promise<void>,
  verb: "resume" | "inspect" = "resume",
): Promise<void> {
  const progress = terminalProgress(!json);
  try {
    await body(progress.listener ? { onProgress: progress.listener } : {});
  } catch (error) {
    progress.finish();
    fail(json, error, verb);
  } finally {
    progress.finish();
  }
}

/** resumeJson - The JSON contract's object for a resume (simulate and resume add their own fields in @extra). */
export function resumeJson(result: ResumeResult, extra: object = {}) {
  return {
    ok: true,
    bitmap: result.bitmap,
    mode: result.mode,
    warnings: result.warnings,
    pageSize: result.pageSize,
    counts: result.counts,
    phases: result.phases.map((p) => ({ name: p.name, ms: Number(p.ms.toFixed(3)), pages: p.pages, bytes: p.bytes })),
    verify: result.verify ?? null,
    ...extra,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}
