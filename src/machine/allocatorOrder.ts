/**
 * The page allocator's orders. The engine's allocator (assembly/machine/allocator.ts) hands out, for each allocation
 * class, the first free frame in its order at or after a cursor; this file lays those orders out.
 */

import { ConfigError } from "../errors.js";
import { createRandom, shuffleInPlace } from "../util/random.js";
import type { AllocatorSpec, MachineSpec } from "./config.js";

/** MAX_PAGE_ORDER of the buddy allocator: blocks of up to 2^10 frames. */
const MAX_ORDER = 10;

/** The order of one allocation class: lowmem is [0, highmem start), HighMem is [highmem start, frames). */
export interface AllocatorOrders {
  low: Uint32Array;
  high: Uint32Array;
}

function range(from: number, to: number): Uint32Array {
  const out = new Uint32Array(to - from);
  for (let i = 0; i < out.length; i++) out[i] = from + i;
  return out;
}

/**
 * buddyOrder - Frames of [@from, @to) in the order a buddy allocator would split them: the frames of the smallest free
 * aligned blocks first (a lone free frame between boot kernel frames goes before a whole free 4 MiB block), lower
 * addresses first within an order; frames in use at boot last.
 */
function buddyOrder(from: number, to: number, usedAtBoot: (pfn: number) => boolean): Uint32Array {
  const n = to - from;
  const prefix = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + (usedAtBoot(from + i) ? 1 : 0);
  const buckets: number[][] = Array.from({ length: MAX_ORDER + 2 }, () => []);
  for (let pfn = from; pfn < to; pfn++) {
    if (prefix[pfn - from + 1]! - prefix[pfn - from]! === 1) {
      buckets[MAX_ORDER + 1]!.push(pfn);
      continue;
    }
    let order = 0;
    for (let k = MAX_ORDER; k > 0; k--) {
      const start = pfn - (pfn % 2 ** k);
      const end = start + 2 ** k;
      if (start >= from && end <= to && prefix[end - from]! === prefix[start - from]!) {
        order = k;
        break;
      }
    }
    buckets[order]!.push(pfn);
  }
  return Uint32Array.from(buckets.flat());
}

function explicitOrder(order: readonly number[], from: number, to: number): Uint32Array {
  const seen = new Set<number>();
  const out: number[] = [];
  for (const pfn of order) {
    if (!Number.isInteger(pfn) || pfn < 0)
      throw new ConfigError(`allocator order holds ${pfn}, which is not a PFN`, { kind: "pfn", value: pfn });
    if (pfn >= from && pfn < to && !seen.has(pfn)) {
      seen.add(pfn);
      out.push(pfn);
    }
  }
  for (let pfn = from; pfn < to; pfn++) if (!seen.has(pfn)) out.push(pfn);
  return Uint32Array.from(out);
}

/**
 * allocatorOrders - The lowmem and HighMem orders of @spec's allocator.
 * @usedAtBoot: frames that are not free when the machine boots (boot kernel, holes, nosave); only "buddy" needs it.
 */
export function allocatorOrders(spec: MachineSpec, usedAtBoot: (pfn: number) => boolean): AllocatorOrders {
  const classes: [number, number][] = [
    [0, spec.highmemStartPfn],
    [spec.highmemStartPfn, spec.frames],
  ];
  const make = (allocator: AllocatorSpec, [from, to]: [number, number], stream: number): Uint32Array => {
    if (typeof allocator === "object") return explicitOrder(allocator.order, from, to);
    switch (allocator) {
      case "ascending":
        return range(from, to);
      case "descending":
        return range(from, to).reverse();
      case "random":
        return shuffleInPlace(range(from, to), createRandom(spec.seed, stream));
      case "buddy":
        return buddyOrder(from, to, usedAtBoot);
      default:
        throw new ConfigError(
          `unknown allocator order "${allocator as string}" (have: ascending, descending, random, buddy)`,
          { kind: "option", name: "allocator", value: String(allocator) },
        );
    }
  };
  return { low: make(spec.allocator, classes[0]!, 2), high: make(spec.allocator, classes[1]!, 3) };
}
