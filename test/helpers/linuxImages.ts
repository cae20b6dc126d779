/**
 * Writing Linux swap areas for tests: fuzz/linuxWriter.ts with the compressors of the npm packages that wrap
 * liblzo2 (`lzo`) and the reference LZ4 block encoder (`lz4`) — never thaw's own decoders' twins.
 */
import { writeFileSync } from "node:fs";
import lz4 from "lz4";
import lzo from "lzo";
import { expect } from "vitest";
import { type Compressors, type LinuxImageSpec, writeLinuxImage as layOut } from "../../fuzz/linuxWriter.js";
import { ResumeError } from "../../src/errors.js";
import { type OpenImageOptions, openImage } from "../../src/image/open.js";
import { createMachine, type Machine } from "../../src/machine/machine.js";
import { machineOf } from "../../src/resume.js";
import { fileFingerprint } from "./images.js";
import { expectCleanFailure, resumeInto } from "./resume.js";

export type { LinuxImageSpec };

/** The reference compressors. */
export const COMPRESSORS: Compressors = {
  lzo: (input) => lzo.compress(Buffer.from(input.buffer, input.byteOffset, input.byteLength)),
  lz4: (input) => {
    const out = Buffer.alloc(lz4.encodeBound(input.length));
    const n = lz4.encodeBlock(Buffer.from(input.buffer, input.byteOffset, input.byteLength), out);
    return out.subarray(0, n);
  },
};

/** writeLinuxImage - Write the swap area described by @spec to @path; returns its layout (stream CRC, blocks…). */
export function writeLinuxImage(path: string, spec: LinuxImageSpec) {
  const { device, layout } = layOut(spec, COMPRESSORS);
  writeFileSync(path, device);
  return layout;
}

/**
 * openFails - Opening @path fails in @phase with @code and a message matching @message; the file is not written.
 */
export async function openFails(
  path: string,
  phase: string,
  code: string,
  message: RegExp,
  options: OpenImageOptions = {},
): Promise<ResumeError> {
  const before = fileFingerprint(path);
  const error = await openImage(path, options).then(
    (s) => {
      s.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ResumeError);
  expect({ phase: (error as ResumeError).phase, code: (error as ResumeError).code }).toEqual({ phase, code });
  expect((error as ResumeError).message).toMatch(message);
  expect(fileFingerprint(path)).toBe(before);
  return error as ResumeError;
}

/**
 * resumeFails - Opening, modelling the machine (which reads the PFN pages) or resuming fails in @phase with @code;
 * once a machine exists, it loses nothing (expectCleanFailure), and the file is never written.
 */
export async function resumeFails(
  path: string,
  phase: string,
  code: string,
  message: RegExp,
  options: OpenImageOptions = {},
): Promise<ResumeError> {
  const before = fileFingerprint(path);
  const source = await openImage(path, options);
  let machine: Machine;
  try {
    machine = await createMachine(machineOf(source));
  } catch (error) {
    expect(error).toBeInstanceOf(ResumeError);
    expect({
      phase: (error as ResumeError).phase,
      code: (error as ResumeError).code,
      message: (error as ResumeError).message,
    }).toMatchObject({ phase, code, message: expect.stringMatching(message) });
    expect(fileFingerprint(path)).toBe(before);
    return error as ResumeError;
  } finally {
    source.close();
  }
  const outcome = await resumeInto(machine, path, options);
  expectCleanFailure(outcome, phase, code, message);
  return outcome.error!;
}
