/**
 * The `thaw` command: parse flags (commander), call the library, print a table or one JSON object. Each command
 * lives in src/cli/commands/; failures set process.exitCode, and with --json print
 * { "ok": false, "error": { phase, code, message } } — commander's own errors (an unknown option, a missing argument,
 * a value its choices refuse) and the flag parsers' ConfigErrors included: with --json nothing goes to stderr.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { inspectCommand } from "./cli/commands/inspect.js";
import { resumeCommand } from "./cli/commands/resume.js";
import { simulateCommand } from "./cli/commands/simulate.js";
import { stressCommand } from "./cli/commands/stress.js";
import { suspendCommand } from "./cli/commands/suspend.js";
import { fail } from "./cli/output.js";
import { packageRoot } from "./engine/load.js";

const { version } = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string };

const json = process.argv.slice(2).includes("--json");

const program = new Command("thaw")
  .exitOverride()
  .configureOutput({
    writeErr: (text) => {
      if (!json) process.stderr.write(text);
    },
  })
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

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) process.exitCode = 0;
    else commanderFailure(error);
  } else fail(json, error);
}

/** commanderFailure - Commander refused the command line: with --json, one object on stdout; exit code 1 either way. */
function commanderFailure(error: CommanderError): void {
  process.exitCode = error.exitCode || 1;
  if (!json) return;
  const message = error.message.replace(/^error: /, "");
  const option = /option '([^' ]+)/.exec(message)?.[1] ?? /unknown option '([^']+)'/.exec(message)?.[1];
  process.stdout.write(
    `${JSON.stringify({
      ok: false,
      error: {
        phase: "config",
        code: "EINVAL",
        message,
        ...(option && { offending: { kind: "option", name: option, value: optionValue(message) } }),
      },
    })}\n`,
  );
}

/** optionValue - The value commander quotes in @message ("argument 'x' is invalid"), or "" when it quotes none. */
function optionValue(message: string): string {
  return /argument '([^']*)'/.exec(message)?.[1] ?? "";
}
