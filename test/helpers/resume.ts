/**
 * Resume a raw (possibly hostile) image into a small machine and report what happened and what was left behind.
 */
import { join } from "node:path";
import { expect } from "vitest";
import { ResumeError } from "../../src/errors.js";
import type { MachineOptions } from "../../src/machine/config.js";
import { createMachine, type Machine } from "../../src/machine/machine.js";
import { type ResumeOptions, ResumeSession } from "../../src/resume.js";
import { fileFingerprint, type RawImage, writeThawImage } from "./images.js";
import { bootDigest, CLEAN, rollbackState } from "./machine.js";

let counter = 0;

/** A small machine: 256 frames of 4 KiB, no HighMem, boot kernel in frames 0–63. */
export const SMALL: MachineOptions = {
  frames: 256,
  pageSize: 4096,
  highmem: false,
  holes: [],
  nosave: [],
  boot: { pfns: Array.from({ length: 64 }, (_, i) => i) },
  allocator: "ascending",
};

/**
 * resumeRaw - Write @image into @dir, resume it into a fresh machine of @machineOptions, and return the error (if
 * any), the machine, and whether the machine and the file are as they were.
 */
export async function resumeRaw(dir: string, image: RawImage, machineOptions: MachineOptions = SMALL) {
  const path = join(dir, `raw-${counter++}.thaw`);
  writeThawImage(path, image);
  const machine = await createMachine({
    ...machineOptions,
    frames: machineOptions.frames ?? image.frames,
    pageSize: machineOptions.pageSize ?? image.pageSize,
  });
  return resumeInto(machine, path);
}

/** resumeInto - Resume @path into @machine (opened with @options); return the error and the rollback evidence. */
export async function resumeInto(machine: Machine, path: string, options: Omit<ResumeOptions, "machine"> = {}) {
  const fingerprint = fileFingerprint(path);
  let error: ResumeError | undefined;
  let session: ResumeSession | undefined;
  let bootBefore = "";
  try {
    session = await ResumeSession.open(path, { ...options, machine });
    bootBefore = bootDigest(machine);
    session.run();
  } catch (e) {
    if (!(e instanceof ResumeError)) throw e;
    error = e;
  }
  return {
    error,
    machine,
    session,
    path,
    fileUnchanged: fingerprint === fileFingerprint(path),
    bootUnchanged: bootBefore === "" || bootBefore === bootDigest(machine),
  };
}

/**
 * expectCleanFailure - The resume failed in @phase with @code, and nothing was lost: every frame the restore took
 * is free again, no bitmap is alive, the boot kernel's frames and every frame nobody took are as they were at boot,
 * and the image file was not written.
 */
export function expectCleanFailure(
  outcome: Awaited<ReturnType<typeof resumeInto>>,
  phase: string,
  code: string,
  message?: RegExp,
) {
  expect(outcome.error, "the resume should have failed").toBeInstanceOf(ResumeError);
  expect({ phase: outcome.error!.phase, code: outcome.error!.code }).toEqual({ phase, code });
  if (message) expect(outcome.error!.message).toMatch(message);
  expect(rollbackState(outcome.machine)).toEqual(CLEAN);
  expect(outcome.bootUnchanged).toBe(true);
  expect(outcome.fileUnchanged).toBe(true);
}
