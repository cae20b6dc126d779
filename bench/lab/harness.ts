/**
 * The lab's harness: every subject, thaw's and the peers', is timed the same way, as a tight standalone loop is
 * (standalone.ts): the case's function is called until it is warm (its loop optimised, its map's pages faulted in,
 * the batch in cache as it will be), then each sample is one call timed with hrtime. Each case is one subject's own
 * method looping over the whole batch, so the loop that is timed sees one map type only (monomorphic); the harness
 * adds one call per batch.
 */

/** How long to warm and to sample one case. */
export interface HarnessOptions {
  /** Warm-up: at least this many calls and this many ms. */
  warmCalls: number;
  warmMs: number;
  /** Samples: at least minSamples, then more while maxMs lasts, at most maxSamples. */
  minSamples: number;
  maxMs: number;
  maxSamples: number;
}

/** What one case measured, ns per op. */
export interface Timing {
  nsMin: number;
  nsMedian: number;
  samples: number;
  /** Relative margin of error of the mean at 95 %, in %. */
  rme: number;
}

/**
 * measure - Warm @fn, then time calls of it one by one; each call does @ops ops.
 * @throws whatever @fn throws.
 */
export function measure(fn: () => void, ops: number, options: HarnessOptions): Timing {
  const warmStart = performance.now();
  for (let calls = 0; calls < options.warmCalls || performance.now() - warmStart < options.warmMs; calls++) fn();
  const ns: number[] = [];
  const start = performance.now();
  while (
    ns.length < options.minSamples ||
    (ns.length < options.maxSamples && performance.now() - start < options.maxMs)
  ) {
    const t0 = process.hrtime.bigint();
    fn();
    ns.push(Number(process.hrtime.bigint() - t0) / ops);
  }
  const mean = ns.reduce((a, b) => a + b, 0) / ns.length;
  const sd = Math.sqrt(ns.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, ns.length - 1));
  const sorted = ns.sort((a, b) => a - b);
  return {
    nsMin: sorted[0]!,
    nsMedian: sorted[Math.floor(sorted.length / 2)]!,
    samples: sorted.length,
    rme: mean > 0 ? (196 * sd) / Math.sqrt(sorted.length) / mean : 0,
  };
}
