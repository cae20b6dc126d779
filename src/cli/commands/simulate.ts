import { type Command, Option } from "commander";
import { restoreMap, writeSvg } from "../../map.js";
import { simulatePlacement } from "../../placement.js";
import { loadScenario } from "../../scenario.js";
import { type SimulateOptions, simulate } from "../../simulate.js";
import { checkOutputPath } from "../../util/outputFile.js";
import { formatMiB } from "../../util/units.js";
import { type MachineFlags, machineOptions, share, toMachine } from "../options.js";
import { mapOutput, print, resumeJson, runCommand } from "../output.js";
import { countsBlock, describeMachine, describeSuspend, phaseTable, resumeReport, verifyOk } from "../report.js";

interface SimulateFlags extends MachineFlags {
  image: number;
  zero: number;
  scenario?: string;
  keep?: string;
  map?: string;
  force?: boolean;
  placementOnly?: boolean;
}

/** simulateCommand - `thaw simulate`: a whole suspend → resume cycle on a model (the main job of `npm start`). */
export function simulateCommand(program: Command): void {
  const cmd = machineOptions(
    program
      .command("simulate")
      .description("suspend a simulated machine to a thaw image, reboot it, resume the image and verify every page")
      .addOption(
        new Option("--image <share>", "share of usable frames the image kernel saves")
          .default(0.4, "40%")
          .argParser(share),
      )
      .addOption(
        new Option("--zero <share>", "share of saved pages that are all zero").default(0.05, "5%").argParser(share),
      )
      .addOption(
        new Option("--scenario <file>", "JSON scenario fixing machine, boot kernel, allocator order and image PFNs"),
      )
      .addOption(new Option("--keep <file>", "write the image there and keep it"))
      .addOption(new Option("--force", "replace an existing --keep or --map file"))
      .addOption(new Option("--map <file.svg>", "draw the restore map: what the restore did with every frame"))
      .addOption(
        new Option(
          "--placement-only",
          "no frame contents: same phases, bitmaps and PBE chain, machines up to 16 TiB (default image 0.5 %, allocator ascending)",
        ),
      ),
  );
  cmd.action((flags: SimulateFlags) =>
    runCommand(flags.json, async (progress) => {
      if (flags.keep) checkOutputPath(flags.keep, { option: "--keep", overwrite: flags.force ?? false });
      const map = flags.map ? mapOutput(flags.keep, flags) : undefined;
      if (flags.placementOnly) {
        const given = (name: string) => cmd.getOptionValueSource(name) === "cli";
        const result = await simulatePlacement({
          ...toMachine(flags),
          ...(!given("allocator") && { allocator: "ascending" }),
          image: given("image") ? flags.image : 0.005,
          zero: flags.zero,
          ...progress,
        });
        if (!result.ok) process.exitCode = 2;
        const v = result.verify;
        print(
          flags.json,
          {
            ok: result.ok,
            placementOnly: true,
            bitmap: result.bitmap,
            pageSize: result.pageSize,
            frames: result.frames,
            memoryBytes: result.memoryBytes,
            counts: result.counts,
            phases: result.phases.map((p) => ({ name: p.name, ms: Number(p.ms.toFixed(3)), pages: p.pages })),
            verify: v,
            peakRssBytes: process.resourceUsage().maxRSS * 1024,
          },
          () =>
            [
              describeMachine(result.machine.spec),
              `placement-only: no frame contents; bitmaps, safe_pages_list and the PBE chain live in a ${formatMiB(result.memoryBytes)} metadata arena`,
              "",
              phaseTable(result.phases),
              "",
              countsBlock(result.counts),
              "",
              `placement verified: ${v.pages}/${result.counts.imagePages} image pages placed once, ${v.pbes} + ${v.highmemPbes} PBEs walked, ${v.violations.length} violations`,
            ].join("\n"),
        );
        return;
      }
      const base: SimulateOptions = flags.scenario
        ? loadScenario(flags.scenario)
        : { ...toMachine(flags), suspend: { image: flags.image, zero: flags.zero } };
      const result = await simulate({
        ...base,
        ...(flags.keep && { suspend: { ...base.suspend, out: flags.keep, overwrite: flags.force ?? false } }),
        restorePblist: Boolean(flags.scenario),
        ...(flags.mode && { mode: flags.mode }),
        ...progress,
      });
      if (flags.map)
        writeSvg(
          flags.map,
          restoreMap(result.machine),
          "thaw simulate: restore map",
          result.machine.spec.pageSize,
          map,
        );
      const ok = verifyOk(result.verify, result.counts.imagePages);
      if (!ok) process.exitCode = 2;
      const json = resumeJson(result, {
        ok,
        memoryBytes: result.machine.memory.buffer.byteLength,
        suspend: { ...result.suspend, crc32: result.suspend.crc32.toString(16).padStart(8, "0") },
        ...(result.restorePblist && { restorePblist: result.restorePblist }),
      });
      const pblist = result.restorePblist
        ? [
            `  restore_pblist: ${result.restorePblist.map((p) => `${p.address}→${p.origAddress}`).join(", ") || "empty"}`,
          ]
        : [];
      print(flags.json, json, () =>
        resumeReport([describeMachine(result.machine.spec), describeSuspend(result.suspend)], result, pblist),
      );
    }),
  );
}
