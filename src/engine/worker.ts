/**
 * Worker threads of the host: each worker's module sits next to the code that starts it and is found with
 * new URL(…, import.meta.url). From dist/ that is a compiled .js file; from src/ (tests, tsx) it is a .ts file,
 * which Node cannot load by itself, so the worker first registers tsx (a development dependency) and then imports it.
 */
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * startWorker - Start the worker module @name (e.g. "./chunkWorker") beside the module whose URL is @base.
 * @base: import.meta.url of the caller.
 */
export function startWorker(name: string, base: string, options: WorkerOptions): Worker {
  if (base.endsWith(".ts")) {
    const url = new URL(`${name}.ts`, base).href;
    return new Worker(
      `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); })`,
      { ...options, eval: true },
    );
  }
  return new Worker(new URL(`${name}.js`, base), options);
}

/**
 * workerReady - Resolve once @worker posts its first message ("ready"), reject if it fails to start.
 */
export function workerReady(worker: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    worker.once("message", () => resolve());
    worker.once("error", reject);
  });
}
