/**
 * A decompression worker (kernel/power/swap.c: lzo_decompress_threadfn(); the kernel runs up to three, and a CRC
 * thread). It instantiates the engine's compiled module over the pool's shared memory and serves one slot: wait for
 * WORK, decompress the chunk in the slot's input into its output with thaw's own decoder, checksum the output
 * (crc32_le), report DONE. The slot layout is chunkPool.ts's.
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
const ctl = new Int32Array(data.memory.buffer, data.slot, SLOT.WORDS);
parentPort!.postMessage("ready");

for (;;) {
  const state = Atomics.load(ctl, SLOT.STATE);
  if (state === SLOT.EXIT) break;
  if (state !== SLOT.WORK) {
    Atomics.wait(ctl, SLOT.STATE, state);
    continue;
  }
  decompressSlot(engine, data.memory, data.slot, crc32Le);
  Atomics.compareExchange(ctl, SLOT.STATE, SLOT.WORK, SLOT.DONE);
  Atomics.notify(ctl, SLOT.STATE);
}
