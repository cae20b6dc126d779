// The read-ahead thread: while the main thread places one batch of stream pages, this one reads the next batch from
// the image file into the other staging half and checksums it (crc32_le, §5.7), as the kernel reads asynchronously
// and checksums on a thread of its own. Jobs are served in order from a ring; plain JavaScript, so that it runs the
// same from src/ (tests) and from dist/ (the CLI). Layout: src/util/readAheadThread.ts.
import { workerData, parentPort } from "node:worker_threads";
import { openSync, readSync } from "node:fs";
import { crc32 } from "node:zlib";

const { data, control, slots, words, path, extents, pageSize, zeroFill } = workerData;
const ctl = new Int32Array(control);
const jobs = new Float64Array(control, words.JOBS_OFFSET, slots * 2);
const results = new Int32Array(control, words.RESULTS_OFFSET, slots);
const bytes = new Uint8Array(data);
const fd = openSync(path, "r");
let extent = 0;
let within = 0;
let crc = 0;

/** Read @length stream bytes into bytes[at…], following the extents; returns the bytes that exist. */
function readStream(at, length) {
  let done = 0;
  while (done < length && extent < extents.length / 2) {
    const offset = extents[extent * 2] + within;
    const left = extents[extent * 2 + 1] - within;
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

parentPort.postMessage("ready");
for (;;) {
  if (Atomics.load(ctl, words.EXIT)) break;
  const posted = Atomics.load(ctl, words.POSTED);
  const done = Atomics.load(ctl, words.DONE);
  if (done === posted) {
    Atomics.wait(ctl, words.POSTED, posted);
    continue;
  }
  const slot = done % slots;
  const at = jobs[slot * 2];
  const pages = jobs[slot * 2 + 1];
  const got = Math.floor(readStream(at, pages * pageSize) / pageSize);
  if (got > 0) crc = (crc32(bytes.subarray(at, at + got * pageSize), (crc ^ 0xffffffff) >>> 0) ^ 0xffffffff) >>> 0;
  results[slot] = got;
  Atomics.store(ctl, words.CRC, crc | 0);
  Atomics.store(ctl, words.DONE, done + 1);
  Atomics.notify(ctl, words.DONE);
}
