/**
 * thaw — a WebAssembly engine that restores hibernation images the way Linux swsusp does.
 *
 * Build a machine, suspend it to an image, resume an image into a machine (all at once or phase by phase), read
 * counts and phase timings, verify, and write the restored memory to a raw, ELF core or LiME file. Every name is
 * exported explicitly.
 */

export type { DumpInput, DumpOptions, DumpResult } from "./dump/dump.js";
export { checkDumpOutput, dumpMemory } from "./dump/dump.js";
export type { DumpFormat } from "./dump/format.js";
export { DUMP_FORMATS, formatOf } from "./dump/format.js";
export { BITMAP_STRATEGIES } from "./engine/strategies.js";
export type { ErrnoName, Offending } from "./errors.js";
export { ConfigError, ResumeError } from "./errors.js";
export type { HighmemOption } from "./image/linux/highmem.js";
export type { OpenImageOptions } from "./image/open.js";
export { openImage } from "./image/open.js";
export type { ImageFormat, ImageSource, StreamReader } from "./image/source.js";
export type { InspectOptions, InspectReport, PfnStats, Refusal } from "./inspect.js";
export { inspectImage } from "./inspect.js";
export type {
  AllocatorOrderName,
  AllocatorSpec,
  BitmapStrategy,
  BootProfileName,
  BootSpec,
  MachineOptions,
  MachineSpec,
  PfnRange,
} from "./machine/config.js";
export { MAX_FRAMES, resolveMachine } from "./machine/config.js";
export type { ArenaLayout, CreateMachineOptions } from "./machine/machine.js";
export { createMachine, Machine, NR_BITMAP_SLOTS, preloadEngine } from "./machine/machine.js";
export { checkOptions, MAX_WORKERS } from "./options.js";
export type { PhaseName } from "./phaseNames.js";
export { PHASES } from "./phaseNames.js";
export type { VerifyReport } from "./phases/state.js";
export type { ProgressEvent, ProgressListener } from "./progress.js";
export type {
  PbeEntry,
  PhaseRecord,
  ResumeCounts,
  ResumeMachineOptions,
  ResumeOptions,
  ResumeOutOptions,
  ResumeResult,
} from "./resume.js";
export { machineOf, ResumeSession, resumeImage } from "./resume.js";
export type { ScenarioJson } from "./scenario.js";
export { loadScenario, parseScenario } from "./scenario.js";
export type { SimulateOptions, SimulateResult } from "./simulate.js";
export { simulate } from "./simulate.js";
export type { SuspendOptions, SuspendResult } from "./suspend.js";
export { suspendMachine } from "./suspend.js";
export { crc32Le } from "./util/crc32.js";
