/**
 * The fuzz worker: a long-lived thread that loads the corpus once, then plans, writes and judges the cases the
 * campaign sends it, one at a time, reporting each case before it runs (so that a hang can be blamed on it) and
 * after. Started with startWorker() (src/engine/worker.ts), which registers tsx first.
 *
 * Messages in: { type: "case", index }. Out: { type: "ready" }, { type: "start", … }, { type: "result", … }.
 */

import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import type { MachineOptions } from "../src/machine/config.js";
import type { ResumeMachineOptions } from "../src/resume.js";
import { type CasePlanner, planCase, sweepOf, writeCase } from "./cases.js";
import { loadCompressors } from "./compressors.js";
import { MachinePool, runCase } from "./oracle.js";
import type { WorkerInit, WorkerMessage } from "./protocol.js";
import { loadSeed, readCorpus } from "./seeds.js";

const init = workerData as WorkerInit;
const port = parentPort!;

async function start(): Promise<{ planner: CasePlanner; pool: MachinePool }> {
  const corpus = readCorpus(init.corpusDir);
  const chosen = corpus.seeds.filter((s) => !init.seeds || init.seeds.includes(s.name));
  const seeds = await Promise.all(chosen.map((s) => loadSeed(corpus.dir, s)));
  const pool = new MachinePool();
  const bootPfns = new Map<string, readonly number[]>();
  for (const seed of seeds)
    bootPfns.set(seed.info.name, Array.from((await pool.get(seed.info.machine, true)).bootPfns));
  const planner: CasePlanner = {
    seeds,
    sweep: sweepOf(seeds),
    campaignSeed: init.campaignSeed,
    sweepEvery: init.sweepEvery,
    compressors: await loadCompressors(),
    bootPfns,
  };
  return { planner, pool };
}

const ready = start();
const send = (message: WorkerMessage) => port.postMessage(message);

port.on("message", (message: { type: "case"; index: number }) => {
  void (async () => {
    const { planner, pool } = await ready;
    const planned = planCase(planner, message.index);
    const path = join(init.workDir, `case-${init.workerId}.img`);
    await writeCase(planned, path);
    const { seed, mutation, options } = planned;
    send({
      type: "start",
      index: message.index,
      seed: seed.info.name,
      mutation: mutation.name,
      detail: mutation.detail,
      options,
      path,
      sweep: planned.sweep,
    });
    const verdict = await runCase(
      path,
      {
        machine: seed.info.machine,
        resume: seed.info.resume ?? resumeOptionsOf(seed.info.machine),
        ...(seed.info.highmem && { highmem: seed.info.highmem }),
      },
      options,
      pool,
    );
    send({ type: "result", index: message.index, verdict });
  })().catch((error: unknown) => {
    send({
      type: "fatal",
      index: message.index,
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
  });
});

ready.then(
  ({ planner }) => send({ type: "ready", sweep: planner.sweep.length }),
  (error: unknown) =>
    send({
      type: "fatal",
      index: -1,
      message: `the worker could not start: ${(error as Error).message}`,
      stack: (error as Error).stack,
    }),
);

/** resumeOptionsOf - The boot kernel, allocator, bitmap and seed of @machine, for a machine built from a header. */
function resumeOptionsOf(machine: MachineOptions): ResumeMachineOptions {
  return {
    ...(machine.boot && { boot: machine.boot }),
    ...(machine.allocator && { allocator: machine.allocator }),
    ...(machine.bitmap && { bitmap: machine.bitmap }),
    ...(machine.seed !== undefined && { seed: machine.seed }),
  };
}
