import * as L from "../../assembly/portable/layout.js";
import { ResumeError } from "../errors.js";
import { PLAN_BATCH } from "../machine/machine.js";
import { hex32 } from "../util/crc32.js";
import { engineError, type ResumeState } from "./state.js";

/** Runs of at least this many data pages bound for consecutive frames are read straight into the frames. */
export const DIRECT_RUN_PAGES = 8;

/**
 * loadImage - load_image() (kernel/power/swap.c): every data page through snapshot_write_next()/get_buffer()
 * (kernel/power/snapshot.c), then snapshot_write_finalize(), snapshot_image_loaded() and the CRC check.
 *
 * Every data page goes where the kernel would put it: into its owned original frame, or into a safe page with a PBE
 * prepended to restore_pblist, highmem pages into their frames, zero pages cleared without a stream page.
 * - `faithful`: the kernel's order, one get_buffer() per page as it arrives: pages are read into the staging region a
 *   batch at a time and placed by the engine one by one (highmem through the bounce page, copy_last_highmem_page).
 * - `planned` (thaw's): planImage() takes the get_buffer() decisions of a batch first — the same allocations and
 *   PBEs in the same order — so that loading is a copy per page into a known place. With the read-ahead thread (a
 *   large stream stored uncompressed) the next batch is read and checksummed into one staging half while the pages of
 *   the other are placed; otherwise pages come through the reader, and a run of pages bound for consecutive frames is
 *   read (or decoded) straight into those frames with no copy at all.
 * A machine without frame memory takes the same decisions: placement-only, it reads no data; with a contents store,
 * each batch goes to the store with the frames planned for it (src/machine/contentsStore.ts).
 * A short read fails with -ENODATA naming the page; a CRC that differs from the header's fails with -ENODATA, as in
 * the kernel, before anything is committed.
 */
export function loadImage(state: ResumeState): void {
  const { machine, source } = state;
  if (machine.contents === "none") planAll(state);
  else if (machine.contents === "store") loadIntoStore(state);
  else if (state.mode === "planned") loadPlanned(state);
  else loadFaithful(state);
  const ret = machine.engine.snapshotWriteFinalize();
  if (ret < 0) throw engineError(machine, "loadImage", ret, (o) => finalizeText(ret, o?.value, source.imagePages));
  if (machine.contents === "none") return;
  const crc = state.stage.crc32();
  if (source.crc32 !== undefined && crc !== source.crc32) {
    throw new ResumeError(
      "loadImage",
      "ENODATA",
      `CRC32 mismatch: the header says ${hex32(source.crc32)}, the stream gives ${hex32(crc)}`,
      { kind: "field", name: "crc32", value: hex32(source.crc32) },
    );
  }
}

function finalizeText(ret: number, value: number | string | undefined, dataPages: number): string {
  if (dataPages === 0) {
    return "the image holds no data page, only zero pages: snapshot_image_loaded() refuses it (nr_copy_pages is 0)";
  }
  return `the stream ends before every image page has its data (at image page ${value}; ${dataPages} data pages read)${ret ? "" : ""}`;
}

/** The label of data page batches, for errors. */
function dataPages(state: ResumeState, first: number) {
  return { phase: "loadImage" as const, what: "data page", first, total: state.source.imagePages };
}

/** loadFaithful - The kernel's order: staged batches placed one page at a time by loadImagePages(). */
function loadFaithful(state: ResumeState): void {
  const { machine, source } = state;
  const batch = state.stage.batch;
  for (let done = 0; done < source.imagePages; ) {
    const count = Math.min(batch, source.imagePages - done);
    const view = state.stage.take(count, dataPages(state, done));
    const ret = machine.engine.loadImagePages(view.byteOffset, count);
    if (ret < 0) throw engineError(machine, "loadImage", ret);
    done += count;
    state.onProgress?.({ phase: "loadImage", done, total: source.imagePages });
  }
}

/**
 * planBatch - planImage() for at most @max more data pages (and the zero pages met on the way); returns the data
 * pages planned by this call, their destination PFNs at arena.plan, and whether every image page has a home.
 */
function planBatch(state: Pick<ResumeState, "machine">, max: number, zeroPlan: number) {
  const { machine } = state;
  const before = machine.ctx(L.CTX_PLANNED) & 0x7fffffff;
  const ret = machine.engine.planImage(machine.arena.plan, Math.min(max, PLAN_BATCH), zeroPlan, PLAN_BATCH);
  if (ret < 0) throw engineError(machine, "loadImage", ret);
  return {
    count: ret - before,
    zeros: machine.ctx(L.CTX_PLAN_ZEROS),
    done: (machine.ctx(L.CTX_PLANNED) & 0x80000000) !== 0,
  };
}

/**
 * planAll - Every get_buffer() decision without data (a placement-only machine), reporting progress. Returns the data
 * pages planned. @throws ResumeError (loadImage).
 */
export function planAll(state: Pick<ResumeState, "machine" | "onProgress">): number {
  const { machine } = state;
  const total = machine.ctx(L.CTX_NR_COPY_PAGES);
  let planned = 0;
  for (;;) {
    const step = planBatch(state, PLAN_BATCH, 0);
    planned += step.count;
    if (step.done) return planned;
    state.onProgress?.({ phase: "loadImage", done: planned, total });
  }
}

/** noHome - The error for a stream with more data pages than the PFN list gives homes to. */
function noHome(planned: number, dataPages: number): ResumeError {
  return new ResumeError(
    "loadImage",
    "ENODATA",
    `the PFN list gives homes to ${planned} data pages, the stream has ${dataPages}`,
    { kind: "pages", value: planned, limit: dataPages },
  );
}

/**
 * loadPlanned - thaw's order on a machine with frame memory: a batch planned, then its pages copied from the staging
 * half to their frames (or read straight into runs of consecutive frames).
 */
function loadPlanned(state: ResumeState): void {
  const { machine, source } = state;
  const { pageSize } = machine.spec;
  const { plan, framesBase } = machine.arena;
  const batch = Math.min(state.stage.batch, PLAN_BATCH);
  const total = source.imagePages;
  let done = 0;
  for (;;) {
    const step = planBatch(state, Math.min(batch, Math.max(1, total - done)), 0);
    const count = Math.min(step.count, total - done);
    if (step.count > total - done) throw noHome(done + step.count, total);
    if (count > 0) {
      if (state.stage.readsAhead) {
        const view = state.stage.take(count, dataPages(state, done));
        machine.engine.loadPlannedPages(plan, view.byteOffset, count);
      } else {
        const dest = machine.mem.u32s(plan, count);
        copyRuns(state, dest, count, done, (first, run) =>
          state.stage.read(
            machine.bytes(framesBase + dest[first]! * pageSize, run * pageSize),
            dataPages(state, done + first),
          ),
        );
      }
      done += count;
      state.onProgress?.({ phase: "loadImage", done, total });
    }
    if (step.done) break;
  }
  if (done < total) throw noHome(done, total);
}

/**
 * copyRuns - Place the @count planned pages of one batch (destinations @dest, data pages @first… of the stream):
 * runs of DIRECT_RUN_PAGES or more consecutive frames through @direct (read straight into the frames), the rest
 * staged and copied by the engine.
 */
function copyRuns(
  state: ResumeState,
  dest: Uint32Array,
  count: number,
  first: number,
  direct: (index: number, run: number) => void,
): void {
  const { machine } = state;
  let staged = 0;
  let stagedFrom = 0;
  const flush = () => {
    if (staged === 0) return;
    const view = state.stage.take(staged, dataPages(state, first + stagedFrom));
    machine.engine.loadPlannedPages(machine.arena.plan + stagedFrom * 4, view.byteOffset, staged);
    staged = 0;
  };
  for (let page = 0; page < count; ) {
    let run = 1;
    while (page + run < count && dest[page + run] === dest[page]! + run) run++;
    if (run >= DIRECT_RUN_PAGES) {
      flush();
      direct(page, run);
      page += run;
      continue;
    }
    for (let i = 0; i < run; i++, page++) {
      if (staged === 0) stagedFrom = page;
      staged++;
    }
  }
  flush();
}

/**
 * loadIntoStore - A machine whose frames live in a contents store: each batch read into the staging half, planned
 * (its data pages, and the zero pages met on the way), and handed to the store with its frames; then the trailing
 * zero pages.
 */
function loadIntoStore(state: ResumeState): void {
  const { machine, source } = state;
  const store = state.store!;
  const { plan, zeroPlan } = machine.arena;
  const { pageSize } = machine.spec;
  const batch = Math.min(state.stage.batch, PLAN_BATCH);
  const total = source.imagePages;
  const step = (max: number) => {
    const s = planBatch(state, max, zeroPlan);
    store.zeroPages(machine.mem.u32s(zeroPlan, s.zeros), s.zeros);
    return s;
  };
  let finished = false;
  for (let done = 0; done < total; ) {
    const count = Math.min(batch, total - done);
    const view = state.stage.take(count, dataPages(state, done));
    for (let placed = 0; placed < count; ) {
      const s = step(count - placed);
      if (s.count === 0 && s.done) throw noHome(done + placed, total);
      store.putPages(view.subarray(placed * pageSize), machine.mem.u32s(plan, s.count), s.count);
      placed += s.count;
      finished = s.done;
    }
    done += count;
    state.onProgress?.({ phase: "loadImage", done, total });
  }
  while (!finished) {
    const s = step(1);
    if (s.count > 0) {
      const page = machine.ctx(L.CTX_HANDLE_BUFFERS) - 1;
      throw new ResumeError(
        "loadImage",
        "ENODATA",
        `the stream ends before every image page has its data (at image page ${page}; ${total} data pages read)`,
        { kind: "page", value: page },
      );
    }
    if (s.done) return;
  }
}
