import { type Command, Option } from "commander";
import { checkDumpOutput } from "../../dump/dump.js";
import { DUMP_FORMATS, type DumpFormat } from "../../dump/format.js";
import { ConfigError } from "../../errors.js";
import { restoreMap, writeSvg } from "../../map.js";
import { checkMaxMemory } from "../../options.js";
import { ResumeSession } from "../../resume.js";
import {
  type ImageFlags,
  imageOpenOptions,
  imageOptions,
  type MachineFlags,
  machineOptions,
  toMachine,
} from "../options.js";
import { mapOutput, print, resumeJson, runCommand } from "../output.js";
import { describeMachine, dumpLine, resumeReport, verifyOk } from "../report.js";

/** resumeCommand - `thaw resume IMAGE`: restore a thaw or Linux image into a model of its machine, then verify. */
export function resumeCommand(program: Command): void {
  machineOptions(
    imageOptions(
      program
        .command("resume")
        .description("resume an image into a model of the machine its header describes, then verify every page")
        .argument("<image>", "thaw image or Linux swap device copy (opened read-only; .gz and .zst are unpacked first)")
        .option("--no-verify", "skip the verify phase")
        .option(
          "--max-memory <size>",
          "refuse an image whose machine needs more memory than this (e.g. 1GiB)",
          (value: string) => checkMaxMemory(value, "--max-memory"),
        )
        .addOption(
          new Option(
            "--contents <where>",
            "where frames hold their contents: memory (up to ~3.98 GiB of RAM), store (a contents store on disk: any size), auto",
          )
            .choices(["auto", "memory", "store"])
            .default("auto"),
        )
        .option(
          "--store-dir <dir>",
          "folder of the contents store's page file (default: the system's temporary folder)",
        )
        .option("--out <file>", "write the restored memory (every frame the image holds) to this file")
        .addOption(
          new Option(
            "--format <format>",
            "format of --out: raw, elf (core) or lime (default: from the extension, else raw)",
          ).choices(DUMP_FORMATS),
        )
        .option("--force", "let --out or --map replace an existing file (never the image)"),
      "draw the restore map: what the restore did with every frame",
    ),
    { resume: true },
  ).action(
    (
      path: string,
      flags: MachineFlags &
        ImageFlags & {
          verify: boolean;
          maxMemory?: number;
          contents: "auto" | "memory" | "store";
          storeDir?: string;
          out?: string;
          format?: DumpFormat;
          force?: boolean;
        },
    ) =>
      runCommand(flags.json, async (progress) => {
        if (!flags.out && flags.format)
          throw new ConfigError("--format applies to the dump --out writes, and no --out was given", {
            kind: "option",
            name: "format",
            value: flags.format,
          });
        if (flags.force && !flags.out && !flags.map)
          throw new ConfigError("--force applies to the files --out and --map write, and neither was given", {
            kind: "option",
            name: "force",
            value: "true",
          });
        const out = flags.out && { path: flags.out, format: flags.format, force: flags.force, inputs: [path] };
        if (out) checkDumpOutput(out);
        const map = flags.map ? mapOutput(path, flags) : undefined;
        const session = await ResumeSession.open(path, {
          machineOptions: toMachine(flags),
          verify: flags.verify,
          contents: flags.contents,
          ...(flags.storeDir && { storeDir: flags.storeDir }),
          ...(flags.mode && { mode: flags.mode }),
          ...(flags.maxMemory && { maxMemory: flags.maxMemory }),
          ...imageOpenOptions(flags),
          ...progress,
        });
        using _ = session;
        const result = session.run();
        if (flags.map)
          writeSvg(
            flags.map,
            restoreMap(session.machine),
            `thaw resume ${path}: restore map`,
            session.machine.spec.pageSize,
            map,
          );
        const ok = verifyOk(result.verify, result.counts.imagePages);
        if (!ok) process.exitCode = 2;
        const dump = out && ok ? session.dump(out) : undefined;
        print(flags.json, resumeJson(result, { ok, format: session.source.format, ...(dump && { dump }) }), () =>
          resumeReport(
            [
              describeMachine(session.machine.spec),
              ...(session.store ? [`frames: in a contents store (page file in ${session.machine.storeDir})`] : []),
              `image: ${path} (${session.source.format}, ${session.source.pages} pages)`,
              ...result.warnings.map((w) => `warning: ${w}`),
              ...(dump ? [dumpLine(dump)] : []),
              ...(out && !ok ? [`dump: not written to ${out.path}: the restored memory failed verification`] : []),
            ],
            result,
          ),
        );
      }),
  );
}
