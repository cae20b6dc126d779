// The CRC thread (§5.6: the kernel checksums the stream on a thread of its own while loading goes on). It serves a
// ring of jobs — (address, length) in the shared memory it was given — in order, chaining the kernel's crc32_le
// through them, and publishes how many jobs it has finished and the CRC so far. Layout: src/util/crcThread.ts.
import { workerData, parentPort } from "node:worker_threads";
import { crc32 } from "node:zlib";

const { data, control, slots, words } = workerData;
const ctl = new Int32Array(control);
const jobs = new Float64Array(control, words.JOBS_OFFSET, slots * 2);
const bytes = new Uint8Array(data);
let crc = 0;
parentPort.postMessage("ready");
for (;;) {
  const posted = Atomics.load(ctl, words.POSTED);
  const done = Atomics.load(ctl, words.DONE);
  if (Atomics.load(ctl, words.EXIT)) break;
  if (done === posted) {
    Atomics.wait(ctl, words.POSTED, posted);
    continue;
  }
  const slot = done % slots;
  const addr = jobs[slot * 2];
  const length = jobs[slot * 2 + 1];
  if (length > 0) crc = (crc32(bytes.subarray(addr, addr + length), (crc ^ 0xffffffff) >>> 0) ^ 0xffffffff) >>> 0;
  Atomics.store(ctl, words.CRC, crc | 0);
  Atomics.store(ctl, words.DONE, done + 1);
  Atomics.notify(ctl, words.DONE);
}
