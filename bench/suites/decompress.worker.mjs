// A decompression worker of the benchmark (decompress.bench.ts): the release engine instantiated over the shared
// memory, decoding its share of the chunks on each "run" message, as one of the kernel's decompression threads does
// (linux-swsusp.md §5.6). Plain JavaScript: a .ts worker entry does not load under tsx.
//
// workerData: { module, memory, bindings (URL of build/release.js), algo, table, count, out, index, workers }
// table: count × { u32 src, u32 cmp_len, u32 unc_len, u32 pad } in the shared memory; this worker takes the chunks
// whose number is index modulo workers, each into its own UNC_SIZE buffer at out.
import { parentPort, workerData } from "node:worker_threads";

const { module, memory, bindings, algo, table, count, out, index, workers } = workerData;
const { instantiate } = await import(bindings);
const engine = await instantiate(module, { env: { memory } });
const decompress = algo === "lz4" ? engine.lz4DecompressSafe : engine.lzo1xDecompressSafe;
const UNC_SIZE = 131072;

parentPort.on("message", (passes) => {
  const view = new DataView(memory.buffer);
  let bytes = 0;
  let failed = -1;
  for (let p = 0; p < passes; p++) {
    for (let i = index; i < count; i += workers) {
      const rec = table + i * 16;
      const n = decompress(view.getUint32(rec, true), view.getUint32(rec + 4, true), out, UNC_SIZE);
      if (n !== view.getUint32(rec + 8, true)) failed = i;
      bytes += n;
    }
  }
  parentPort.postMessage({ bytes, failed });
});
parentPort.postMessage("ready");
