/**
 * Mutators of Linux images beyond the common families (mutators.ts):
 * - `u32.*`, for images of i386 kernels: swsusp_info's u32 fields at the edges of the 32-bit kernel (0, 1, off by
 *   one, 2^24 page frames of PAE, 2^31, 2^32 − 1), the u32 end marker missing, early, doubled or in a middle page,
 *   the bit-31 zero flag (with and without its data page), a PFN with bit 31 and high bits, cmp_len at the bounds a
 *   u32 can state, the restore record's magic of the other word size or none;
 * - `bomb.*`, for every Linux image: count bombs — a header that claims up to a million metadata pages of a machine
 *   of up to 2^32 − 1 page frames, with the swap map listing enough further (distinct) blocks past the end of the
 *   file for the stream it claims, raw or compressed, its first pages zeros, end markers, valid ascending PFNs or the
 *   seed's own. The campaign counts a bomb whose case grows the process by more than BOMB_RSS_BOUND as a failure.
 */

import * as C from "../assembly/portable/compress.js";
import { ENTRY_END, ENTRY_ZERO, encodeEntry, entryIsZero } from "../src/image/pfnEntry.js";
import { INFO_LAYOUT, type LinuxImageSpec, packPfns } from "./linuxWriter.js";
import {
  type Dice,
  type LinuxSeed,
  linuxRebuild,
  type Mutation,
  type MutationContext,
  type Mutator,
  wordOf,
} from "./mutators.js";
import type { LoadedSeed } from "./seeds.js";

const PAGE = 4096;
/** Growth of the process's RSS during a bomb case that counts as a failure. */
export const BOMB_RSS_BOUND = 256 * 2 ** 20;
/** Blocks past the end of any seed's file, where a bomb's extra map entries point. */
const FAR = 2 ** 22;

const isLinux = (s: LoadedSeed): s is LinuxSeed => s.linux !== undefined;
const isI386 = (s: LoadedSeed): s is LinuxSeed => isLinux(s) && s.linux.spec.arch === "i386";

/** What linuxU32() changes in an i386 kernel's image. */
export type U32Change =
  | "field"
  | "end-missing"
  | "end-early"
  | "end-doubled"
  | "end-middle"
  | "zero-flag"
  | "zero-flag-consistent"
  | "bit31-pfn"
  | "cmp_len"
  | "magic";

/** linuxU32 - The i386 image of @seed with @change (see the file comment); everything else consistent. */
export function linuxU32(seed: LinuxSeed, dice: Dice, context: MutationContext, change: U32Change): Mutation {
  const { spec } = seed.linux;
  const entries = [...spec.entries];
  const data = [...spec.data];
  const pick = () => dice.int(0, entries.length - 1);
  let detail: string;
  let rebuild: Partial<LinuxImageSpec>;
  switch (change) {
    case "field": {
      const field = dice.pick(["numPhyspages", "imagePages", "pages", "size"] as const);
      const current = BigInt(field === "numPhyspages" ? spec.numPhyspages : field === "imagePages" ? data.length : 0);
      const value = dice.pick(
        [0n, 1n, current - 1n, current + 1n, 2n ** 24n, 2n ** 24n + 1n, 2n ** 31n, 2n ** 32n - 1n].filter(
          (v) => v >= 0n && v < 2n ** 32n,
        ),
      );
      rebuild = { info: { [field]: value } };
      detail = `swsusp_info.${field} (u32) → ${value}`;
      break;
    }
    case "end-missing":
    case "end-early":
    case "end-doubled":
    case "end-middle": {
      const meta = packPfns(entries, "i386");
      const view = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
      const end = Number(ENTRY_END & 0xffffffffn);
      const i = pick();
      if (change === "end-missing") {
        const value = dice.chance(0.5) ? 0 : dice.u32();
        if (entries.length * 4 < meta.length) view.setUint32(entries.length * 4, value, true);
        detail = `the u32 end marker after entry ${entries.length - 1} replaced by ${value}`;
      } else if (change === "end-early") {
        view.setUint32(i * 4, end, true);
        detail = `the u32 end marker written over entry ${i} of ${entries.length}`;
      } else if (change === "end-doubled") {
        if ((entries.length + 1) * 4 < meta.length) view.setUint32((entries.length + 1) * 4, end, true);
        detail = "a second u32 end marker after the first";
      } else {
        const grown = new Uint8Array(meta.length + PAGE);
        grown.set(meta.subarray(0, Math.min(meta.length, (i + 1) * 4)));
        new DataView(grown.buffer).setUint32((i + 1) * 4, end, true);
        grown.set(meta.subarray((i + 1) * 4), PAGE);
        rebuild = { meta: grown, entries, data };
        detail = `entries after ${i} moved to a second metadata page, the first ended by a u32 end marker`;
        break;
      }
      rebuild = { meta, entries, data };
      break;
    }
    case "zero-flag":
    case "zero-flag-consistent": {
      const i = pick();
      if (change === "zero-flag-consistent" && !entryIsZero(entries[i]!)) {
        let k = 0;
        for (let j = 0; j < i; j++) if (!entryIsZero(entries[j]!)) k++;
        data.splice(k, 1);
      }
      entries[i] = entries[i]! | ENTRY_ZERO;
      rebuild = { entries, data, meta: packPfns(entries, "i386") };
      detail = `bit 31 (the v6.6+ zero flag) set on entry ${i}${change === "zero-flag" ? ", its data page kept" : ", its data page removed"}`;
      break;
    }
    case "bit31-pfn": {
      const i = pick();
      const pfn = dice.pick([0x7fffffff, 0x7ffffffe, 2 ** 24, 2 ** 24 + 1, dice.int(0, 0x7fffffff)]);
      entries[i] = encodeEntry(pfn, true);
      rebuild = { entries, data, meta: packPfns(entries, "i386") };
      detail = `entry ${i} stored as 0x${(0x80000000 + pfn).toString(16)}: a zero page at PFN ${pfn}`;
      break;
    }
    case "cmp_len": {
      if (spec.compression === "none") return linuxU32(seed, dice, context, "field");
      const target = dice.int(0, seed.linux.chunkStarts.length - 1);
      const value = dice.pick([
        C.WORST_CMP_LEN,
        C.WORST_CMP_LEN + 1,
        C.UNC_SIZE,
        C.UNC_SIZE + 1,
        2 ** 31,
        2 ** 32 - 1,
        2 ** 32 - C.WORST_CMP_LEN,
      ]);
      rebuild = { chunk: (index, c) => (index === target ? { ...c, cmpLen: value } : c) };
      detail = `chunk ${target}: u32 cmp_len → ${value}`;
      break;
    }
    case "magic": {
      const page = Buffer.from(spec.infoPage ?? new Uint8Array(PAGE));
      const kind = dice.pick(["x86_64", "zero", "plus-one"] as const);
      page.fill(0, 0, 20);
      if (kind === "x86_64") page.writeBigUInt64LE(0x23456789abcdef02n, INFO_LAYOUT.x86_64.magic);
      else if (kind === "plus-one") page.writeUInt32LE(0x1234567a, INFO_LAYOUT.i386.magic);
      rebuild = { infoPage: page };
      detail = `restore record: ${kind === "x86_64" ? "x86_64's magic at byte 24 over the 32-bit layout" : kind === "zero" ? "all zero" : "magic 0x1234567a"}`;
      break;
    }
  }
  return { name: `u32.${change}`, detail, image: linuxRebuild(seed, context.compressors, rebuild!) };
}

/** What a bomb's first metadata pages hold. */
type BombContent = "zeros" | "end-markers" | "ascending" | "seed";

/**
 * linuxBomb - @seed's image claiming a huge stream (see the file comment); the bytes it really holds stay a few
 * pages, and the map lists the rest past the end of the file, where it reads as zeros.
 */
export function linuxBomb(seed: LinuxSeed, dice: Dice, context: MutationContext): Mutation {
  const word = wordOf(seed);
  const perPage = PAGE / word;
  const compressed = seed.linux.compression !== "none";
  const maxFrames = word === 4 ? 2 ** 24 : 0xffffffff;
  const metaPages = dice.pick(compressed ? [4096, 65_536, 262_144, 1_048_576] : [4096, 65_536, 200_000]);
  const numPhyspages = Math.min(
    maxFrames,
    dice.chance(0.8) ? metaPages * perPage : dice.pick([2 ** 20, 2 ** 27, maxFrames]),
  );
  const content: BombContent = dice.pick(["zeros", "end-markers", "ascending", "seed"]);
  const realPages = compressed ? 32 * dice.int(1, 3) : dice.int(1, 8);
  const meta = new Uint8Array(realPages * PAGE);
  if (content === "end-markers") meta.fill(0xff);
  else if (content === "ascending") {
    const view = new DataView(meta.buffer);
    const from = dice.int(0, 4096);
    for (let i = 0; i < realPages * perPage; i++) {
      if (word === 4) view.setUint32(i * 4, from + i, true);
      else view.setBigUint64(i * 8, BigInt(from + i), true);
    }
  } else if (content === "seed")
    meta.set(packPfns(seed.linux.spec.entries, seed.linux.spec.arch).subarray(0, meta.length));
  const pages = 1 + metaPages;
  const needed = compressed ? 1 + Math.ceil(metaPages / 32) : pages;
  const mostBlocks = 1 + (compressed ? (realPages / 32) * C.CMP_PAGES : realPages);
  let extra = 0;
  const image = linuxRebuild(seed, context.compressors, {
    numPhyspages,
    entries: [],
    data: [],
    meta,
    info: { pages, imagePages: 0, size: BigInt(pages) * BigInt(PAGE) },
    mapPages: Math.ceil(Math.max(needed, mostBlocks) / 511) + 1,
    mapEntries: (e) => {
      extra = Math.max(0, needed - e.length);
      return [...e, ...Array.from({ length: extra }, (_, k) => FAR + k)];
    },
    lastPage: FAR + needed + 16,
  });
  return {
    name: `bomb.meta-${content}`,
    detail: `swsusp_info claims ${metaPages} metadata pages of a machine of ${numPhyspages} page frames; ${realPages} pages really there (${content}), ${extra} more map entries past the end of the file`,
    image,
  };
}

/** The mutators of this file and their shares of the random cases. */
export const LINUX_MUTATORS: readonly Mutator[] = [
  {
    name: "u32",
    weight: 4,
    applies: isI386,
    mutate: (c) =>
      linuxU32(
        c.seed as LinuxSeed,
        c.dice,
        c,
        c.dice.weighted([
          ["field", 4],
          ["end-missing", 2],
          ["end-early", 1],
          ["end-doubled", 1],
          ["end-middle", 1],
          ["zero-flag", 1],
          ["zero-flag-consistent", 2],
          ["bit31-pfn", 2],
          ["cmp_len", 3],
          ["magic", 1],
        ] as const),
      ),
  },
  {
    name: "bomb",
    weight: 2,
    applies: isLinux,
    mutate: (c) => linuxBomb(c.seed as LinuxSeed, c.dice, c),
  },
];
