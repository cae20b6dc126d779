/**
 * What a failed resume must leave as it found (kernel/power/hibernate.c: load_image_and_restore()), read from the
 * machine and the file: the boot kernel's frames, every frame the restore never took, the allocator's free counts, the
 * bitmaps and restore_pblist, and the image.
 */
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import * as L from "../assembly/portable/layout.js";
import type { Machine } from "../src/machine/machine.js";

/** bootDigest - sha256 of every boot-kernel frame of @machine, in PFN order. */
export function bootDigest(machine: Machine): string {
  const hash = createHash("sha256");
  for (const pfn of machine.bootPfns) hash.update(machine.frame(pfn));
  return hash.digest("hex");
}

/** What must be back to its boot value after a failed resume. */
export interface RollbackState {
  /** Lowmem and HighMem free frames now, less at boot. */
  freeLow: number;
  freeHigh: number;
  /** Frames the restore never handed out whose contents changed since boot. */
  untouchedChanged: number;
  /** Bitmaps (forbidden, free, copy, zero, orig, safe highmem) still alive. */
  bitmapsAlive: number;
  /** restore_pblist's head (0: empty). */
  restorePblist: number;
}

/** rollbackState - @machine's rollback evidence; all zero when a failed resume lost nothing. */
export function rollbackState(machine: Machine): RollbackState {
  machine.setCtx(L.CTX_NR_MISMATCHES, 0);
  const changed = machine.engine.verifyUntouchedFrames(machine.arena.pfnList, 0, 1);
  return {
    freeLow: machine.ctx(L.CTX_NR_FREE_LOW) - machine.ctx(L.CTX_START_FREE_LOW),
    freeHigh: machine.ctx(L.CTX_NR_FREE_HIGH) - machine.ctx(L.CTX_START_FREE_HIGH),
    untouchedChanged: changed,
    bitmapsAlive: [
      L.CTX_FORBIDDEN_PAGES_MAP,
      L.CTX_FREE_PAGES_MAP,
      L.CTX_COPY_BM,
      L.CTX_ZERO_BM,
      L.CTX_ORIG_BM,
      L.CTX_SAFE_HIGHMEM_BM,
    ].filter((field) => machine.ctx(field) !== 0).length,
    restorePblist: machine.ctx(L.CTX_RESTORE_PBLIST),
  };
}

/** fileFingerprint - Size, mtime and sha256 of the file at @path: equal before and after means it was not written. */
export function fileFingerprint(path: string): string {
  const fd = openSync(path, "r");
  try {
    const { size, mtimeMs } = fstatSync(fd);
    const hash = createHash("sha256");
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (let at = 0; at < size; ) {
      const n = readSync(fd, buffer, 0, buffer.length, at);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      at += n;
    }
    return `${size}:${mtimeMs}:${hash.digest("hex")}`;
  } finally {
    closeSync(fd);
  }
}
