/**
 * The bitmap lab's cross-check: a plain JS Uint32Array bitmap timed in a tight loop with nothing around it: no
 * subjects, no harness, no other maps in memory. The lab's figures for its "JS Uint32Array bitmap" peer must agree
 * with these within ~20 % (bitmaps.ts runs this in the same process and records both); when they do not, the lab's
 * harness, not the peer, is what is measured.
 *
 * `npx tsx bench/lab/standalone.ts [PFNS] [BATCH] [SAMPLES] [SEED]` prints one JSON line per operation (the lab runs it
 * so, in a process of its own, with its own batch and seed).
 */
import { randomPfns } from "./workloads.js";

/** Figures of one operation, ns per PFN. */
export interface StandaloneFigure {
  op: "set" | "test";
  nsMin: number;
  nsMedian: number;
}

function setAll(words: Uint32Array, pfns: Uint32Array): void {
  for (let i = 0; i < pfns.length; i++) {
    const p = pfns[i]!;
    words[p >>> 5]! |= 1 << (p & 31);
  }
}

function testAll(words: Uint32Array, pfns: Uint32Array): number {
  let hits = 0;
  for (let i = 0; i < pfns.length; i++) {
    const p = pfns[i]!;
    hits += (words[p >>> 5]! >>> (p & 31)) & 1;
  }
  return hits;
}

/**
 * runStandalone - Time set and test of the lab's random batch (randomPfns(@batch, @pfns, @seed)) on a fresh
 * Uint32Array of @pfns bits: @samples timed calls each after as many warm-up calls.
 */
export function runStandalone(pfns: number, batch: number, samples: number, seed: number): StandaloneFigure[] {
  const words = new Uint32Array(Math.ceil(pfns / 32));
  const batchPfns = randomPfns(Math.min(batch, pfns), pfns, seed);
  let sink = 0;
  const time = (op: "set" | "test", fn: () => void): StandaloneFigure => {
    for (let i = 0; i < samples; i++) fn();
    const ns: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = process.hrtime.bigint();
      fn();
      ns.push(Number(process.hrtime.bigint() - t0) / batchPfns.length);
    }
    ns.sort((a, b) => a - b);
    return { op, nsMin: ns[0]!, nsMedian: ns[Math.floor(ns.length / 2)]! };
  };
  const set = time("set", () => setAll(words, batchPfns));
  const test = time("test", () => {
    sink += testAll(words, batchPfns);
  });
  if (sink === 0.5) throw new Error("unreachable: keeps the test results alive");
  return [set, test];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [pfns = 32 * 2 ** 20, batch = 2 ** 20, samples = 11, seed = 0x9e3779b9 ^ pfns] = process.argv
    .slice(2)
    .map(Number);
  for (const f of runStandalone(pfns, batch, samples, seed)) console.log(JSON.stringify(f));
}
