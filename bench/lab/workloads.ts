/**
 * The bitmap lab's workloads: the PRNG (the C baseline uses the same one) and the PFN batches and maps drawn from it.
 * Shared by the lab (bitmaps.ts) and its standalone cross-check (standalone.ts).
 */

/** xorshift32 - The lab's PRNG (the C baseline uses the same one). */
export function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** randomPfns - @n PFNs uniform in [0, pfns), as the C baseline draws them. */
export function randomPfns(n: number, pfns: number, seed: number): Uint32Array {
  const next = xorshift(seed);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor((next() * pfns) / 2 ** 32);
  return out;
}

/** clusteredPfns - Runs of 512 PFNs covering a quarter of [0, pfns), one run per slot of 2048, in random run order. */
export function clusteredPfns(pfns: number, seed: number, cap: number): Uint32Array {
  const run = 512;
  const slot = 4 * run;
  const runs = Math.max(1, Math.floor(pfns / slot));
  const order = new Uint32Array(runs);
  for (let i = 0; i < runs; i++) order[i] = i;
  const next = xorshift(seed);
  for (let i = runs - 1; i > 0; i--) {
    const j = next() % (i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const take = Math.min(runs, Math.max(1, Math.floor(cap / run)));
  const span = Math.min(run, pfns);
  const out = new Uint32Array(take * span);
  for (let r = 0; r < take; r++) {
    const slotStart = order[r]! * slot;
    const room = Math.min(slot, pfns - slotStart) - span;
    const start = slotStart + (room > 0 ? next() % (room + 1) : 0);
    for (let k = 0; k < span; k++) out[r * span + k] = start + k;
  }
  return out;
}

/** densityWords - A map of @pfns bits, each set with probability @density, as 32-bit words. */
export function densityWords(pfns: number, density: number, seed: number): Uint32Array {
  const words = new Uint32Array(Math.ceil(pfns / 32));
  const next = xorshift(seed);
  if (density === 0.25) {
    for (let i = 0; i < words.length; i++) words[i] = next() & next();
  } else {
    const logq = Math.log(1 - density);
    for (
      let p = Math.floor(Math.log((next() + 1) / 2 ** 32) / logq);
      p < pfns;
      p += 1 + Math.floor(Math.log((next() + 1) / 2 ** 32) / logq)
    ) {
      words[p >>> 5]! |= 1 << (p & 31);
    }
  }
  if (pfns % 32 !== 0) words[words.length - 1]! &= (1 << (pfns % 32)) - 1;
  return words;
}

export function popcount(words: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < words.length; i++) {
    let w = words[i]! - ((words[i]! >>> 1) & 0x55555555);
    w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
    n += (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}
