/**
 * Placement-only runs: the resume's phases, bitmaps, metadata and PBE chain on a machine whose frames have no
 * contents, so that machines of up to 2^32 - 1 PFNs (16 TiB at 4 KiB pages) can be simulated within wasm32's 4 GiB —
 * the size of the 2014 case (a 12 TB machine: resume 76 s with the block-list bitmap, 2.4 s with the radix tree).
 *
 * The image is drawn by the engine (src/image/drawn.ts: each usable frame saved with probability `image`), never
 * written to a file, and resumed by the same session as any image (src/resume.ts). There are no data pages to read,
 * copy or compare; what is checked instead: every image PFN gets exactly one home, the counts add up, and along both
 * PBE chains the originals are image PFNs in strictly descending order and the copies are frames outside the image.
 */
import { type DrawImageOptions, DrawnImageSource, maxDrawnPages } from "./image/drawn.js";
import type { MachineOptions } from "./machine/config.js";
import { resolveMachine } from "./machine/config.js";
import { type CreateMachineOptions, Machine } from "./machine/machine.js";
import type { ProgressListener } from "./progress.js";
import { type PbeEntry, type PhaseRecord, type ResumeCounts, ResumeSession } from "./resume.js";

/** A placement-only run. */
export interface PlacementOptions extends MachineOptions, DrawImageOptions {
  /** Also return restore_pblist in chain order. */
  restorePblist?: boolean;
  flavour?: CreateMachineOptions["flavour"];
  onProgress?: ProgressListener;
}

/** What a placement-only run checked. */
export interface PlacementVerify {
  /** Image PFNs placed: directPages + pbes + highmemPbes. */
  pages: number;
  /** PBEs walked along restore_pblist and highmem_pblist. */
  pbes: number;
  highmemPbes: number;
  /** PBEs breaking a rule (their original PFNs, at most MISMATCH_CAPACITY). */
  violations: number[];
}

/** The outcome of a placement-only run. */
export interface PlacementResult {
  ok: boolean;
  placementOnly: true;
  bitmap: string;
  pageSize: number;
  frames: number;
  counts: ResumeCounts;
  phases: PhaseRecord[];
  verify: PlacementVerify;
  /** Bytes of linear memory the run used (bitmaps, metadata arena). */
  memoryBytes: number;
  restorePblist?: PbeEntry[];
  machine: Machine;
}

/**
 * simulatePlacement - Draw an image on a placement-only machine and resume it with every phase.
 * @throws ConfigError for a machine that cannot be modelled, ResumeError when a phase fails.
 */
export async function simulatePlacement(options: PlacementOptions = {}): Promise<PlacementResult> {
  const machineOptions: MachineOptions = {
    boot: { profile: "scattered", share: 0.05 },
    allocator: "ascending",
    ...options,
  };
  const { frames } = resolveMachine(machineOptions);
  const machine = await Machine.create(machineOptions, {
    flavour: options.flavour,
    contents: "none",
    maxImagePages: maxDrawnPages(frames, options),
  });
  const source = DrawnImageSource.draw(machine, options);
  const session = await ResumeSession.open(source, {
    machine,
    ...(options.onProgress && { onProgress: options.onProgress }),
  });
  try {
    const result = session.run();
    const { counts } = result;
    const chains = result.verify!.chains!;
    const verify: PlacementVerify = {
      pages: result.verify!.pages,
      pbes: chains.pbes,
      highmemPbes: chains.highmemPbes,
      violations: chains.violations,
    };
    const ok =
      verify.violations.length === 0 &&
      verify.pages === source.entries &&
      verify.pbes === counts.pbes &&
      verify.highmemPbes === counts.highmemPbes &&
      counts.imagePages === source.entries;
    return {
      ok,
      placementOnly: true,
      bitmap: machine.spec.bitmap,
      pageSize: machine.spec.pageSize,
      frames: machine.spec.frames,
      counts,
      phases: result.phases,
      verify,
      memoryBytes: machine.arena.totalBytes,
      machine,
      ...(options.restorePblist && { restorePblist: session.restorePblist() }),
    };
  } finally {
    session.close();
  }
}
