/**
 * thaw — a WebAssembly engine that restores hibernation images the way Linux swsusp does.
 *
 * Build a machine, suspend it to an image, resume an image into a machine (all at once or phase by phase), read
 * counts and phase timings, verify. Every name is exported explicitly.
 */
export { createMachine, Machine, preloadEngine, NR_BITMAP_SLOTS } from "./machine/machine.js";
export type { ArenaLayout, CreateMachineOptions } from "./machine/machine.js";
export { resolveMachine, BITMAP_STRATEGIES, MAX_FRAMES } from "./machine/config.js";
export type {
  MachineOptions, MachineSpec, PfnRange, BootSpec, BootProfileName, AllocatorSpec, AllocatorOrderName, BitmapStrategy,
} from "./machine/config.js";

export { suspendMachine } from "./suspend.js";
export type { SuspendOptions, SuspendResult } from "./suspend.js";

export { ResumeSession, resumeImage, machineOf } from "./resume.js";
export type { ResumeOptions, ResumeMachineOptions, ResumeResult, ResumeCounts, PhaseRecord, PbeEntry } from "./resume.js";
export type { VerifyReport } from "./phases/state.js";
export { PHASES } from "./phaseNames.js";
export type { PhaseName } from "./phaseNames.js";

export { simulate } from "./simulate.js";
export type { SimulateOptions, SimulateResult } from "./simulate.js";
export { parseScenario, loadScenario } from "./scenario.js";
export type { ScenarioJson } from "./scenario.js";

export { openImage } from "./image/open.js";
export type { ImageSource, StreamReader, ImageFormat } from "./image/source.js";
export { inspectImage } from "./inspect.js";
export type { InspectReport, PfnStats } from "./inspect.js";

export { ResumeError, ConfigError } from "./errors.js";
export type { ErrnoName, Offending } from "./errors.js";
export type { ProgressEvent, ProgressListener } from "./progress.js";
export { crc32Le } from "./util/crc32.js";
