/**
 * The `thaw` command: parse flags (commander), call the library, print a table or one JSON object. Each command
 * lives in src/cli/commands/; failures set process.exitCode, and with --json print
 * { "ok": false, "error": { phase, code, message } }.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { inspectCommand } from "./cli/commands/inspect.js";
import { resumeCommand } from "./cli/commands/resume.js";
import { simulateCommand } from "./cli/commands/simulate.js";
import { stressCommand } from "./cli/commands/stress.js";
import { suspendCommand } from "./cli/commands/suspend.js";
import { packageRoot } from "./engine/load.js";

const { version } = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string };

const program = new Command("thaw")
  .version(version)
  .description("Restore hibernation images the way Linux swsusp does: memory bitmaps, PBE chains, the atomic copy.")
  .addHelpText(
    "after",
    `
Examples:
  $ thaw simulate                                  1 GiB machine, 40 % image, full suspend/resume, verified
  $ thaw simulate --memory 4GiB --highmem none --bitmap rtree --json
  $ thaw simulate --scenario examples/worked-example.json
  $ thaw simulate --placement-only --memory 12TiB --bitmap rtree
  $ thaw suspend --out /tmp/x.thaw --memory 512MiB && thaw resume /tmp/x.thaw --map /tmp/restore.svg
  $ thaw inspect test/fixtures/linux-6.12/e-tiny-lzo/swap.img.gz
  $ thaw resume test/fixtures/linux-6.12/f-tiny-lz4/swap.img.gz --json
  $ thaw stress --quick`,
  );

simulateCommand(program);
suspendCommand(program);
resumeCommand(program);
inspectCommand(program);
stressCommand(program);

await program.parseAsync(process.argv);
