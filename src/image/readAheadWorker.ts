/**
 * The read-ahead thread: while the main thread places one batch of stream pages, this one reads the next batch from
 * the image file into the other staging half and checksums it (crc32_le), as the kernel reads asynchronously and
 * checksums on a thread of its own (kernel/power/swap.c: load_image_lzo(), crc32_threadfn()). Jobs are served in
 * order from a ring whose layout is readAhead.ts's.
 */

import { openSync, readSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { crc32Le } from "../util/crc32.js";
import { type ReadAheadWorkerData, resultsOffset, WORDS } from "./readAhead.js";

const { data, control, path, extents, pageSize, zeroFill } = workerData as ReadAheadWorkerData;
const ctl = new Int32Array(control);
const SLOTS = ctl[WORDS.SLOTS]!;
const jobs = new Float64Array(control, WORDS.JOBS_OFFSET, SLOTS * 2);
const results = new Int32Array(control, resultsOffset(SLOTS), SLOTS);
const bytes = new Uint8Array(data);
const fd = openSync(path, "r");
let extent = 0;
let within = 0;
let crc = 0;

/** readStream - Read @length stream bytes into bytes[@at…], following the extents; returns the bytes that exist. */
function readStream(at: number, length: number): number {
  let done = 0;
  while (done < length && extent < extents.length / 2) {
    const offset = extents[extent * 2]! + within;
    const left = extents[extent * 2 + 1]! - within;
    const want = Math.min(left, length - done);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, bytes, at + done + got, want - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    if (got < want) {
      if (!zeroFill) return done + got;
      bytes.fill(0, at + done + got, at + done + want);
    }
    done += want;
    within += want;
    if (within === extents[extent * 2 + 1]) {
      extent++;
      within = 0;
    }
  }
  return done;
}

parentPort!.postMessage("ready");
for (;;) {
  if (Atomics.load(ctl, WORDS.EXIT)) break;
  const posted = Atomics.load(ctl, WORDS.POSTED);
  const done = Atomics.load(ctl, WORDS.DONE);
  if (done === posted) {
    Atomics.wait(ctl, WORDS.POSTED, posted);
    continue;
  }
  const slot = done % SLOTS;
  const at = jobs[slot * 2]!;
  const pages = jobs[slot * 2 + 1]!;
  const got = Math.floor(readStream(at, pages * pageSize) / pageSize);
  if (got > 0) crc = crc32Le(bytes.subarray(at, at + got * pageSize), crc);
  results[slot] = got;
  Atomics.store(ctl, WORDS.CRC, crc | 0);
  Atomics.store(ctl, WORDS.DONE, done + 1);
  Atomics.notify(ctl, WORDS.DONE);
}
