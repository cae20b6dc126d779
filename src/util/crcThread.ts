/**
 * CrcThread - The kernel's crc32_le computed on a worker thread while the main thread goes on loading (§5.6: the
 * kernel runs a CRC thread beside its decompression threads). Jobs are (address, length) ranges of a shared memory,
 * checksummed in the order they are posted; the caller waits for a job before it overwrites that memory.
 *
 * ╒════ control (Int32 words) ════╕
 * │ POSTED  jobs posted           │ 0
 * │ DONE    jobs finished         │ 1
 * │ CRC     crc32_le so far       │ 2
 * │ EXIT    1 to stop             │ 3
 * │ jobs    Float64 (addr, len)×N │ JOBS_OFFSET
 * └───────────────────────────────┘
 */
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import { packageRoot } from "../wasm/engine.js";

const WORDS = { POSTED: 0, DONE: 1, CRC: 2, EXIT: 3, JOBS_OFFSET: 64 };
const SLOTS = 64;

/** CrcThread - A worker thread that chains crc32_le over the jobs posted to it, in order. */
export class CrcThread {
  private readonly ctl: Int32Array;
  private readonly jobs: Float64Array;
  private readonly worker: Worker;
  private posted = 0;

  private constructor(control: SharedArrayBuffer, worker: Worker) {
    this.ctl = new Int32Array(control);
    this.jobs = new Float64Array(control, WORDS.JOBS_OFFSET, SLOTS * 2);
    this.worker = worker;
  }

  /** start - A CRC thread over @memory, ready to take jobs. */
  static async start(memory: WebAssembly.Memory): Promise<CrcThread> {
    const control = new SharedArrayBuffer(WORDS.JOBS_OFFSET + SLOTS * 16);
    const worker = new Worker(join(packageRoot(), "src", "workers", "crcWorker.js"), { workerData: { data: memory.buffer, control, slots: SLOTS, words: WORDS } });
    await new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
    });
    worker.unref();
    return new CrcThread(control, worker);
  }

  /** post - Checksum @length bytes at @addr after every job posted before; returns the job's number. */
  post(addr: number, length: number): number {
    if (this.posted - Atomics.load(this.ctl, WORDS.DONE) >= SLOTS) this.waitFor(this.posted - SLOTS);
    const slot = this.posted % SLOTS;
    this.jobs[slot * 2] = addr;
    this.jobs[slot * 2 + 1] = length;
    this.posted++;
    Atomics.store(this.ctl, WORDS.POSTED, this.posted);
    Atomics.notify(this.ctl, WORDS.POSTED);
    return this.posted - 1;
  }

  /** waitFor - Block until job @job (and every job before it) is done. */
  waitFor(job: number): void {
    for (;;) {
      const done = Atomics.load(this.ctl, WORDS.DONE);
      if (done > job) return;
      Atomics.wait(this.ctl, WORDS.DONE, done);
    }
  }

  /** crc - crc32_le of everything posted, once it is all done. */
  crc(): number {
    this.waitFor(this.posted - 1);
    return Atomics.load(this.ctl, WORDS.CRC) >>> 0;
  }

  /** stop - End the thread (idempotent). */
  stop(): void {
    Atomics.store(this.ctl, WORDS.EXIT, 1);
    Atomics.store(this.ctl, WORDS.POSTED, this.posted + 1);
    Atomics.notify(this.ctl, WORDS.POSTED);
    void this.worker.terminate();
  }
}
