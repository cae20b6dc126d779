/**
 * Seeded randomness for the machine model (boot footprints, allocator orders, image contents). One seed gives the
 * same machine on every run; the generator is pure-rand's xoroshiro128+.
 */

import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** A seeded source of integers. */
export interface Random {
  /** int - A uniform integer in [@from, @to]. */
  int(from: number, to: number): number;
}

/**
 * createRandom - A generator for @seed; @stream separates independent uses of one seed (boot, allocator, image).
 */
export function createRandom(seed: number, stream = 0): Random {
  const rng = xoroshiro128plus(((seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0);
  return { int: (from, to) => uniformInt(rng, from, to) };
}

/** shuffleInPlace - Fisher–Yates shuffle of @array with @random. */
export function shuffleInPlace(array: Uint32Array, random: Random): Uint32Array {
  for (let i = array.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    const t = array[i]!;
    array[i] = array[j]!;
    array[j] = t;
  }
  return array;
}

/**
 * sample - @count distinct values of @population, chosen uniformly, returned in ascending order.
 */
export function sample(population: Uint32Array, count: number, random: Random): Uint32Array {
  const pool = Uint32Array.from(population);
  const n = Math.min(count, pool.length);
  for (let i = 0; i < n; i++) {
    const j = random.int(i, pool.length - 1);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.subarray(0, n).sort();
}
