/**
 * Cases of a campaign: case i of seed S is a pure function of (S, i) and the corpus — which seed, which mutation,
 * how it is resumed — so that any case can be run again alone (`npm run fuzz -- --seed S --only i`).
 *
 * Every `sweepEvery`-th case takes the next step of a systematic sweep (every seed cut at every page boundary, in
 * order); the others are random mutations.
 */
import { writeFileSync } from "node:fs";
import { LinuxSwapSource } from "../src/image/linux/linuxImage.js";
import { createRandom } from "../src/util/random.js";
import type { Compressors } from "./linuxWriter.js";
import { Dice, type Mutation, truncate, truncationPoints } from "./mutators.js";
import type { CaseOptions } from "./oracle.js";
import { mutate } from "./registry.js";
import type { LoadedSeed } from "./seeds.js";

/** A planned case: its seed, its mutation and how it is resumed. */
export interface PlannedCase {
  index: number;
  seed: LoadedSeed;
  mutation: Mutation;
  options: CaseOptions;
  /** The case is a step of the truncation sweep. */
  sweep: boolean;
}

/** The loaded seeds of a campaign and its sweep. */
export interface CasePlanner {
  seeds: LoadedSeed[];
  /** (seed, length) steps of the truncation sweep, in order. */
  sweep: { seed: LoadedSeed; length: number }[];
  campaignSeed: number;
  sweepEvery: number;
  compressors: Compressors;
  /** The boot kernel's frames of each seed's machine, by seed name. */
  bootPfns: Map<string, readonly number[]>;
}

/** sweepOf - The truncation sweep over @seeds: every page boundary of each, seed after seed. */
export function sweepOf(seeds: readonly LoadedSeed[]): CasePlanner["sweep"] {
  return seeds.flatMap((seed) => truncationPoints(seed).map((length) => ({ seed, length })));
}

/** planCase - Case @index of @planner's campaign. */
export function planCase(planner: CasePlanner, index: number): PlannedCase {
  const dice = new Dice(createRandom(planner.campaignSeed, index + 1));
  const step =
    planner.sweepEvery > 0 && index % planner.sweepEvery === 0 ? planner.sweep[index / planner.sweepEvery] : undefined;
  const seed = step?.seed ?? dice.weighted(planner.seeds.map((s) => [s, s.info.weight] as const));
  const bootPfns = planner.bootPfns.get(seed.info.name);
  const mutation = step
    ? truncate(step.seed, step.length)
    : mutate({ seed, dice, compressors: planner.compressors, ...(bootPfns && { bootPfns }) });
  const linux = seed.info.kind === "linux";
  const options: CaseOptions = {
    target: dice.chance(linux ? 0.8 : 0.3) ? "header" : "seed",
    mode: dice.chance(0.3) ? "faithful" : "planned",
    crcThread: dice.chance(0.06),
    workers: linux && seed.info.encoding !== "none" && dice.chance(0.05) ? 1 : 0,
    inspect: dice.chance(0.1),
  };
  return { index, seed, mutation, options, sweep: step !== undefined };
}

/**
 * writeCase - Write @planned's image to @path; a mutation that asks for it gets the stored CRC of its (readable)
 * stream recomputed first, so that the error it leads to is not just the CRC.
 */
export async function writeCase(planned: PlannedCase, path: string): Promise<void> {
  writeFileSync(path, planned.mutation.image);
  if (!planned.mutation.resealLinuxCrc) return;
  const image = planned.mutation.image;
  let source: LinuxSwapSource | undefined;
  try {
    source = await LinuxSwapSource.open(path, { workers: 0 });
    const reader = source.stream();
    const buffer = new Uint8Array(32 * 4096);
    while (reader.read(buffer) > 0);
    if (reader.crc32 !== undefined && reader.position === source.pages - 1) {
      image.writeUInt32LE(reader.crc32 >>> 0, 4060);
      writeFileSync(path, image);
      planned.mutation.detail += `; stored CRC recomputed (${(reader.crc32 >>> 0).toString(16)})`;
    }
  } catch {
    planned.mutation.detail += "; stream unreadable, CRC left as it was";
  } finally {
    source?.close();
  }
}
