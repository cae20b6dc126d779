/**
 * The boot kernel's footprint: the frames the kernel doing the resume already uses (its text, its allocations).
 * They hold the boot kernel's data until the atomic copy and must be untouched if the restore fails
 * (kernel/power/hibernate.c: load_image_and_restore()).
 */

import { ConfigError } from "../errors.js";
import { createRandom, sample } from "../util/random.js";
import type { MachineSpec } from "./config.js";
import { inRanges, validPfns } from "./config.js";

/** Default run length of the "clustered" profile: 2 MiB of frames (one huge page). */
const CLUSTER_BYTES = 2 * 2 ** 20;

/**
 * bootFootprint - The boot kernel's PFNs for @spec, ascending.
 *
 * - `low`: one block of the lowest valid frames from 1 MiB up (where x86 kernels are loaded and allocate first);
 * - `scattered`: frames chosen uniformly at random;
 * - `clustered`: runs of `clusterPages` frames (default 2 MiB) at random places;
 * - `{ pfns }`: exactly those frames (they must be valid and outside nosave regions).
 * Nosave regions belong to the firmware, not to the boot kernel, and are never part of the footprint.
 */
export function bootFootprint(spec: MachineSpec): Uint32Array {
  const boot = spec.boot;
  const valid = validPfns(spec, { excludeNosave: true });
  if ("pfns" in boot) {
    const pfns = Uint32Array.from(new Set(boot.pfns)).sort();
    for (const pfn of pfns) {
      if (pfn >= spec.frames || inRanges(spec.holes, pfn) || inRanges(spec.nosave, pfn)) {
        throw new ConfigError(
          `boot kernel PFN ${pfn} is not a usable frame (beyond ${spec.frames} frames, in a hole or nosave)`,
          { kind: "pfn", value: pfn, limit: spec.frames },
        );
      }
    }
    return pfns;
  }
  const count = Math.round(boot.share * valid.length);
  const random = createRandom(spec.seed, 1);
  switch (boot.profile) {
    case "scattered":
      return sample(valid, count, random);
    case "low": {
      const from = Math.floor(2 ** 20 / spec.pageSize);
      let first = valid.findIndex((pfn) => pfn >= from);
      if (first < 0 || valid.length - first < count) first = Math.max(0, valid.length - count);
      return valid.slice(first, first + count);
    }
    case "clustered": {
      const run = Math.max(1, boot.clusterPages ?? Math.floor(CLUSTER_BYTES / spec.pageSize));
      const runs = Math.ceil(valid.length / run);
      const chosen = sample(
        Uint32Array.from({ length: runs }, (_, i) => i),
        Math.ceil(count / run),
        random,
      );
      const out = new Uint32Array(chosen.length * run);
      let n = 0;
      for (const r of chosen)
        for (let i = r * run; i < Math.min(valid.length, (r + 1) * run) && n < count; i++) out[n++] = valid[i]!;
      return out.subarray(0, n).sort();
    }
    default:
      throw new ConfigError(
        `unknown boot profile "${(boot as { profile: string }).profile}" (have: low, scattered, clustered)`,
        { kind: "option", name: "boot", value: String((boot as { profile: string }).profile) },
      );
  }
}
