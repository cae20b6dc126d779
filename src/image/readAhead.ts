/**
 * ReadAheadThread - A worker thread that reads an image's stream from its file into the machine's memory ahead of
 * use and checksums it (crc32_le), so that reading and checksumming overlap the placing of pages — as the kernel reads
 * asynchronously and checksums on a thread of its own (kernel/power/swap.c: hib_submit_io(), crc32_threadfn()). Jobs
 * ("the next N stream pages, to this address") are served in order; as many may wait as the control block has room
 * for, so that the thread can run a long way ahead (src/phases/stage.ts posts a whole ring of batches at once).
 *
 * ╒════ control (Int32 words) ════╕
 * │ POSTED  jobs posted           │ 0
 * │ DONE    jobs finished         │ 1
 * │ CRC     crc32_le so far       │ 2
 * │ EXIT    1 to stop             │ 3
 * │ SLOTS   jobs it can hold      │ 4
 * │ jobs    Float64 (addr, pages) │ JOBS_OFFSET, SLOTS of them
 * │ results Int32 pages read      │ after the jobs
 * └───────────────────────────────┘
 */
import type { Worker } from "node:worker_threads";
import { holdMemory } from "../engine/memory.js";
import { startWorker, workerReady } from "../engine/worker.js";
import type { FileExtents } from "./source.js";

/** The control block's words (shared with readAheadWorker.ts). */
export const WORDS = { POSTED: 0, DONE: 1, CRC: 2, EXIT: 3, SLOTS: 4, JOBS_OFFSET: 64 } as const;

/** resultsOffset - Byte offset of the results in a control block of @slots jobs. */
export function resultsOffset(slots: number): number {
  return WORDS.JOBS_OFFSET + slots * 16;
}

/** What the worker is given. */
export interface ReadAheadWorkerData {
  data: SharedArrayBuffer;
  control: SharedArrayBuffer;
  path: string;
  extents: Float64Array;
  pageSize: number;
  zeroFill: boolean;
}

/** ReadAheadThread - See the file comment. */
export class ReadAheadThread {
  /** Jobs that may be posted and not yet waited for. */
  readonly slots: number;
  private readonly ctl: Int32Array;
  private readonly jobs: Float64Array;
  private readonly results: Int32Array;
  private readonly worker: Worker;
  private posted = 0;
  /** The memory the thread reads into: held out of the memory pool until the thread has exited. */
  private readonly memory: WebAssembly.Memory;
  private stopped = false;

  private constructor(control: SharedArrayBuffer, worker: Worker, slots: number, memory: WebAssembly.Memory) {
    this.slots = slots;
    this.memory = memory;
    this.ctl = new Int32Array(control);
    this.jobs = new Float64Array(control, WORDS.JOBS_OFFSET, slots * 2);
    this.results = new Int32Array(control, resultsOffset(slots), slots);
    this.worker = worker;
  }

  /**
   * start - A thread reading the stream stored at @file into @memory, from stream page 1 on, with room for @slots
   * jobs at a time.
   */
  static async start(
    memory: WebAssembly.Memory,
    file: FileExtents,
    pageSize: number,
    slots = 8,
  ): Promise<ReadAheadThread> {
    const control = new SharedArrayBuffer(resultsOffset(slots) + slots * 4);
    new Int32Array(control)[WORDS.SLOTS] = slots;
    const workerData: ReadAheadWorkerData = {
      data: memory.buffer as unknown as SharedArrayBuffer,
      control,
      path: file.path,
      extents: file.extents,
      pageSize,
      zeroFill: file.zeroFill,
    };
    const worker = startWorker("./readAheadWorker", import.meta.url, { workerData });
    await workerReady(worker);
    worker.unref();
    return new ReadAheadThread(control, worker, slots, memory);
  }

  /** post - Read the next @pages stream pages to @addr (after every job posted before); returns the job's number. */
  post(addr: number, pages: number): number {
    if (this.posted - Atomics.load(this.ctl, WORDS.DONE) >= this.slots) this.waitFor(this.posted - this.slots);
    const slot = this.posted % this.slots;
    this.jobs[slot * 2] = addr;
    this.jobs[slot * 2 + 1] = pages;
    this.posted++;
    Atomics.store(this.ctl, WORDS.POSTED, this.posted);
    Atomics.notify(this.ctl, WORDS.POSTED);
    return this.posted - 1;
  }

  /** waitFor - Block until job @job is done; returns the pages it read (fewer than asked at the end of the file). */
  waitFor(job: number): number {
    for (;;) {
      const done = Atomics.load(this.ctl, WORDS.DONE);
      if (done > job) return this.results[job % this.slots]!;
      Atomics.wait(this.ctl, WORDS.DONE, done);
    }
  }

  /** crc - crc32_le of everything read, once every job is done. */
  crc(): number {
    if (this.posted > 0) this.waitFor(this.posted - 1);
    return Atomics.load(this.ctl, WORDS.CRC) >>> 0;
  }

  /** stop - End the thread (idempotent). */
  stop(): void {
    Atomics.store(this.ctl, WORDS.EXIT, 1);
    Atomics.store(this.ctl, WORDS.POSTED, this.posted + 1);
    Atomics.notify(this.ctl, WORDS.POSTED);
    if (this.stopped) return;
    this.stopped = true;
    holdMemory(this.memory, this.worker.terminate());
  }
}
