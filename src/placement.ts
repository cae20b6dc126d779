/**
 * Placement-only runs: the resume's phases, bitmaps, metadata and PBE chain on a machine whose frames have no
 * contents, so that machines of up to 2^32 - 1 PFNs (16 TiB at 4 KiB pages) can be simulated within wasm32's 4 GiB —
 * the size of the 2014 case (a 12 TB machine: resume 76 s with the block-list bitmap, 2.4 s with the radix tree).
 *
 * The image is drawn by the engine (each usable frame saved with probability `image`), never written to a file;
 * there are no data pages to read, copy or compare. What is checked instead: every image PFN gets exactly one home,
 * the counts add up, and along both PBE chains the originals are image PFNs in strictly descending order and the
 * copies are frames outside the image.
 */
import * as L from "../assembly/portable/layout.js";
import { ResumeError } from "./errors.js";
import type { MachineOptions } from "./machine/config.js";
import { resolveMachine } from "./machine/config.js";
import { type CreateMachineOptions, Machine } from "./machine/machine.js";
import { PHASES, type PhaseName } from "./phaseNames.js";
import { atomicCopy } from "./phases/atomicCopy.js";
import { planAll } from "./phases/loadImage.js";
import { prepareImage } from "./phases/prepareImage.js";
import { engineError } from "./phases/state.js";
import type { ProgressListener } from "./progress.js";
import type { PbeEntry, PhaseRecord, ResumeCounts } from "./resume.js";
import { parseShare } from "./util/units.js";

/** A placement-only run. */
export interface PlacementOptions extends MachineOptions {
  /** Share of usable frames the image saves (default 0.5 %). */
  image?: number | string;
  /** Share of saved pages that are zero pages (default 5 %). */
  zero?: number | string;
  /** Exact image PFNs (ascending) instead of drawn ones, and which of them are zero pages. */
  pfns?: readonly number[];
  zeroPfns?: readonly number[];
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

const ZERO_FLAG = 1n << 63n;

/**
 * simulatePlacement - Draw an image on a placement-only machine and run every resume phase over it.
 * @throws ConfigError for a machine that cannot be modelled, ResumeError when a phase fails.
 */
export async function simulatePlacement(options: PlacementOptions = {}): Promise<PlacementResult> {
  const share = parseShare(options.image ?? 0.005);
  const zeroShare = parseShare(options.zero ?? 0.05);
  const machineOptions: MachineOptions = {
    boot: { profile: "scattered", share: 0.05 },
    allocator: "ascending",
    ...options,
  };
  const { frames } = resolveMachine(machineOptions);
  const expected = options.pfns ? options.pfns.length : share * frames;
  const maxImagePages = Math.min(frames, Math.ceil(expected + 8 * Math.sqrt(expected) + 1024));
  const machine = await Machine.create(machineOptions, { flavour: options.flavour, placementOnly: { maxImagePages } });
  const { engine, arena, spec } = machine;
  const list = arena.pfnList;
  const phases: PhaseRecord[] = [];
  const run = (name: PhaseName, body: () => number) => {
    const t0 = performance.now();
    const pages = body();
    if (machine.ctx(L.CTX_META_OVERFLOW)) {
      throw new ResumeError(
        name,
        "ENOMEM",
        `the placement-only metadata arena is full (sized for ${maxImagePages} image pages)`,
        { kind: "pages", value: maxImagePages },
      );
    }
    phases.push({
      name,
      kernel: PHASES.find((p) => p.name === name)!.kernel,
      ms: performance.now() - t0,
      pages,
      bytes: 0,
    });
  };
  const state = { machine, onProgress: options.onProgress };
  const undo = () => {
    engine.swsuspFree();
    engine.freeBasicMemoryBitmaps();
  };

  let entries: number;
  if (options.pfns) {
    const zeros = new Set(options.zeroPfns ?? []);
    const pfns = Float64Array.from(new Set(options.pfns)).sort();
    const out = new BigUint64Array(machine.memory.buffer, list, pfns.length);
    pfns.forEach((pfn, i) => {
      out[i] = BigInt(pfn) | (zeros.has(pfn) ? ZERO_FLAG : 0n);
    });
    entries = pfns.length;
  } else entries = engine.drawImagePfns(list, maxImagePages, share, zeroShare, BigInt(spec.seed) + 0x1a6en);
  if (entries < 0)
    throw new ResumeError("checkHeader", "ENOMEM", `more than ${maxImagePages} image pages were drawn`, {
      kind: "pages",
      value: maxImagePages,
    });
  const perPage = spec.pageSize / L.PFN_ENTRY_SIZE;
  const metaPages = Math.max(1, Math.ceil(entries / perPage));
  const view = new BigUint64Array(machine.memory.buffer, list, metaPages * perPage);
  let zero = 0;
  for (let i = 0; i < entries; i++) if (view[i]! & ZERO_FLAG) zero++;
  if (entries < metaPages * perPage) view[entries] = 0xffffffffffffffffn;
  const dataPages = entries - zero;

  try {
    run("checkHeader", () => {
      let ret = engine.createBasicMemoryBitmaps();
      if (ret === 0) ret = engine.loadHeader(dataPages, metaPages);
      if (ret < 0)
        throw engineError(
          machine,
          "checkHeader",
          ret,
          () => `no memory for the basic bitmaps (${arena.bmCharge} frames each)`,
        );
      return 0;
    });
    run("unpackOrigPfns", () => {
      const ret = engine.unpackOrigPfns(list, metaPages, L.PFN_ENTRY_SIZE);
      if (ret < 0) throw engineError(machine, "unpackOrigPfns", ret, (o) => `PFN ${o?.value} cannot be restored`);
      return metaPages;
    });
    run("markUnsafePages", () => engine.markUnsafePages());
    run("prepareImage", () => {
      prepareImage(state);
      return machine.ctx(L.CTX_NR_PREALLOCATED);
    });
    run("loadImage", () => {
      const placed = planAll(state, 0);
      const ret = engine.snapshotWriteFinalize();
      if (ret < 0) throw engineError(machine, "loadImage", ret, () => "the PFN list and the data pages disagree");
      return placed;
    });
  } catch (error) {
    undo();
    throw error;
  }
  run("restoreHighmem", () => {
    const ret = engine.restoreHighmem();
    if (ret < 0) throw engineError(machine, "restoreHighmem", ret, () => "no safe page for the highmem swap buffer");
    return ret;
  });
  run("atomicCopy", () => atomicCopy(state));
  let verify: PlacementVerify | undefined;
  run("verify", () => {
    machine.setCtx(L.CTX_NR_MISMATCHES, 0);
    const bad = engine.verifyPlacement(list, entries);
    const shown = new Uint32Array(
      machine.memory.buffer,
      arena.mismatches,
      Math.min(bad, machine.ctx(L.CTX_MISMATCH_CAPACITY)),
    );
    verify = {
      pages: machine.ctx(L.CTX_NR_DIRECT) + machine.ctx(L.CTX_NR_PBES) + machine.ctx(L.CTX_NR_HIGHMEM_PBES),
      pbes: machine.ctx(L.CTX_NR_VERIFIED),
      highmemPbes: machine.ctx(L.CTX_SCRATCH),
      violations: Array.from(shown),
    };
    return entries;
  });
  const c = (field: number) => machine.ctx(field);
  const counts: ResumeCounts = {
    imagePages: c(L.CTX_NR_PFN_ENTRIES),
    zeroPages: c(L.CTX_NR_ZERO_PAGES),
    highmemPages: c(L.CTX_NR_IMAGE_HIGHMEM),
    ownedFrames: c(L.CTX_NR_OWNED),
    directPages: c(L.CTX_NR_DIRECT),
    safePages: c(L.CTX_NR_SAFE_PAGES),
    chainPages: c(L.CTX_NR_CHAIN_PAGES),
    pbes: c(L.CTX_NR_PBES),
    highmemPbes: c(L.CTX_NR_HIGHMEM_PBES),
    allocatedUnsafePages: c(L.CTX_ALLOCATED_UNSAFE_PAGES),
    bitmapPages: c(L.CTX_NR_BITMAP_PAGES),
  };
  const v = verify!;
  const ok =
    v.violations.length === 0 &&
    v.pages === entries &&
    v.pbes === counts.pbes &&
    v.highmemPbes === counts.highmemPbes &&
    counts.imagePages === entries;
  const result: PlacementResult = {
    ok,
    placementOnly: true,
    bitmap: spec.bitmap,
    pageSize: spec.pageSize,
    frames: spec.frames,
    counts,
    phases,
    verify: v,
    memoryBytes: arena.totalBytes,
    machine,
  };
  if (options.restorePblist) {
    result.restorePblist = [];
    for (let pbe = machine.ctx(L.CTX_RESTORE_PBLIST); pbe !== 0; pbe = machine.u64(pbe + L.PBE_NEXT)) {
      result.restorePblist.push({
        address: machine.u64(pbe + L.PBE_ADDRESS) / spec.pageSize,
        origAddress: machine.u64(pbe + L.PBE_ORIG_ADDRESS) / spec.pageSize,
      });
    }
  }
  return result;
}
