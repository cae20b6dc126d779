/**
 * Seeded random scenarios for the cross-check: small machines (32–4096 frames, pages of 64 bytes to 64 KiB), with and
 * without HighMem, holes, nosave regions, boot-kernel footprints of several shapes, allocator orders (explicit random
 * permutations, partial lists, and the named orders), images of up to ~60 % of the usable frames with zero pages.
 *
 * Each scenario is given twice: as MachineOptions with everything explicit (for the engine) and as a ModelMachine
 * (for the reference model). Named boot profiles and named allocator orders are machine inputs, not part of the
 * resume algorithm, so their PFNs come from the library's own pure functions (bootFootprint, allocatorOrders).
 */

import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { allocatorOrders } from "../../src/machine/allocatorOrder.js";
import { bootFootprint } from "../../src/machine/boot.js";
import type {
  AllocatorOrderName,
  AllocatorSpec,
  BootProfileName,
  BootSpec,
  MachineOptions,
} from "../../src/machine/config.js";
import { resolveMachine } from "../../src/machine/config.js";
import { explicitOrders, type ModelImage, type ModelMachine, type Range } from "./model.js";

/** One scenario, for the engine and for the model. */
export interface Scenario {
  seed: number;
  kind: ScenarioKind;
  /** A one-line summary for test names. */
  label: string;
  options: MachineOptions;
  machine: ModelMachine;
  image: ModelImage;
}

/**
 * What a scenario stresses: "roomy" machines with plenty of free memory; "tight" ones whose boot kernel and image
 * leave little, so that some run out of memory; "crowded-highmem" ones whose HighMem is mostly the boot kernel's, so
 * that prepare_highmem_image() gets fewer highmem frames than there are highmem image pages; "lowmem-starved" ones
 * with small pages, an image mostly in HighMem and little free lowmem, so that the highmem PBEs' chain pages (not
 * covered by the reserve, kernel/power/snapshot.c: prepare_image()) can run lowmem out during loading; "large-pages"
 * ones with 8–64 KiB pages on few frames.
 */
export type ScenarioKind = "roomy" | "tight" | "crowded-highmem" | "lowmem-starved" | "large-pages";

export const SCENARIO_KINDS: readonly ScenarioKind[] = [
  "roomy",
  "tight",
  "crowded-highmem",
  "lowmem-starved",
  "large-pages",
];

interface Rng {
  int(from: number, to: number): number;
  /** A uniform real in [from, to). */
  real(from: number, to: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** mix32 - murmur3's finaliser: neighbouring seeds give unrelated generator states. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function rng(seed: number): Rng {
  const g = xoroshiro128plus(mix32(seed ^ 0x7468_6177));
  const int = (from: number, to: number) => uniformInt(g, from, to);
  const real = (from: number, to: number) => from + (int(0, 2 ** 30 - 1) / 2 ** 30) * (to - from);
  return { int, real, chance: (p) => real(0, 1) < p, pick: (items) => items[int(0, items.length - 1)]! };
}

function shuffle<T>(items: T[], r: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A random subset of @count items of @pool (all of them when count >= length). */
function pickSome(pool: readonly number[], count: number, r: Rng): number[] {
  return shuffle([...pool], r).slice(0, Math.max(0, Math.min(count, pool.length)));
}

function randomRanges(r: Rng, frames: number, count: number, maxLength: number): Range[] {
  const out: Range[] = [];
  for (let i = 0; i < count; i++) {
    const start = r.int(0, frames - 1);
    const end = Math.min(frames, start + r.int(1, Math.max(1, maxLength)));
    out.push({ start, end });
  }
  return out;
}

const inRanges = (ranges: readonly Range[], pfn: number) => ranges.some((x) => pfn >= x.start && pfn < x.end);

/** A boot footprint: explicit PFNs of several shapes, or a named profile. */
function randomBoot(r: Rng, kind: ScenarioKind, usable: number[], highmemStartPfn: number): BootSpec {
  const share = kind === "roomy" ? r.real(0, 0.45) : kind === "tight" ? r.real(0.2, 0.6) : r.real(0.05, 0.3);
  const count = Math.round(share * usable.length);
  if (kind === "crowded-highmem" || kind === "lowmem-starved") {
    const high = usable.filter((pfn) => pfn >= highmemStartPfn);
    const low = usable.filter((pfn) => pfn < highmemStartPfn);
    const [highShare, lowShare] =
      kind === "crowded-highmem" ? [r.real(0.5, 1), share] : [r.real(0, 0.3), r.real(0.1, 0.8)];
    return {
      pfns: [
        ...pickSome(high, Math.round(highShare * high.length), r),
        ...pickSome(low, Math.round(lowShare * low.length), r),
      ],
    };
  }
  switch (r.int(0, 4)) {
    case 0: {
      // one block
      const start = r.int(0, Math.max(0, usable.length - count));
      return { pfns: usable.slice(start, start + count) };
    }
    case 1: {
      // clusters of a few frames
      const run = r.int(2, 16);
      const pfns: number[] = [];
      while (pfns.length < count) {
        const at = r.int(0, usable.length - 1);
        pfns.push(...usable.slice(at, at + run));
      }
      return { pfns: pfns.slice(0, count) };
    }
    case 2: {
      // a named profile, resolved by the library
      const profile = r.pick<BootProfileName>(["scattered", "low", "clustered"]);
      return profile === "clustered" ? { profile, share, clusterPages: r.int(1, 32) } : { profile, share };
    }
    default: // scattered
      return { pfns: pickSome(usable, count, r) };
  }
}

function randomAllocator(r: Rng, frames: number): AllocatorSpec {
  const all = Array.from({ length: frames }, (_, i) => i);
  const choice = r.int(0, 19);
  if (choice < 11) return { order: shuffle(all, r) }; // a full explicit permutation
  if (choice < 15) return { order: pickSome(all, r.int(1, frames), r) }; // listed first, the rest ascending
  return r.pick<AllocatorOrderName>(["ascending", "descending", "random", "buddy"]);
}

/** randomScenario - The scenario of @seed and @kind. */
export function randomScenario(seed: number, kind: ScenarioKind): Scenario {
  const r = rng(seed);
  const starved = kind === "lowmem-starved";
  const large = kind === "large-pages";
  const pageSize = 2 ** (starved ? r.int(6, 8) : large ? r.int(13, 16) : r.int(6, 12));
  const frames = Math.round(2 ** (starved ? r.real(7, 11) : large ? r.real(5, 8) : r.real(5, 12)));
  const withHighmem = kind === "crowded-highmem" || starved || r.chance(0.45);
  const highmemStartPfn = !withHighmem
    ? frames
    : starved
      ? r.int(Math.floor(frames * 0.2), Math.floor(frames * 0.5))
      : r.int(Math.max(1, Math.floor(frames * 0.3)), frames - 1);
  const dmaEndPfn = r.int(0, Math.min(highmemStartPfn, 64));
  const holes = randomRanges(r, frames, r.int(0, 3), Math.ceil(frames / 16));
  const nosave = randomRanges(r, frames, r.int(0, 2), Math.ceil(frames / 32));
  const usable: number[] = [];
  for (let pfn = 0; pfn < frames; pfn++) if (!inRanges(holes, pfn) && !inRanges(nosave, pfn)) usable.push(pfn);
  const boot = randomBoot(r, kind, usable, highmemStartPfn);
  const allocator = randomAllocator(r, frames);

  const imageShare = kind === "tight" || starved ? r.real(0.35, 0.6) : r.real(0.02, 0.6);
  let pool = usable;
  const usableHigh = usable.filter((pfn) => pfn >= highmemStartPfn);
  if (usableHigh.length > 0 && (starved || r.chance(0.3))) {
    // favour HighMem: most image pages above highmemStartPfn
    pool = [
      ...usableHigh,
      ...pickSome(
        usable.filter((pfn) => pfn < highmemStartPfn),
        Math.ceil(usableHigh.length / 4),
        r,
      ),
    ];
  }
  const pfns = pickSome(pool, Math.max(1, Math.round(imageShare * Math.min(pool.length, usable.length))), r).sort(
    (a, b) => a - b,
  );
  const zeroShare = r.chance(0.7) ? r.real(0, 0.35) : 0;
  const zeroPfns = pickSome(pfns, Math.min(pfns.length - 1, Math.round(zeroShare * pfns.length)), r).sort(
    (a, b) => a - b,
  );

  const options: MachineOptions = {
    frames,
    pageSize,
    zones: { dmaEndPfn, highmemStartPfn },
    holes,
    nosave,
    boot,
    allocator,
    bitmap: "flat",
    seed: seed % 1000,
  };
  const spec = resolveMachine(options);
  const bootPfns = Array.from(bootFootprint(spec));
  const bootSet = new Set(bootPfns);
  let lowOrder: number[];
  let highOrder: number[];
  if (typeof allocator === "object") {
    ({ low: lowOrder, high: highOrder } = explicitOrders(frames, highmemStartPfn, allocator.order));
  } else {
    const orders = allocatorOrders(
      spec,
      (pfn) => inRanges(spec.holes, pfn) || inRanges(spec.nosave, pfn) || bootSet.has(pfn),
    );
    lowOrder = Array.from(orders.low);
    highOrder = Array.from(orders.high);
  }
  const machine: ModelMachine = {
    frames,
    pageSize,
    highmemStartPfn,
    holes: spec.holes,
    nosave: spec.nosave,
    bootPfns,
    lowOrder,
    highOrder,
  };
  const allocatorName =
    typeof allocator === "object"
      ? allocator.order.length === frames
        ? "permutation"
        : `list of ${allocator.order.length}`
      : allocator;
  const bootName = "pfns" in boot ? `${bootPfns.length} boot frames` : `boot ${boot.profile} ${bootPfns.length}`;
  const label =
    `${kind} #${seed}: ${frames}×${pageSize} B, ${withHighmem ? `HighMem from ${highmemStartPfn}` : "no HighMem"}, ` +
    `${holes.length} holes, ${nosave.length} nosave, ${bootName}, ${allocatorName}, image ${pfns.length} (${zeroPfns.length} zero)`;
  return { seed, kind, label, options, machine, image: { pfns, zeroPfns } };
}
