/**
 * A whole suspend → resume cycle on a simulated machine: the main job of `npm start`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MachineOptions } from "./machine/config.js";
import { type CreateMachineOptions, Machine } from "./machine/machine.js";
import { checkOptions } from "./options.js";
import type { LoadMode } from "./phases/state.js";
import type { ProgressListener } from "./progress.js";
import { type PbeEntry, type ResumeResult, ResumeSession } from "./resume.js";
import { type SuspendOptions, type SuspendResult, suspendMachine } from "./suspend.js";

/** A simulation: the machine, what its image kernel saves, and how the run is reported. */
export interface SimulateOptions extends MachineOptions {
  /** What the image kernel saves (shares or exact PFNs); `out` defaults to a temporary file removed afterwards. */
  suspend?: Omit<SuspendOptions, "out" | "onProgress"> & { out?: string };
  /** How loadImage places pages ("planned" default, or the kernel's "faithful" order). */
  mode?: LoadMode;
  /** Also return restore_pblist in chain order. */
  restorePblist?: boolean;
  flavour?: CreateMachineOptions["flavour"];
  onProgress?: ProgressListener;
}

/** The outcome of a simulation. */
export interface SimulateResult extends ResumeResult {
  suspend: SuspendResult;
  restorePblist?: PbeEntry[];
  /** The machine, as the resume left it. */
  machine: Machine;
}

/**
 * simulate - Build a machine, hibernate it to a thaw image, reboot it into the boot kernel's footprint, and resume
 * the image with every phase, ending with verification.
 * @throws ConfigError for a machine that cannot be modelled, ResumeError when the resume fails.
 */
export async function simulate(given: SimulateOptions = {}): Promise<SimulateResult> {
  const options = checkOptions(given, "simulate");
  const machine = await Machine.create(options, { flavour: options.flavour });
  const dir = options.suspend?.out ? undefined : mkdtempSync(join(tmpdir(), "thaw-"));
  const out = options.suspend?.out ?? join(dir!, "image.thaw");
  try {
    const suspended = suspendMachine(machine, { ...options.suspend, out, onProgress: options.onProgress });
    const session = await ResumeSession.open(out, {
      machine,
      onProgress: options.onProgress,
      ...(options.mode && { mode: options.mode }),
    });
    const result = session.run();
    return {
      ...result,
      suspend: suspended,
      machine,
      ...(options.restorePblist && { restorePblist: session.restorePblist() }),
    };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
