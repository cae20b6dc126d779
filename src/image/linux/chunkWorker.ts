/**
 * A decompression worker (kernel/power/swap.c: lzo_decompress_threadfn(); the kernel runs up to three, and a CRC
 * thread). It instantiates the engine's compiled module over the pool's shared memory and serves its slots: sleep on
 * its doorbell until one holds WORK, decompress the oldest such chunk into the slot's output with thaw's own decoder,
 * checksum the output (crc32_le), report DONE. The slot layout is chunkSlot.ts's.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type Flavour, instantiateModule } from "../../engine/load.js";
import { crc32Le } from "../../util/crc32.js";
import { type ChunkWorkerData, decompressSlot, SLOT } from "./chunkSlot.js";

const data = workerData as ChunkWorkerData & {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  flavour: Flavour;
};
const engine = await instantiateModule(data.module, data.memory, data.flavour);
const ctls = data.slots.map((at) => new Int32Array(data.memory.buffer, at, SLOT.WORDS));
const bell = ctls[0]!;
parentPort!.postMessage("ready");

for (;;) {
  const rung = Atomics.load(bell, SLOT.BELL);
  let exit = false;
  let next: Int32Array | undefined;
  for (const ctl of ctls) {
    const state = Atomics.load(ctl, SLOT.STATE);
    if (state === SLOT.EXIT) exit = true;
    else if (state === SLOT.WORK && (!next || ctl[SLOT.SEQ]! - next[SLOT.SEQ]! < 0)) next = ctl;
  }
  if (exit) break;
  if (!next) {
    Atomics.wait(bell, SLOT.BELL, rung);
    continue;
  }
  decompressSlot(engine, data.memory, next.byteOffset, crc32Le);
  Atomics.compareExchange(next, SLOT.STATE, SLOT.WORK, SLOT.DONE);
  Atomics.notify(next, SLOT.STATE);
}
