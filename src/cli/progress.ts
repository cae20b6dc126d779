/**
 * Progress bars for the terminal: one bar per long phase, on stderr, cleared when the phase ends. Nothing is drawn
 * when stderr is not a TTY or with --json. A phase gets a bar only once it has run for BAR_DELAY_MS.
 */
import cliProgress from "cli-progress";
import type { ProgressEvent, ProgressListener } from "../progress.js";

const BAR_DELAY_MS = 250;

/** A progress listener that draws bars, and `finish()` to clear the last one. */
export interface TerminalProgress {
  listener: ProgressListener | undefined;
  finish(): void;
}

/** terminalProgress - Bars when @enabled and stderr is a terminal; otherwise a listener that does nothing. */
export function terminalProgress(enabled: boolean): TerminalProgress {
  if (!enabled || !process.stderr.isTTY) return { listener: undefined, finish() {} };
  let phase: string | undefined;
  let since = 0;
  let bar: cliProgress.SingleBar | undefined;
  const finish = () => {
    bar?.stop();
    bar = undefined;
  };
  const listener = (event: ProgressEvent) => {
    if (event.phase !== phase) {
      finish();
      phase = event.phase;
      since = performance.now();
    }
    if (!bar && performance.now() - since >= BAR_DELAY_MS && event.done < event.total) {
      bar = new cliProgress.SingleBar(
        {
          format: `${event.phase.padEnd(16)} {bar} {percentage}% | {value}/{total} pages | ETA {eta_formatted}`,
          clearOnComplete: true,
          hideCursor: true,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(event.total, event.done);
    }
    bar?.update(event.done);
    if (event.done >= event.total) finish();
  };
  return { listener, finish };
}
