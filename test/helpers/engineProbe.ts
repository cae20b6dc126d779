/**
 * Observe a resume inside the engine, phase by phase, through the library (Machine, suspendMachine, ResumeSession)
 * and the engine's exported read-only calls: what the reference model (test/reference/model.ts) predicts must be
 * readable here. Nothing in src/ or assembly/ is changed; the readers below walk the engine's records in the machine's
 * linear memory using the offsets of assembly/portable/layout.ts.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as L from "../../assembly/portable/layout.js";
import { ResumeError } from "../../src/errors.js";
import { ENTRY_END } from "../../src/image/pfnEntry.js";
import type { MachineOptions } from "../../src/machine/config.js";
import { Machine } from "../../src/machine/machine.js";
import type { PhaseName } from "../../src/phaseNames.js";
import type { LoadMode, VerifyReport } from "../../src/phases/state.js";
import { type ResumeCounts, ResumeSession } from "../../src/resume.js";
import { suspendMachine } from "../../src/suspend.js";
import { crc32Le } from "../../src/util/crc32.js";

/** The allocator and page-state maps after a phase (the shape of the model's PhaseState). */
export interface EnginePhaseState {
  phase: PhaseName;
  inUse: number[];
  forbidden: number[] | null;
  free: number[] | null;
  safePagesList: number[];
}

/** A PBE record and the chain page that holds it. */
export interface EnginePbe {
  address: number;
  origAddress: number;
  chainPage: number;
}

/** A highmem_pbe record and the chain page that holds it. */
export interface EngineHighmemPbe {
  copyPage: number;
  origPage: number;
  chainPage: number;
}

/** What a resume did inside the engine. */
export interface EngineRun {
  outcome: { ok: true } | { ok: false; phase: string; code: string };
  counts: ResumeCounts;
  phases: EnginePhaseState[];
  restorePblist: EnginePbe[];
  highmemPblist: EngineHighmemPbe[];
  /** Image PFNs with their forbidden bit set right after loadImage. */
  ownedFrames: number[];
  /** Frames the allocator handed out since the resume's boot. */
  touched: number[];
  /** Page allocations attempted since the resume's boot. */
  allocations: number;
  /** The engine's own verification, when it ran. */
  verify: VerifyReport | undefined;
  /** Every frame's contents when the resume began (after the boot that ResumeSession.open does). */
  before: Uint8Array;
  machine: Machine;
  imagePath: string;
}

/** bitmapBits - The set bits of the bitmap whose descriptor is at CTX field @field, or null if it does not exist. */
export function bitmapBits(machine: Machine, field: number): number[] | null {
  const bm = machine.ctx(field);
  if (bm === 0) return null;
  const out: number[] = [];
  for (let pfn = 0; pfn < machine.spec.frames; pfn++) if (machine.engine.bmTestBit(bm, pfn)) out.push(pfn);
  return out;
}

/** safePagesList - safe_pages_list from its head: linked pages threaded through each frame's first 8 bytes. */
export function safePagesList(machine: Machine): number[] {
  const out: number[] = [];
  for (let addr = machine.ctx(L.CTX_SAFE_PAGES_LIST); addr !== 0; addr = machine.u64(addr + L.LINKED_PAGE_NEXT)) {
    out.push(machine.pfnOfVirt(addr));
    if (out.length > machine.spec.frames) throw new Error("safe_pages_list does not end");
  }
  return out;
}

/** restorePblist - restore_pblist from its head, by PFN, with the chain page holding each record. */
export function restorePblist(machine: Machine): EnginePbe[] {
  const out: EnginePbe[] = [];
  const { pageSize } = machine.spec;
  for (let pbe = machine.ctx(L.CTX_RESTORE_PBLIST); pbe !== 0; pbe = machine.u64(pbe + L.PBE_NEXT)) {
    out.push({
      address: machine.u64(pbe + L.PBE_ADDRESS) / pageSize,
      origAddress: machine.u64(pbe + L.PBE_ORIG_ADDRESS) / pageSize,
      chainPage: machine.pfnOfVirt(pbe),
    });
    if (out.length > machine.spec.frames) throw new Error("restore_pblist does not end");
  }
  return out;
}

/**
 * highmemPblist - highmem_pblist from its head. The engine stores copy_page and orig_page (a struct page * in the
 * kernel) as physical addresses, like a PBE's address fields.
 */
export function highmemPblist(machine: Machine): EngineHighmemPbe[] {
  const out: EngineHighmemPbe[] = [];
  const { pageSize } = machine.spec;
  for (let pbe = machine.ctx(L.CTX_HIGHMEM_PBLIST); pbe !== 0; pbe = machine.u64(pbe + L.HIGHMEM_PBE_NEXT)) {
    out.push({
      copyPage: machine.u64(pbe + L.HIGHMEM_PBE_COPY_PAGE) / pageSize,
      origPage: machine.u64(pbe + L.HIGHMEM_PBE_ORIG_PAGE) / pageSize,
      chainPage: machine.pfnOfVirt(pbe),
    });
    if (out.length > machine.spec.frames) throw new Error("highmem_pblist does not end");
  }
  return out;
}

function phaseState(machine: Machine, phase: PhaseName): EnginePhaseState {
  const inUse: number[] = [];
  for (let pfn = 0; pfn < machine.spec.frames; pfn++) if (machine.engine.frameIsUsed(pfn)) inUse.push(pfn);
  return {
    phase,
    inUse,
    forbidden: bitmapBits(machine, L.CTX_FORBIDDEN_PAGES_MAP),
    free: bitmapBits(machine, L.CTX_FREE_PAGES_MAP),
    safePagesList: safePagesList(machine),
  };
}

let counter = 0;

/**
 * shuffleMetadata - Put the PFN entries of the thaw image at @path in a seeded random order (the data pages stay in
 * ascending PFN order, as the kernel assigns them, kernel/power/snapshot.c: unpack_orig_pfns()), and recompute the
 * stream and header checksums.
 */
export function shuffleMetadata(path: string, seed: number): void {
  const file = readFileSync(path);
  const metaPages = Number(file.readBigUInt64LE(L.HDR_PAGES) - file.readBigUInt64LE(L.HDR_IMAGE_PAGES)) - 1;
  const pageSize = file.readUInt32LE(L.HDR_PAGE_SIZE);
  const list: bigint[] = [];
  for (let at = L.HDR_BLOCK_SIZE; at < L.HDR_BLOCK_SIZE + metaPages * pageSize; at += L.PFN_ENTRY_SIZE) {
    const entry = file.readBigUInt64LE(at);
    if (entry === ENTRY_END) break;
    list.push(entry);
  }
  let state = seed >>> 0 || 1;
  for (let i = list.length - 1; i > 0; i--) {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    const j = state % (i + 1);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  list.forEach((entry, i) => {
    file.writeBigUInt64LE(entry, L.HDR_BLOCK_SIZE + i * L.PFN_ENTRY_SIZE);
  });
  file.writeUInt32LE(crc32Le(file.subarray(L.HDR_BLOCK_SIZE)), L.HDR_CRC32);
  file.writeUInt32LE(0, L.HDR_HEADER_CRC32);
  file.writeUInt32LE(crc32Le(file.subarray(0, L.HDR_BLOCK_SIZE)), L.HDR_HEADER_CRC32);
  writeFileSync(path, file);
}

/** Options of probeResume(). */
export interface ProbeOptions {
  /** Fault injection: the k-th page allocation of the resume fails (0: none). */
  failAllocationAt?: number;
  /** Shuffle the image's PFN entries with this seed before resuming (0: keep them ascending). */
  shuffleMetadata?: number;
  /** How loadImage places pages (ResumeOptions.mode; the library's default when absent). */
  mode?: LoadMode;
  /** Checksum on a worker thread (ResumeOptions.crcThread; default false here: one thread per resume is slow). */
  crcThread?: boolean;
}

/**
 * probeResume - Build the machine of @options, suspend @image into a thaw image in @dir (kept for reading), resume it
 * phase by phase, and record the engine's state after every phase (and after the rollback of a failure). The verify
 * phase runs only for shuffled metadata (where the engine must sort its PFN list first).
 */
export async function probeResume(
  dir: string,
  options: MachineOptions,
  image: { pfns: readonly number[]; zeroPfns: readonly number[] },
  probe: ProbeOptions = {},
): Promise<EngineRun> {
  const machine = await Machine.create(options);
  const imagePath = join(dir, `probe-${process.pid}-${counter++}.thaw`);
  suspendMachine(machine, { out: imagePath, pfns: image.pfns, zeroPfns: image.zeroPfns });
  if (probe.shuffleMetadata) shuffleMetadata(imagePath, probe.shuffleMetadata);
  const session = await ResumeSession.open(imagePath, {
    machine,
    verify: Boolean(probe.shuffleMetadata),
    failAllocationAt: probe.failAllocationAt ?? 0,
    crcThread: probe.crcThread ?? false,
    ...(probe.mode && { mode: probe.mode }),
  });
  const { frames, pageSize } = machine.spec;
  const before = machine.bytes(machine.arena.framesBase, frames * pageSize).slice();
  const phases: EnginePhaseState[] = [];
  let ownedFrames: number[] = [];
  let outcome: EngineRun["outcome"] = { ok: true };
  while (session.nextPhase) {
    const phase = session.nextPhase;
    try {
      session.step();
    } catch (error) {
      if (!(error instanceof ResumeError)) throw error;
      outcome = { ok: false, phase: error.phase, code: error.code };
      phases.push(phaseState(machine, phase));
      break;
    }
    if (phase !== "verify") phases.push(phaseState(machine, phase));
    if (phase === "loadImage") {
      const forbidden = new Set(bitmapBits(machine, L.CTX_FORBIDDEN_PAGES_MAP));
      ownedFrames = image.pfns.filter((pfn) => forbidden.has(pfn)).sort((a, b) => a - b);
    }
  }
  session.close();
  const touched: number[] = [];
  for (let pfn = 0; pfn < frames; pfn++) if (machine.engine.frameTouched(pfn)) touched.push(pfn);
  return {
    outcome,
    counts: session.counts(),
    phases,
    restorePblist: restorePblist(machine),
    highmemPblist: highmemPblist(machine),
    ownedFrames,
    touched,
    allocations: machine.allocations(),
    verify: outcome.ok ? session.result().verify : undefined,
    before,
    machine,
    imagePath,
  };
}
