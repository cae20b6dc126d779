// A decompression worker (§5.6: the kernel runs up to three, plus a CRC thread). It instantiates the engine's
// compiled module over the pool's shared memory and serves one slot: wait for WORK, decompress the chunk in the
// slot's input into its output with thaw's own decoder, checksum the output (crc32_le), report DONE. Plain
// JavaScript, so that it runs the same from src/ (tests) and from dist/ (the CLI). Layout: src/linux/chunkPool.ts.
import { workerData, parentPort } from "node:worker_threads";
import { crc32 } from "node:zlib";

const { module, memory, bindings, control, input, output, outputBytes, words, ctxDecomp } = workerData;
const { instantiate } = await import(bindings);
const engine = await instantiate(module, { env: { memory } });
const ctl = new Int32Array(memory.buffer, control, words.COUNT);
const ctx = new Uint32Array(memory.buffer, ctxDecomp, 3);
parentPort.postMessage("ready");

for (;;) {
  const state = Atomics.load(ctl, words.STATE);
  if (state === words.EXIT) break;
  if (state !== words.WORK) {
    Atomics.wait(ctl, words.STATE, state);
    continue;
  }
  const cmpLen = ctl[words.CMP_LEN];
  const src = input + 8;
  const ret = ctl[words.ALGO] === 1
    ? engine.lz4DecompressSafe(src, cmpLen, output, outputBytes)
    : engine.lzo1xDecompressSafe(src, cmpLen, output, outputBytes);
  ctl[words.RESULT] = ret;
  if (ret < 0) {
    ctl[words.ERR_POS] = ctx[0];
    ctl[words.ERR_VALUE] = ctx[2];
  } else {
    const view = new Uint8Array(memory.buffer, output, ret);
    ctl[words.CRC] = ret === 0 ? 0 : (crc32(view, 0xffffffff) ^ 0xffffffff) | 0;
  }
  Atomics.compareExchange(ctl, words.STATE, words.WORK, words.DONE);
  Atomics.notify(ctl, words.STATE);
}
