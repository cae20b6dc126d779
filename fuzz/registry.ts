/**
 * Every mutator of the fuzzer, and the choice of one for a case: the common families (mutators.ts) and those of
 * Linux images only (linuxMutators.ts: 32-bit fields and count bombs).
 */
import { LINUX_MUTATORS } from "./linuxMutators.js";
import { MUTATORS, type Mutation, type MutationContext, type Mutator } from "./mutators.js";

/** Every mutator, with its share of the random cases. */
export const ALL_MUTATORS: readonly Mutator[] = [...MUTATORS, ...LINUX_MUTATORS];

/** mutate - One random mutation of @context's seed, from the mutators that apply to it. */
export function mutate(context: MutationContext): Mutation {
  const applicable = ALL_MUTATORS.filter((m) => m.applies(context.seed));
  const mutator = context.dice.weighted(applicable.map((m) => [m, m.weight] as const));
  return mutator.mutate(context);
}
