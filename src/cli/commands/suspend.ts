import { type Command, Option } from "commander";
import { createMachine } from "../../machine/machine.js";
import { suspendMachine } from "../../suspend.js";
import { checkOutputPath } from "../../util/outputFile.js";
import { formatMiB } from "../../util/units.js";
import { type MachineFlags, machineOptions, share, toMachine } from "../options.js";
import { print, runCommand } from "../output.js";
import { describeMachine, describeSuspend } from "../report.js";

/** suspendCommand - `thaw suspend --out FILE`: hibernate a simulated machine to a thaw image. */
export function suspendCommand(program: Command): void {
  machineOptions(
    program
      .command("suspend")
      .description("hibernate a simulated machine: write its image kernel's pages as a thaw image")
      .requiredOption("--out <file>", "where to write the image")
      .option("--force", "replace an existing --out file")
      .addOption(
        new Option("--image <share>", "share of usable frames the image kernel saves")
          .default(0.4, "40%")
          .argParser(share),
      )
      .addOption(
        new Option("--zero <share>", "share of saved pages that are all zero").default(0.05, "5%").argParser(share),
      ),
  ).action((flags: MachineFlags & { out: string; image: number; zero: number; force?: boolean }) =>
    runCommand(flags.json, async (progress) => {
      checkOutputPath(flags.out, { option: "--out", overwrite: flags.force ?? false });
      const machine = await createMachine(toMachine(flags));
      const result = suspendMachine(machine, {
        out: flags.out,
        overwrite: flags.force ?? false,
        image: flags.image,
        zero: flags.zero,
        ...progress,
      });
      print(
        flags.json,
        { ok: true, ...result, crc32: result.crc32.toString(16).padStart(8, "0") },
        () =>
          `${describeMachine(machine.spec)}\n${describeSuspend(result)}\nimage: ${result.path} (${formatMiB(result.bytes)})`,
      );
    }),
  );
}
