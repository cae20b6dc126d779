/**
 * Temporary files the process must not leave behind: each is removed when its owner lets go of it, and — if the
 * process exits or is interrupted first — on the way out (SIGINT, SIGTERM and SIGHUP still end the process, by the
 * same signal).
 */
import { rmSync } from "node:fs";

const live = new Set<string>();
let hooked = false;

function removeAll(): void {
  for (const path of live) rmSync(path, { force: true, recursive: true });
  live.clear();
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", removeAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      removeAll();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * trackTemp - Remove @path (a file or a folder) at exit unless released first; returns release(), which removes it
 * now (remove: true, the default) or only stops tracking it (remove: false, e.g. after renaming it into place).
 */
export function trackTemp(path: string): (options?: { remove?: boolean }) => void {
  hook();
  live.add(path);
  return ({ remove = true } = {}) => {
    live.delete(path);
    if (remove) rmSync(path, { force: true, recursive: true });
  };
}
