import { EFAULT, ENOMEM } from "../../assembly/portable/errno.js";
import * as L from "../../assembly/portable/layout.js";
import { ResumeError } from "../errors.js";
import { hex32 } from "../util/crc32.js";
import { engineError, type ResumeState, readInto, readPages, stagingBatch, streamCrc } from "./state.js";

/** Runs of at least this many data pages bound for consecutive frames are read straight into the frames. */
export const DIRECT_RUN_PAGES = 8;

/**
 * loadImage - load_image(): every data page through snapshot_write_next()/get_buffer() (§4.2, §4.6–§4.8), then
 * snapshot_write_finalize() and the CRC check (§5.7).
 *
 * Every data page goes where the kernel would put it: into its owned original frame, or into a safe page with a PBE
 * prepended to restore_pblist, highmem pages into their frames, zero pages cleared without a stream page.
 * - `faithful`: the kernel's order, one get_buffer() per page as it arrives: pages are read into the staging region a
 *   batch at a time and placed by the engine one by one (highmem through the bounce page, copy_last_highmem_page).
 * - `planned` (thaw's): planImage() takes every get_buffer() decision first — the same allocations and PBEs in the same
 *   order — so that loading is a copy per page into a known place. With the read-ahead thread (a large stream stored
 *   uncompressed) batches are read and checksummed into one staging half while the pages of the other are placed;
 *   otherwise pages come through the reader, and a run of pages bound for consecutive frames is read (or decoded)
 *   straight into those frames with no copy at all.
 * A short read fails with -ENODATA naming the page; a CRC that differs from the header's fails with -ENODATA, as in
 * the kernel, before anything is committed.
 */
export function loadImage(state: ResumeState): void {
  const { machine, source } = state;
  if (state.mode === "planned") loadPlanned(state);
  else {
    const batch = stagingBatch(state);
    for (let done = 0; done < source.imagePages; ) {
      const count = Math.min(batch, source.imagePages - done);
      const view = readPages(
        state,
        "loadImage",
        count,
        "data page",
        done,
        source.imagePages,
        Math.min(batch, source.imagePages - done - count),
      );
      const ret = machine.engine.loadImagePages(view.byteOffset, count);
      if (ret < 0)
        throw engineError(machine, "loadImage", ret, () =>
          describe(ret, done + Number(machine.mem.ctx64(L.CTX_ERR_VALUE))),
        );
      done += count;
      state.onProgress?.({ phase: "loadImage", done, total: source.imagePages });
    }
  }
  const ret = machine.engine.snapshotWriteFinalize();
  if (ret < 0) throw engineError(machine, "loadImage", ret, () => describe(ret, source.imagePages));
  const crc = streamCrc(state);
  if (source.crc32 !== undefined && crc !== source.crc32) {
    throw new ResumeError(
      "loadImage",
      "ENODATA",
      `CRC32 mismatch: the header says ${hex32(source.crc32)}, the stream gives ${hex32(crc)}`,
      { kind: "field", name: "crc32", value: hex32(source.crc32) },
    );
  }
}

function loadPlanned(state: ResumeState): void {
  const { machine, source } = state;
  const { pageSize } = machine.spec;
  const planAddr = machine.arena.plan;
  const planned = planAll(state, planAddr);
  if (planned < source.imagePages) {
    throw new ResumeError(
      "loadImage",
      "ENODATA",
      `the PFN list gives homes to ${planned} data pages, the stream has ${source.imagePages}`,
      { kind: "pages", value: planned, limit: source.imagePages },
    );
  }
  const plan = new Uint32Array(machine.memory.buffer, planAddr, planned);
  const batch = stagingBatch(state);
  if (state.readAhead) {
    for (let done = 0; done < planned; ) {
      const count = Math.min(batch, planned - done);
      const view = readPages(
        state,
        "loadImage",
        count,
        "data page",
        done,
        source.imagePages,
        Math.min(batch, planned - done - count),
      );
      machine.engine.loadPlannedPages(planAddr, done, view.byteOffset, count);
      done += count;
      state.onProgress?.({ phase: "loadImage", done, total: source.imagePages });
    }
    return;
  }
  let staged = 0;
  let stagedFrom = 0;
  const flush = () => {
    if (staged === 0) return;
    const view = readPages(state, "loadImage", staged, "data page", stagedFrom, source.imagePages);
    machine.engine.loadPlannedPages(planAddr, stagedFrom, view.byteOffset, staged);
    staged = 0;
    state.onProgress?.({ phase: "loadImage", done: page, total: source.imagePages });
  };
  let page = 0;
  while (page < planned) {
    let run = 1;
    while (page + run < planned && plan[page + run] === plan[page]! + run * pageSize) run++;
    if (run >= DIRECT_RUN_PAGES) {
      flush();
      readInto(state, "loadImage", machine.bytes(plan[page]!, run * pageSize), "data page", page, source.imagePages);
      page += run;
    } else {
      for (let i = 0; i < run; i++) {
        if (staged === 0) stagedFrom = page;
        staged++;
        page++;
        if (staged === batch) flush();
      }
    }
  }
  flush();
}

/** Destinations planned per engine call, between progress reports. */
const PLAN_BATCH = 65536;

/**
 * planAll - planImage() until every image page has a home (bit 31 of CTX_PLANNED), reporting progress; @plan 0 takes
 * the decisions only (placement-only machines). Returns the data pages planned. @throws ResumeError (loadImage).
 */
export function planAll(state: Pick<ResumeState, "machine" | "onProgress">, plan: number): number {
  const { machine } = state;
  const total = machine.ctx(L.CTX_NR_COPY_PAGES);
  for (;;) {
    const ret = machine.engine.planImage(plan, PLAN_BATCH);
    if (ret < 0) throw engineError(machine, "loadImage", ret, () => describe(ret, machine.ctx(L.CTX_HANDLE_BUFFERS)));
    if (machine.ctx(L.CTX_PLANNED) & 0x80000000) return ret;
    state.onProgress?.({ phase: "loadImage", done: ret, total });
  }
}

function describe(ret: number, page: number): string {
  if (ret === -ENOMEM) return `out of memory placing data page ${page} (no safe page or chain page left)`;
  if (ret === -EFAULT) return `data page ${page} has no PFN left in orig_bm (the PFN list is shorter than the stream)`;
  return `the stream and the PFN list disagree at data page ${page}`;
}
