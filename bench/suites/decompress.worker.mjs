// A decompression worker of the benchmark (decompress.bench.ts): the release engine instantiated over the shared
// memory, decoding its share of the chunks on each "run" message, as one of the kernel's decompression threads does
// (kernel/power/swap.c: load_image_lzo()). Plain JavaScript: a .ts worker entry does not load under tsx.
//
// Each "run" answers with the bytes produced, the first failing chunk (-1: none) and the seconds this thread spent on
// a CPU meanwhile (from /proc/thread-self/schedstat), which time waiting for a CPU taken by other work leaves out.
//
// workerData: { module, memory, bindings (URL of build/release.js), algo, table, count, out, index, workers }
// table: count × { u32 src, u32 cmp_len, u32 unc_len, u32 pad } in the shared memory; this worker takes the chunks
// whose number is index modulo workers, each into its own UNC_SIZE buffer at out.
import { existsSync, readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";

const { module, memory, bindings, algo, table, count, out, index, workers, errRecord } = workerData;
const { instantiate } = await import(bindings);
const engine = await instantiate(module, { env: { memory } });
const decompress = algo === "lz4" ? engine.lz4DecompressSafe : engine.lzo1xDecompressSafe;
const UNC_SIZE = 131072;
const SCHEDSTAT = "/proc/thread-self/schedstat";

/** This thread's time on a CPU so far, in ns (Linux schedstat), or null where the kernel does not say. */
const onCpuNs = () => (existsSync(SCHEDSTAT) ? Number(readFileSync(SCHEDSTAT, "utf8").split(" ")[0]) : null);

parentPort.on("message", (passes) => {
  const view = new DataView(memory.buffer);
  let bytes = 0;
  let failed = -1;
  const cpu0 = onCpuNs();
  for (let p = 0; p < passes; p++) {
    for (let i = index; i < count; i += workers) {
      const rec = table + i * 16;
      const n = decompress(view.getUint32(rec, true), view.getUint32(rec + 4, true), out, UNC_SIZE, errRecord);
      if (n !== view.getUint32(rec + 8, true)) failed = i;
      bytes += n;
    }
  }
  const cpu1 = onCpuNs();
  parentPort.postMessage({ bytes, failed, cpuSeconds: cpu0 === null || cpu1 === null ? null : (cpu1 - cpu0) / 1e9 });
});
parentPort.postMessage("ready");
