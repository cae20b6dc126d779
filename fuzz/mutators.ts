/**
 * Image mutators: each takes a valid seed and returns a broken (or validly different) image, with a name and the
 * exact change, so that a case can be reproduced and turned into a regression test.
 *
 * Families (name prefixes):
 * - `flip.*`: random bytes changed anywhere, in the header block, the PFN pages, the data pages, the swap map pages,
 *   the chunk prefixes (cmp_len) or the compressed bytes;
 * - `truncate.*`, `extend`: the file cut at a page boundary (every boundary, systematically, by truncationSweep())
 *   or anywhere, or grown;
 * - `field.*`: a header field set to an extreme (0, 1, off by one, 2^31, 2^32, 2^40, 2^63, all ones …);
 * - `pfn.*`: the PFN list changed: duplicates, PFNs in holes, in nosave regions, beyond the machine, every PFN a zero
 *   page, the end marker early or missing, shuffled, dropped, toggled zero flags;
 * - `map.*`: swap map loops (self-loops included), next_swap or entries outside the device, zero, duplicate entries;
 * - `chunk.*`: cmp_len extremes, garbage chunks, unc_len not a page multiple, chunks of 33 pages or of none, the
 *   other algorithm's output;
 * - `stream.huge`: a header claiming 2^40 pages;
 * and, in linuxMutators.ts, `u32.*` (images of 32-bit kernels) and `bomb.*` (count bombs); registry.ts has them all.
 * Suffixes say what was recomputed so that the error is not just a checksum: `+hdr` the thaw header checksum,
 * `+crc` the stream CRC (thaw: and the header checksum), `+stalecrc` a Linux image keeping the seed's CRC.
 */

import * as C from "../assembly/portable/compress.js";
import * as L from "../assembly/portable/layout.js";
import { ENTRY_END as END, packEntries as packStored, ENTRY_ZERO as ZERO } from "../src/image/pfnEntry.js";
import type { Random } from "../src/util/random.js";
import {
  type Compressors,
  INFO_LAYOUT,
  type LinuxImageSpec,
  packPfns,
  type StoredChunk,
  writeLinuxImage,
} from "./linuxWriter.js";
import type { LoadedSeed } from "./seeds.js";
import {
  getField,
  packEntries,
  rangeOffset,
  rebuildThaw,
  type Seal,
  seal,
  setField,
  THAW_FIELDS,
  type ThawField,
  type ThawParts,
} from "./thawBytes.js";

/** A broken image and how it was made. */
export interface Mutation {
  /** Mutator name with its variant suffixes, e.g. "pfn.duplicate+crc". */
  name: string;
  /** The exact change: offsets, fields, values. */
  detail: string;
  image: Buffer;
  /** Recompute the Linux image's stored CRC from its stream (by reading it) before resuming. */
  resealLinuxCrc?: boolean;
}

/** Seeded choices for one case. */
export class Dice {
  constructor(private readonly random: Random) {}

  /** int - A uniform integer in [@from, @to]. */
  int(from: number, to: number): number {
    return this.random.int(from, Math.max(from, to));
  }

  /** chance - True with probability @p. */
  chance(p: number): boolean {
    return this.random.int(0, 999_999) < p * 1_000_000;
  }

  /** pick - One element of @items. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  /** weighted - One of @items, chosen with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let at = this.random.int(0, Math.ceil(total * 1000) - 1) / 1000;
    for (const [item, w] of items) {
      if (at < w) return item;
      at -= w;
    }
    return items[items.length - 1]![0];
  }

  /** bytes - @n random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.random.int(0, 255);
    return out;
  }

  /** u32 - A random 32-bit value. */
  u32(): number {
    return this.random.int(0, 0xffff) * 0x10000 + this.random.int(0, 0xffff);
  }
}

const PAGE = 4096;
const MASK = ZERO - 1n;

/** extremes - Values that break a field whose valid value is @v: the edges of every integer width and off-by-ones. */
export function extremes(v: bigint, bits: 32 | 64): bigint[] {
  const all = [
    0n,
    1n,
    v - 1n,
    v + 1n,
    v * 2n,
    v / 2n,
    2n ** 31n - 1n,
    2n ** 31n,
    2n ** 32n - 1n,
    2n ** 32n,
    2n ** 40n,
    2n ** 53n - 1n,
    2n ** 53n,
    2n ** 63n,
    2n ** 64n - 1n,
  ];
  return all.filter((x) => x >= 0n && x < 2n ** BigInt(bits) && x !== v);
}

/** flipBytes - Change @count bytes of @image at offsets drawn by @where (each XORed with a non-zero byte). */
function flipBytes(image: Buffer, dice: Dice, count: number, where: () => number): string[] {
  const changes: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = where();
    if (at < 0 || at >= image.length) continue;
    const mask = dice.chance(0.5) ? 1 << dice.int(0, 7) : dice.int(1, 255);
    changes.push(`@${at}: ${image[at]!.toString(16)}→${(image[at]! ^ mask).toString(16)}`);
    image[at]! ^= mask;
  }
  return changes;
}

function flipCount(dice: Dice): number {
  return dice.weighted([
    [1, 5],
    [2, 3],
    [4, 2],
    [16, 1],
  ]);
}

function sealName(s: Seal): string {
  return `${s.stream ? "+crc" : ""}${s.header && !s.stream ? "+hdr" : ""}`;
}

// ─────────────────────────────── thaw images ───────────────────────────────

type ThawSeed = LoadedSeed & { thaw: ThawParts };

function thawRegions(seed: ThawSeed) {
  const { pageSize, metaPages } = seed.thaw;
  const metaStart = L.HDR_BLOCK_SIZE;
  const dataStart = metaStart + metaPages * pageSize;
  return { metaStart, dataStart, end: seed.bytes.length };
}

/** thawFlip - Flip bytes of a thaw image in @region, then recompute @sealWith. */
export function thawFlip(
  seed: ThawSeed,
  dice: Dice,
  region: "any" | "header" | "pfn" | "data",
  sealWith: Seal,
): Mutation {
  const image = Buffer.from(seed.bytes);
  const r = thawRegions(seed);
  const nrHoles = Number(getField(image, "nr_holes"));
  const nrNosave = Number(getField(image, "nr_nosave"));
  const where = () => {
    switch (region) {
      case "any":
        return dice.int(0, r.end - 1);
      case "header":
        return dice.weighted([
          [() => dice.int(0, L.HDR_NR_FRAMES + 7), 7],
          [() => L.HDR_HOLES + dice.int(0, Math.max(1, nrHoles) * L.RANGE_SIZE - 1), 1],
          [() => L.HDR_NOSAVE + dice.int(0, Math.max(1, nrNosave) * L.RANGE_SIZE - 1), 1],
          [() => dice.int(0, L.HDR_BLOCK_SIZE - 1), 1],
        ])();
      case "pfn":
        return dice.int(r.metaStart, r.dataStart - 1);
      case "data":
        return dice.int(r.dataStart, r.end - 1);
    }
  };
  const changes = flipBytes(image, dice, flipCount(dice), where);
  seal(image, sealWith);
  return { name: `flip.${region}${sealName(sealWith)}`, detail: changes.join(", "), image };
}

/** thawTruncate - The thaw image cut to @length bytes; with @fixHeader, its header made to describe what is left. */
export function thawTruncate(seed: ThawSeed, length: number, fixHeader: boolean): Mutation {
  const image = Buffer.from(seed.bytes.subarray(0, length));
  const { pageSize, metaPages } = seed.thaw;
  let detail = `cut to ${length} of ${seed.bytes.length} bytes`;
  if (fixHeader && length >= L.HDR_BLOCK_SIZE) {
    const k = Math.floor((length - L.HDR_BLOCK_SIZE) / pageSize);
    const kept = Buffer.from(image.subarray(0, L.HDR_BLOCK_SIZE + k * pageSize));
    setField(kept, "pages", BigInt(1 + k));
    setField(kept, "image_pages", BigInt(Math.max(0, k - metaPages)));
    setField(kept, "size", BigInt(kept.length));
    seal(kept, { stream: true, header: true });
    return { name: "truncate.page+fix", detail: `${detail}; header says ${1 + k} pages`, image: kept };
  }
  const boundary = length >= L.HDR_BLOCK_SIZE && (length - L.HDR_BLOCK_SIZE) % pageSize === 0;
  detail += boundary ? ` (stream page ${(length - L.HDR_BLOCK_SIZE) / pageSize + 1})` : "";
  return { name: boundary ? "truncate.page" : "truncate.mid", detail, image };
}

/** thawExtend - @extra bytes appended; with @fixHeader, counted as data pages by the header. */
export function thawExtend(seed: ThawSeed, dice: Dice, extraPages: number, fixHeader: boolean): Mutation {
  const { pageSize } = seed.thaw;
  const image = Buffer.concat([seed.bytes, Buffer.from(dice.bytes(extraPages * pageSize))]);
  if (fixHeader) {
    setField(image, "pages", getField(image, "pages") + BigInt(extraPages));
    setField(image, "image_pages", getField(image, "image_pages") + BigInt(extraPages));
    setField(image, "size", BigInt(image.length));
    seal(image, { stream: true, header: true });
  }
  return {
    name: `extend${fixHeader ? "+fix" : ""}`,
    detail: `${extraPages} page(s) of ${pageSize} bytes appended`,
    image,
  };
}

/** thawField - Header field @field set to @value, then @sealWith recomputed. */
export function thawField(
  seed: ThawSeed,
  field: ThawField | `${"holes" | "nosave"}[${number}].${"start" | "end"}`,
  value: bigint,
  sealWith: Seal,
): Mutation {
  const image = Buffer.from(seed.bytes);
  const m = /^(holes|nosave)\[(\d+)\]\.(start|end)$/.exec(field);
  let before: bigint;
  if (m) {
    const at = rangeOffset(m[1] as "holes" | "nosave", Number(m[2]), m[3] === "end");
    before = BigInt(image.readUInt32LE(at));
    image.writeUInt32LE(Number(BigInt.asUintN(32, value)), at);
  } else {
    before = getField(image, field as ThawField);
    setField(image, field as ThawField, value);
  }
  seal(image, sealWith);
  const family = m ? `${m[1]}` : field;
  return { name: `field.${family}${sealName(sealWith)}`, detail: `${field}: ${before} → ${value}`, image };
}

/** What pfnMutation() can do to a PFN list. */
export type PfnChange =
  | "duplicate"
  | "hole"
  | "nosave"
  | "beyond"
  | "zero-all"
  | "zero-all-consistent"
  | "zero-toggle"
  | "zero-toggle-consistent"
  | "shuffle"
  | "drop"
  | "end-early"
  | "end-missing"
  | "same"
  | "boot"
  | "garbage"
  | "random-set"
  | "grow";

/** The PFN list and data pages of an image, changed by @change. */
interface PfnEdit {
  entries: bigint[];
  data: Uint8Array[];
  /** The raw metadata pages, when the change is below the entry level. */
  meta?: Uint8Array;
  detail: string;
}

function dataIndexOf(entries: readonly bigint[], index: number): number {
  let n = 0;
  for (let i = 0; i < index; i++) if (!(entries[i]! & ZERO)) n++;
  return n;
}

function inAny(ranges: readonly { start: number; end: number }[], pfn: number): boolean {
  return ranges.some((r) => pfn >= r.start && pfn < r.end);
}

/**
 * editPfns - Apply @change to @entries / @data (a seed's PFN list and data pages) for a machine of @frames with
 * @holes and @nosave; @bootPfns: frames of the boot kernel (for "boot"); @entryBytes: the width entries are stored in
 * (the changes below the entry level write that width: an i386 image's u32 entries and end marker).
 */
export function editPfns(
  change: PfnChange,
  entries: readonly bigint[],
  data: readonly Uint8Array[],
  dice: Dice,
  machine: {
    frames: number;
    holes: readonly { start: number; end: number }[];
    nosave: readonly { start: number; end: number }[];
    bootPfns?: readonly number[];
  },
  pageSize: number,
  entryBytes: 4 | 8 = 8,
): PfnEdit {
  const e = [...entries];
  const pack = (list: readonly bigint[]) =>
    entryBytes === 8 ? packEntries(list, pageSize) : packStored(list, pageSize, entryBytes);
  const put = (meta: Uint8Array, index: number, value: bigint) => {
    const view = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
    if (entryBytes === 8) view.setBigUint64(index * 8, value, true);
    else view.setUint32(index * 4, Number(BigInt.asUintN(32, value)), true);
  };
  const d = [...data];
  const i = dice.int(0, e.length - 1);
  const pfnOf = (x: bigint) => Number(x & MASK);
  switch (change) {
    case "duplicate": {
      let j = dice.int(0, e.length - 1);
      if (j === i) j = (i + 1) % e.length;
      const old = e[j]!;
      e[j] = (e[i]! & MASK) | (old & ZERO);
      return { entries: e, data: d, detail: `entry ${j} (PFN ${pfnOf(old)}) → PFN ${pfnOf(e[i]!)} as entry ${i}` };
    }
    case "hole":
    case "nosave": {
      const ranges = change === "hole" ? machine.holes : machine.nosave;
      const r = ranges.length ? dice.pick(ranges) : { start: machine.frames, end: machine.frames + 1 };
      const pfn = dice.int(r.start, r.end - 1);
      const old = e[i]!;
      e[i] = BigInt(pfn) | (old & ZERO);
      return {
        entries: e,
        data: d,
        detail: `entry ${i} (PFN ${pfnOf(old)}) → PFN ${pfn} in ${change} [${r.start}, ${r.end})`,
      };
    }
    case "beyond": {
      const values = [
        machine.frames,
        machine.frames + 1,
        machine.frames + dice.int(2, 1 << 20),
        2 ** 32 - 2,
        2 ** 32 - 1,
        2 ** 32,
        2 ** 40,
        2 ** 53 + 1,
      ];
      const pfn = BigInt(dice.pick(values));
      const big = dice.chance(0.1) ? MASK : pfn;
      const old = e[i]!;
      e[i] = big | (old & ZERO);
      return { entries: e, data: d, detail: `entry ${i} (PFN ${pfnOf(old)}) → PFN ${big}` };
    }
    case "zero-all":
      return {
        entries: e.map((x) => x | ZERO),
        data: d,
        detail: `all ${e.length} entries flagged zero; data pages kept`,
      };
    case "zero-all-consistent":
      return {
        entries: e.map((x) => x | ZERO),
        data: [],
        detail: `all ${e.length} entries flagged zero; no data pages`,
      };
    case "zero-toggle":
    case "zero-toggle-consistent": {
      const k = Math.min(
        e.length,
        dice.weighted([
          [1, 4],
          [2, 2],
          [8, 1],
        ]),
      );
      const toggled: number[] = [];
      for (let n = 0; n < k; n++) {
        const at = dice.int(0, e.length - 1);
        if (toggled.includes(at)) continue;
        toggled.push(at);
      }
      toggled.sort((a, b) => b - a);
      for (const at of toggled) {
        const wasZero = (e[at]! & ZERO) !== 0n;
        if (change === "zero-toggle-consistent") {
          const di = dataIndexOf(e, at);
          if (wasZero) d.splice(di, 0, dice.bytes(pageSize));
          else d.splice(di, 1);
        }
        e[at] = e[at]! ^ ZERO;
      }
      return {
        entries: e,
        data: d,
        detail: `zero flag toggled on entries ${toggled.join(", ")}${change === "zero-toggle" ? "; data pages kept" : "; data pages added/removed to match"}`,
      };
    }
    case "shuffle": {
      for (let n = e.length - 1; n > 0; n--) {
        const j = dice.int(0, n);
        [e[n], e[j]] = [e[j]!, e[n]!];
      }
      return { entries: e, data: d, detail: "entries shuffled (the order of PFNs in the metadata does not matter)" };
    }
    case "drop": {
      const old = e[i]!;
      if (!(old & ZERO)) d.splice(dataIndexOf(e, i), 1);
      e.splice(i, 1);
      return {
        entries: e,
        data: d,
        detail: `entry ${i} (PFN ${pfnOf(old)}${old & ZERO ? ", zero" : ""}) and its data page removed`,
      };
    }
    case "end-early": {
      const meta = pack(e);
      put(meta, i, END);
      return { entries: e, data: d, meta, detail: `end marker written over entry ${i} of ${e.length}` };
    }
    case "end-missing": {
      const meta = pack(e);
      const value = dice.chance(0.5) ? 0n : BigInt(dice.u32());
      if (e.length * entryBytes < meta.length) put(meta, e.length, value);
      for (let k = e.length + 1; k * entryBytes < meta.length && dice.chance(0.5); k++)
        put(meta, k, BigInt(dice.u32()));
      return { entries: e, data: d, meta, detail: `end marker replaced by ${value} (and what follows by noise)` };
    }
    case "same": {
      const pfn = e[i]! & MASK;
      return { entries: e.map((x) => pfn | (x & ZERO)), data: d, detail: `every entry is PFN ${pfn}` };
    }
    case "boot": {
      const taken = new Set(e.map(pfnOf));
      const candidates = (machine.bootPfns ?? []).filter(
        (p) => !taken.has(p) && !inAny(machine.holes, p) && !inAny(machine.nosave, p),
      );
      if (!candidates.length)
        return { entries: e, data: d, detail: "no boot-kernel frame outside the image: unchanged" };
      const pfn = dice.pick(candidates);
      const old = e[i]!;
      e[i] = BigInt(pfn) | (old & ZERO);
      return {
        entries: e,
        data: d,
        detail: `entry ${i} (PFN ${pfnOf(old)}) → boot-kernel frame ${pfn} (a valid image)`,
      };
    }
    case "random-set":
    case "grow": {
      const valid: number[] = [];
      for (let pfn = 0; pfn < machine.frames; pfn++)
        if (!inAny(machine.holes, pfn) && !inAny(machine.nosave, pfn)) valid.push(pfn);
      const pages = new Map<number, { zero: boolean; page: Uint8Array | undefined }>();
      if (change === "grow")
        entries.forEach((x, k) => {
          pages.set(pfnOf(x), { zero: (x & ZERO) !== 0n, page: x & ZERO ? undefined : data[dataIndexOf(entries, k)] });
        });
      const want =
        change === "grow"
          ? Math.min(valid.length, e.length + dice.int(1, Math.max(1, Math.floor(valid.length / 2))))
          : dice.int(1, Math.floor(valid.length * dice.pick([0.05, 0.3, 0.6, 0.9])));
      const zeroShare = dice.pick([0, 0.1, 0.5, 1]);
      for (let n = valid.length - 1; pages.size < want && n >= 0; n--) {
        const k = dice.int(0, n);
        [valid[n], valid[k]] = [valid[k]!, valid[n]!];
        if (pages.has(valid[n]!)) continue;
        const zero = dice.chance(zeroShare);
        let page: Uint8Array | undefined;
        if (!zero) {
          page = Uint8Array.from(data.length ? data[pages.size % data.length]! : new Uint8Array(pageSize));
          page[0] = pages.size & 0xff;
          page[1] = (pages.size >> 8) | 1;
        }
        pages.set(valid[n]!, { zero, page });
      }
      const sorted = [...pages.keys()].sort((a, b) => a - b);
      const list = sorted.map((pfn) => BigInt(pfn) | (pages.get(pfn)!.zero ? ZERO : 0n));
      const pageList = sorted.filter((pfn) => !pages.get(pfn)!.zero).map((pfn) => pages.get(pfn)!.page!);
      return {
        entries: list,
        data: pageList,
        detail:
          change === "grow"
            ? `${sorted.length - e.length} PFNs added (${sorted.length} in all, zero share ${zeroShare})`
            : `a new set of ${sorted.length} valid PFNs (zero share ${zeroShare})`,
      };
    }
    case "garbage": {
      const meta = pack(e);
      const at = dice.int(0, e.length - 1) * entryBytes;
      meta.set(dice.bytes(entryBytes), at);
      return {
        entries: e,
        data: d,
        meta,
        detail: `entry ${at / entryBytes} replaced by ${entryBytes} random bytes`,
      };
    }
  }
}

const PFN_CHANGES: readonly (readonly [PfnChange, number])[] = [
  ["duplicate", 3],
  ["hole", 2],
  ["nosave", 2],
  ["beyond", 3],
  ["zero-all", 1],
  ["zero-all-consistent", 1],
  ["zero-toggle", 1],
  ["zero-toggle-consistent", 2],
  ["shuffle", 1],
  ["drop", 1],
  ["end-early", 1],
  ["end-missing", 1],
  ["same", 1],
  ["boot", 1],
  ["garbage", 2],
  ["random-set", 4],
  ["grow", 3],
];

/** thawPfn - The thaw image with its PFN list changed by @change, the counts fixed and @sealWith recomputed. */
export function thawPfn(
  seed: ThawSeed,
  dice: Dice,
  change: PfnChange,
  sealWith: Seal,
  bootPfns?: readonly number[],
): Mutation {
  const { thaw } = seed;
  const edit = editPfns(
    change,
    thaw.entries,
    thaw.data,
    dice,
    { frames: seed.frames, holes: seed.holes, nosave: seed.nosave, ...(bootPfns && { bootPfns }) },
    thaw.pageSize,
  );
  const meta = edit.meta ?? packEntries(edit.entries, thaw.pageSize);
  const image = rebuildThaw(thaw, { meta, data: edit.data, seal: sealWith });
  return { name: `pfn.${change}${sealName(sealWith)}`, detail: edit.detail, image };
}

function writeRanges(
  image: Buffer,
  table: "holes" | "nosave",
  ranges: readonly { start: number; end: number }[],
): void {
  setField(image, table === "holes" ? "nr_holes" : "nr_nosave", BigInt(ranges.length));
  ranges.forEach((r, i) => {
    image.writeUInt32LE(r.start, rangeOffset(table, i, false));
    image.writeUInt32LE(r.end, rangeOffset(table, i, true));
  });
}

function thawFieldChoice(seed: ThawSeed, dice: Dice): Mutation {
  const sealWith: Seal = dice.chance(0.85) ? { header: true } : {};
  const image = seed.bytes;
  const nrHoles = Number(getField(image, "nr_holes"));
  const nrNosave = Number(getField(image, "nr_nosave"));
  const composite = dice.chance(0.3);
  if (composite) {
    const pages = getField(image, "pages");
    const imagePages = getField(image, "image_pages");
    const kind = dice.pick([
      "image_pages>pages",
      "num_physpages±1",
      "nr_frames<num_physpages",
      "zones-swapped",
      "pages=0",
      "holes-overlap",
      "nosave-over-hole",
      "hole-over-image",
      "holes-unsorted",
      "highmem-everywhere",
    ] as const);
    const out = Buffer.from(image);
    let detail: string;
    switch (kind) {
      case "image_pages>pages":
        setField(out, "image_pages", pages + BigInt(dice.int(0, 2)));
        detail = `image_pages ${imagePages} → ${getField(out, "image_pages")} (pages ${pages})`;
        break;
      case "num_physpages±1":
        setField(out, "num_physpages", getField(image, "num_physpages") + (dice.chance(0.5) ? 1n : -1n));
        detail = `num_physpages → ${getField(out, "num_physpages")}`;
        break;
      case "nr_frames<num_physpages":
        setField(out, "nr_frames", getField(image, "num_physpages") - 1n);
        detail = `nr_frames → ${getField(out, "nr_frames")}`;
        break;
      case "zones-swapped":
        setField(out, "dma_end_pfn", getField(image, "highmem_start_pfn"));
        setField(out, "highmem_start_pfn", getField(image, "dma_end_pfn"));
        detail = "dma_end_pfn and highmem_start_pfn swapped";
        break;
      case "pages=0":
        setField(out, "pages", 0n);
        setField(out, "size", BigInt(L.HDR_BLOCK_SIZE - seed.thaw.pageSize));
        detail = "pages 0, size to match";
        break;
      case "holes-overlap":
      case "nosave-over-hole":
      case "hole-over-image":
      case "holes-unsorted": {
        const frames = seed.frames;
        const someImagePfn = Number(dice.pick(seed.thaw.entries) & MASK);
        const first = seed.holes[0] ?? { start: Math.floor(frames / 3), end: Math.floor(frames / 3) + 4 };
        const holes =
          kind === "holes-overlap"
            ? [first, { start: first.start + 1, end: Math.min(frames, first.end + 5) }]
            : kind === "hole-over-image"
              ? [...seed.holes, { start: someImagePfn, end: Math.min(frames, someImagePfn + dice.int(1, 8)) }]
              : kind === "holes-unsorted"
                ? [{ start: Math.floor(frames * 0.8), end: Math.floor(frames * 0.8) + 3 }, first]
                : seed.holes;
        const nosave = kind === "nosave-over-hole" ? [...seed.nosave, first] : seed.nosave;
        writeRanges(out, "holes", holes);
        writeRanges(out, "nosave", nosave);
        setField(out, "num_physpages", BigInt(frames - holes.reduce((n, r) => n + r.end - r.start, 0)));
        detail = `holes ${JSON.stringify(holes)}, nosave ${JSON.stringify(nosave)}, num_physpages to match`;
        break;
      }
      case "highmem-everywhere":
        setField(out, "dma_end_pfn", 0n);
        setField(out, "highmem_start_pfn", BigInt(dice.int(1, 4)));
        detail = `HighMem from PFN ${getField(out, "highmem_start_pfn")}, no ZONE_DMA`;
        break;
    }
    seal(out, sealWith);
    return { name: `field.${kind}${sealName(sealWith)}`, detail, image: out };
  }
  const names = Object.keys(THAW_FIELDS).filter((n) => n !== "header_crc32") as ThawField[];
  const ranges = [
    ...Array.from({ length: Math.max(1, nrHoles) }, (_, i) => [`holes[${i}].start`, `holes[${i}].end`] as const).flat(),
    ...Array.from(
      { length: Math.max(1, nrNosave) },
      (_, i) => [`nosave[${i}].start`, `nosave[${i}].end`] as const,
    ).flat(),
  ];
  const field = dice.chance(0.8) ? dice.pick(names) : dice.pick(ranges);
  const isRange = field.includes("[");
  const width = isRange ? 32 : ((THAW_FIELDS[field as ThawField][1] * 8) as 32 | 64);
  const current = isRange ? 0n : getField(image, field as ThawField);
  const value = dice.chance(0.85) ? dice.pick(extremes(current, width)) : BigInt(dice.int(0, seed.frames * 2));
  return thawField(seed, field as Parameters<typeof thawField>[1], value, sealWith);
}

function thawHuge(seed: ThawSeed, dice: Dice): Mutation {
  const image = Buffer.from(seed.bytes);
  const pages = dice.pick([2n ** 32n, 2n ** 40n, 2n ** 52n]);
  const which = dice.pick(["pages", "image_pages", "both"] as const);
  if (which !== "image_pages") setField(image, "pages", pages);
  if (which !== "pages") setField(image, "image_pages", pages - 2n);
  setField(image, "size", BigInt(L.HDR_BLOCK_SIZE) + (pages - 1n) * BigInt(seed.thaw.pageSize));
  seal(image, { header: true });
  return { name: "stream.huge+hdr", detail: `${which} claims ${pages} pages (size to match)`, image };
}

/**
 * thawTruncationPoints - Every length a truncation sweep cuts a thaw image to: each page boundary, and inside the
 * header.
 */
export function thawTruncationPoints(seed: ThawSeed): number[] {
  const points = [0, 1, L.HDR_BLOCK_SIZE / 2];
  for (let at = L.HDR_BLOCK_SIZE; at < seed.bytes.length; at += seed.thaw.pageSize) points.push(at);
  return points;
}

// ─────────────────────────────── Linux images ───────────────────────────────

/** A Linux seed. */
export type LinuxSeed = LoadedSeed & { linux: NonNullable<LoadedSeed["linux"]> };

/** wordOf - sizeof(unsigned long) of the kernel that wrote @seed: its PFN entries' and cmp_len's width. */
export function wordOf(seed: LinuxSeed): 4 | 8 {
  return INFO_LAYOUT[seed.linux.spec.arch ?? "x86_64"].word;
}

/** linuxRebuild - The seed's image rebuilt from its spec with @change applied. */
export function linuxRebuild(seed: LinuxSeed, compressors: Compressors, change: Partial<LinuxImageSpec>): Buffer {
  return writeLinuxImage({ ...seed.linux.spec, ...change }, compressors).device;
}

/** linuxFlip - Flip bytes of a Linux device in @region. */
export function linuxFlip(
  seed: LinuxSeed,
  dice: Dice,
  region: "any" | "header" | "info" | "map" | "pfn" | "data" | "chunk-prefix" | "chunk",
  resealCrc: boolean,
): Mutation {
  const image = Buffer.from(seed.bytes);
  const { linux } = seed;
  const block = (b: number, from = 0, to = PAGE - 1) => b * PAGE + dice.int(from, to);
  const where = (): number => {
    switch (region) {
      case "any":
        return dice.int(0, image.length - 1);
      case "header":
        return dice.weighted([
          [() => dice.int(4056, 4095), 6],
          [() => dice.int(1024, 1060), 2],
          [() => dice.int(0, 4095), 1],
        ])();
      case "info": {
        const l = INFO_LAYOUT[linux.spec.arch ?? "x86_64"];
        return block(
          linux.entries[0]!,
          ...dice.weighted([
            [[392, l.size + l.word - 1] as const, 6],
            [[l.magic, l.magic + 2 * l.word - 1] as const, 2],
            [[0, 4095] as const, 1],
          ]),
        );
      }
      case "map": {
        const m = dice.pick(linux.mapBlocks);
        return dice.chance(0.2) ? block(m, 4088, 4095) : block(m, 0, Math.min(4087, linux.entries.length * 8 + 15));
      }
      case "pfn":
        return block(linux.entries[1 + dice.int(0, linux.metaPages - 1)]!);
      case "data":
        return block(linux.entries[dice.int(1 + linux.metaPages, linux.entries.length - 1)]!);
      case "chunk-prefix":
        return block(linux.entries[dice.pick(linux.chunkStarts)]!, 0, wordOf(seed) - 1);
      case "chunk": {
        const c = dice.int(0, linux.chunkStarts.length - 1);
        const first = linux.chunkStarts[c]!;
        const last = (linux.chunkStarts[c + 1] ?? linux.entries.length) - 1;
        const b = dice.int(first, last);
        return block(linux.entries[b]!, b === first ? wordOf(seed) : 0);
      }
    }
  };
  const changes = flipBytes(image, dice, flipCount(dice), where);
  return {
    name: `flip.${region}${resealCrc ? "+crc" : ""}`,
    detail: changes.join(", "),
    image,
    ...(resealCrc && { resealLinuxCrc: true }),
  };
}

/** linuxTruncate - The device cut to @length bytes (reads past the end of a device copy give zeros). */
export function linuxTruncate(seed: LinuxSeed, length: number): Mutation {
  const boundary = length % PAGE === 0;
  return {
    name: boundary ? "truncate.page" : "truncate.mid",
    detail: `cut to ${length} of ${seed.bytes.length} bytes${boundary ? ` (block ${length / PAGE})` : ""}`,
    image: Buffer.from(seed.bytes.subarray(0, length)),
  };
}

/** linuxTruncationPoints - Every block boundary of a Linux device. */
export function linuxTruncationPoints(seed: LinuxSeed): number[] {
  const points: number[] = [];
  for (let at = 0; at < seed.bytes.length; at += PAGE) points.push(at);
  return points;
}

/** linuxInfoField - swsusp_info field @field set to @value (the rest of the image consistent). */
export function linuxInfoField(
  seed: LinuxSeed,
  compressors: Compressors,
  field: "pages" | "imagePages" | "size" | "numPhyspages",
  value: bigint,
): Mutation {
  const image = linuxRebuild(seed, compressors, { info: { [field]: value } });
  return { name: `field.info.${field}`, detail: `swsusp_info.${field} → ${value}`, image };
}

function linuxHeaderField(seed: LinuxSeed, dice: Dice, compressors: Compressors): Mutation {
  const kind = dice.pick(["flags", "crc32", "image", "last_page", "signature"] as const);
  const spec = seed.linux.spec;
  const blocks = seed.linux.blocks;
  let change: Partial<LinuxImageSpec>;
  let detail: string;
  switch (kind) {
    case "flags": {
      const flags = dice.chance(0.6)
        ? (spec.flags ?? 0) ^ dice.pick([1, 2, 4, 8, 16, 6, 18, 20, 0x80000000])
        : dice.u32();
      change = { flags };
      detail = `flags ${spec.flags} → ${flags >>> 0}`;
      break;
    }
    case "crc32":
      change = { crc32: dice.u32() };
      detail = `crc32 → ${change.crc32}`;
      break;
    case "image": {
      const image = dice.pick([
        0n,
        1n,
        BigInt(seed.linux.entries[0]!),
        BigInt(blocks - 1),
        BigInt(blocks),
        BigInt(blocks + dice.int(1, 1000)),
        2n ** 32n,
        2n ** 63n,
        2n ** 64n - 1n,
      ]);
      change = { image };
      detail = `swsusp_header.image → ${image}`;
      break;
    }
    case "last_page": {
      const lastPage = dice.pick([0, 1, 2, Math.max(1, blocks - 2), blocks * 4, 2 ** 32 - 1]);
      change = { lastPage };
      detail = `last_page → ${lastPage}`;
      break;
    }
    case "signature": {
      const signature = dice.pick([
        "LINHIB0001",
        "ULSUSPEND\0",
        "S2SUSPEND\0",
        "SWAPSPACE2",
        "SWAP-SPACE",
        "S1SUSPEND ",
        "\0\0\0\0\0\0\0\0\0\0",
      ]);
      change = { signature };
      detail = `signature → ${JSON.stringify(signature)}`;
      break;
    }
  }
  return { name: `field.header.${kind}`, detail, image: linuxRebuild(seed, compressors, change) };
}

/** linuxPfn - The Linux image with its PFN list changed by @change (CRC recomputed unless @staleCrc). */
export function linuxPfn(
  seed: LinuxSeed,
  dice: Dice,
  compressors: Compressors,
  change: PfnChange,
  staleCrc: boolean,
  bootPfns?: readonly number[],
): Mutation {
  const { spec } = seed.linux;
  const edit = editPfns(
    change,
    spec.entries,
    spec.data,
    dice,
    { frames: seed.frames, holes: seed.holes, nosave: seed.nosave, ...(bootPfns && { bootPfns }) },
    PAGE,
    wordOf(seed),
  );
  const stale = staleCrc && spec.compression !== "none" ? { crc32: seed.bytes.readUInt32LE(4060) } : {};
  const image = linuxRebuild(seed, compressors, {
    entries: edit.entries,
    data: edit.data,
    meta: edit.meta ?? packPfns(edit.entries, spec.arch),
    ...stale,
  });
  return { name: `pfn.${change}${staleCrc ? "+stalecrc" : ""}`, detail: edit.detail, image };
}

/** linuxPfnFlip - Bytes of the PFN pages flipped inside a compressed stream (rebuilt, CRC recomputed). */
function linuxPfnFlip(seed: LinuxSeed, dice: Dice, compressors: Compressors): Mutation {
  const meta = Buffer.from(seed.linux.spec.meta ?? packPfns(seed.linux.spec.entries, seed.linux.spec.arch));
  const word = wordOf(seed);
  const changes = flipBytes(meta, dice, flipCount(dice), () =>
    dice.chance(0.7)
      ? dice.int(0, Math.min(meta.length, seed.linux.spec.entries.length * word + word) - 1)
      : dice.int(0, meta.length - 1),
  );
  return {
    name: "flip.pfn+crc",
    detail: `in the PFN pages: ${changes.join(", ")}`,
    image: linuxRebuild(seed, compressors, { meta }),
  };
}

/** What linuxMap() does to the swap map. */
export type MapChange =
  | "loop"
  | "self-loop"
  | "next-out"
  | "next-huge"
  | "entry-out"
  | "entry-huge"
  | "entry-zero"
  | "entry-dup"
  | "entry-map"
  | "info-out";

/** linuxMap - The swap map changed by @change; everything else consistent. */
export function linuxMap(seed: LinuxSeed, dice: Dice, compressors: Compressors, change: MapChange): Mutation {
  let detail = "";
  let spec: Partial<LinuxImageSpec>;
  switch (change) {
    case "loop": {
      const from = dice.int(0, Math.max(0, seed.linux.mapBlocks.length - 2));
      spec = {
        mapNext: (m, next, blocks) => {
          if (m !== from) return next;
          const to = blocks[dice.int(0, m)]!;
          detail = `next_swap of full map page ${m} (block ${blocks[m]}) → block ${to}`;
          return to;
        },
      };
      break;
    }
    case "self-loop":
      spec = {
        mapEntries: (entries) => {
          const full = Math.ceil(entries.length / 511) * 511;
          const out = [...entries];
          for (let k = entries.length; k < full; k++) out.push(entries[1 + (k % (entries.length - 1))]!);
          return out;
        },
        mapNext: (m, next, blocks) => {
          if (m !== blocks.length - 1) return next;
          detail = `the last map page is full and its next_swap is itself (block ${blocks[m]})`;
          return blocks[m]!;
        },
      };
      break;
    case "next-out":
    case "next-huge":
      spec = {
        mapNext: (m, next, blocks) => {
          if (m !== blocks.length - 1) return next;
          const to =
            change === "next-huge"
              ? dice.pick([2n ** 32n, 2n ** 63n, 2n ** 64n - 1n])
              : BigInt(seed.linux.blocks + dice.int(0, 100));
          detail = `next_swap of the last map page → ${to}, and that page full`;
          return to;
        },
        mapEntries: (entries) => [
          ...entries,
          ...Array.from(
            { length: (511 - (entries.length % 511)) % 511 },
            (_, k) => entries[1 + (k % (entries.length - 1))]!,
          ),
        ],
      };
      break;
    case "entry-out":
    case "entry-huge":
    case "entry-zero":
    case "entry-dup":
    case "entry-map":
    case "info-out":
      spec = {
        mapEntries: (entries) => {
          const out = [...entries];
          const i = change === "info-out" ? 0 : dice.int(1, out.length - 1);
          const value =
            change === "entry-out" || change === "info-out"
              ? out.length + 1 + dice.int(0, 1 << 16) * (dice.chance(0.5) ? 1 : 1000)
              : change === "entry-huge"
                ? Number(dice.pick([2 ** 32, 2 ** 53]))
                : change === "entry-zero"
                  ? 0
                  : change === "entry-dup"
                    ? out[dice.int(0, out.length - 1)]!
                    : 1;
          detail = `map entry ${i}: block ${out[i]} → ${value}`;
          out[i] = value;
          return out;
        },
      };
      break;
  }
  const image = linuxRebuild(seed, compressors, spec);
  return { name: `map.${change}`, detail, image };
}

/** What linuxChunk() does to a compressed stream. */
export type ChunkChange =
  | "cmp_len"
  | "garbage"
  | "unc_len"
  | "overlong"
  | "small"
  | "empty"
  | "other-algorithm"
  | "truncated-body";

/** linuxChunk - One chunk (or the chunking) of a compressed stream changed by @change; CRC recomputed. */
export function linuxChunk(seed: LinuxSeed, dice: Dice, compressors: Compressors, change: ChunkChange): Mutation {
  const chunks = seed.linux.chunkStarts.length;
  const target = dice.int(0, chunks - 1);
  let detail = "";
  let spec: Partial<LinuxImageSpec>;
  const at = (f: (c: StoredChunk) => StoredChunk) => (index: number, c: StoredChunk) => (index === target ? f(c) : c);
  switch (change) {
    case "cmp_len":
      spec = {
        chunk: at((c) => {
          const len = BigInt(c.cmpLen);
          const value = dice.pick(
            [
              0n,
              1n,
              7n,
              len - 1n,
              len + 1n,
              len + 4096n,
              BigInt(C.WORST_CMP_LEN),
              BigInt(C.WORST_CMP_LEN + 1),
              2n ** 31n,
              2n ** 32n,
              2n ** 63n,
              2n ** 64n - 1n,
            ].filter((v) => v >= 0n),
          );
          detail = `chunk ${target}: cmp_len ${len} → ${value}`;
          return { ...c, cmpLen: value };
        }),
      };
      break;
    case "garbage":
      spec = {
        chunk: at((c) => {
          const bytes = dice.chance(0.5)
            ? dice.bytes(c.bytes.length)
            : Uint8Array.from(c.bytes, (b, k) => (k > 2 && dice.chance(0.05) ? dice.int(0, 255) : b));
          detail = `chunk ${target}: ${c.bytes.length} compressed bytes replaced or sprayed with noise`;
          return { ...c, bytes };
        }),
      };
      break;
    case "truncated-body":
      spec = {
        chunk: at((c) => {
          const keep = dice.int(1, Math.max(1, c.bytes.length - 1));
          detail = `chunk ${target}: compressed bytes cut to ${keep} of ${c.bytes.length}, cmp_len to match`;
          return { cmpLen: keep, bytes: c.bytes.subarray(0, keep) };
        }),
      };
      break;
    case "unc_len": {
      const bytes = dice.chance(0.5) ? C.UNC_SIZE - dice.int(1, 4095) : dice.int(1, C.UNC_SIZE - 1);
      spec = { chunkBytes: bytes % PAGE === 0 ? bytes - 1 : bytes };
      detail = `chunks of ${spec.chunkBytes} uncompressed bytes (not a page multiple)`;
      break;
    }
    case "overlong":
      spec = { chunkBytes: C.UNC_SIZE + PAGE * dice.int(1, 2) };
      detail = `chunks of ${spec.chunkBytes! / PAGE} pages (more than UNC_PAGES)`;
      break;
    case "small":
      spec = { chunkBytes: PAGE * dice.int(1, 31) };
      detail = `chunks of ${spec.chunkBytes! / PAGE} pages (valid: only the writer's choice)`;
      break;
    case "empty": {
      const other = seed.linux.compression === "lz4" ? compressors.lz4 : compressors.lzo;
      spec = {
        chunk: at(() => {
          detail = `chunk ${target} replaced by an empty stream`;
          const bytes = other(new Uint8Array(0));
          return { cmpLen: bytes.length, bytes };
        }),
      };
      break;
    }
    case "other-algorithm": {
      const other = seed.linux.compression === "lz4" ? compressors.lzo : compressors.lz4;
      const stream = Buffer.concat([
        Buffer.from(seed.linux.spec.meta ?? packPfns(seed.linux.spec.entries, seed.linux.spec.arch)),
        ...seed.linux.spec.data,
      ]);
      const bytes = other(stream.subarray(target * C.UNC_SIZE, Math.min(stream.length, (target + 1) * C.UNC_SIZE)));
      spec = { chunk: (index, c) => (index === target ? { cmpLen: bytes.length, bytes } : c) };
      detail = `chunk ${target} compressed with ${seed.linux.compression === "lz4" ? "LZO" : "LZ4"}`;
      break;
    }
  }
  const image = linuxRebuild(seed, compressors, spec);
  return { name: `chunk.${change}`, detail, image };
}

function linuxHuge(seed: LinuxSeed, compressors: Compressors, dice: Dice): Mutation {
  const pages = dice.pick([2n ** 32n, 2n ** 40n, 2n ** 63n]);
  const which = dice.pick(["pages", "imagePages", "both"] as const);
  const info: LinuxImageSpec["info"] = {};
  if (which !== "imagePages") {
    info.pages = pages;
    info.size = pages * 4096n;
  }
  if (which !== "pages") info.imagePages = pages - 2n;
  return {
    name: "stream.huge",
    detail: `swsusp_info ${which} claims ${pages} pages`,
    image: linuxRebuild(seed, compressors, { info }),
  };
}

// ─────────────────────────────── choosing ───────────────────────────────

/** Everything a mutator may use. */
export interface MutationContext {
  seed: LoadedSeed;
  dice: Dice;
  compressors: Compressors;
  /** The boot kernel's frames in the seed's machine. */
  bootPfns?: readonly number[];
}

/** A mutator: a family of mutations that applies to some seeds. */
export interface Mutator {
  name: string;
  weight: number;
  applies(seed: LoadedSeed): boolean;
  mutate(context: MutationContext): Mutation;
}

const isThaw = (s: LoadedSeed): s is ThawSeed => s.thaw !== undefined;
const isLinux = (s: LoadedSeed): s is LinuxSeed => s.linux !== undefined;
const compressed = (s: LoadedSeed) => isLinux(s) && s.linux.compression !== "none";
const multiMap = (s: LoadedSeed) => isLinux(s) && s.linux.mapBlocks.length > 1;

function thaw(c: MutationContext): ThawSeed {
  return c.seed as ThawSeed;
}

function linux(c: MutationContext): LinuxSeed {
  return c.seed as LinuxSeed;
}

/** The mutators and their shares of the random cases. */
export const MUTATORS: readonly Mutator[] = [
  {
    name: "flip.any",
    weight: 4,
    applies: () => true,
    mutate: (c) =>
      isThaw(c.seed)
        ? thawFlip(thaw(c), c.dice, "any", c.dice.chance(0.5) ? { stream: true, header: true } : {})
        : linuxFlip(linux(c), c.dice, "any", compressed(c.seed) && c.dice.chance(0.3)),
  },
  {
    name: "flip.header",
    weight: 4,
    applies: () => true,
    mutate: (c) =>
      isThaw(c.seed)
        ? thawFlip(thaw(c), c.dice, "header", c.dice.chance(0.85) ? { header: true } : {})
        : linuxFlip(linux(c), c.dice, c.dice.chance(0.5) ? "header" : "info", false),
  },
  {
    name: "flip.pfn",
    weight: 4,
    applies: () => true,
    mutate: (c) =>
      isThaw(c.seed)
        ? thawFlip(thaw(c), c.dice, "pfn", c.dice.chance(0.75) ? { stream: true, header: true } : {})
        : compressed(c.seed)
          ? linuxPfnFlip(linux(c), c.dice, c.compressors)
          : linuxFlip(linux(c), c.dice, "pfn", false),
  },
  {
    name: "flip.data",
    weight: 1,
    applies: (s) => !compressed(s),
    mutate: (c) =>
      isThaw(c.seed)
        ? thawFlip(thaw(c), c.dice, "data", c.dice.chance(0.5) ? { stream: true, header: true } : {})
        : linuxFlip(linux(c), c.dice, "data", false),
  },
  { name: "flip.map", weight: 3, applies: isLinux, mutate: (c) => linuxFlip(linux(c), c.dice, "map", false) },
  {
    name: "flip.chunk-prefix",
    weight: 2,
    applies: compressed,
    mutate: (c) => linuxFlip(linux(c), c.dice, "chunk-prefix", false),
  },
  {
    name: "flip.chunk",
    weight: 3,
    applies: compressed,
    mutate: (c) => linuxFlip(linux(c), c.dice, "chunk", c.dice.chance(0.5)),
  },
  {
    name: "truncate",
    weight: 3,
    applies: () => true,
    mutate: (c) => {
      if (isThaw(c.seed)) {
        const points = thawTruncationPoints(thaw(c));
        const length = c.dice.chance(0.85) ? c.dice.pick(points) : c.dice.int(0, c.seed.bytes.length - 1);
        return thawTruncate(thaw(c), length, c.dice.chance(0.4));
      }
      return linuxTruncate(
        linux(c),
        c.dice.chance(0.85) ? c.dice.pick(linuxTruncationPoints(linux(c))) : c.dice.int(0, c.seed.bytes.length - 1),
      );
    },
  },
  {
    name: "extend",
    weight: 1,
    applies: isThaw,
    mutate: (c) => thawExtend(thaw(c), c.dice, c.dice.int(1, 3), c.dice.chance(0.5)),
  },
  {
    name: "field",
    weight: 6,
    applies: () => true,
    mutate: (c) => {
      if (isThaw(c.seed)) return thawFieldChoice(thaw(c), c.dice);
      if (c.dice.chance(0.5)) return linuxHeaderField(linux(c), c.dice, c.compressors);
      const field = c.dice.pick(["pages", "imagePages", "size", "numPhyspages"] as const);
      const spec = linux(c).linux.spec;
      const current = BigInt(
        field === "numPhyspages" ? spec.numPhyspages : field === "imagePages" ? spec.data.length : 0,
      );
      return linuxInfoField(
        linux(c),
        c.compressors,
        field,
        c.dice.pick(extremes(current, wordOf(linux(c)) === 4 ? 32 : 64)),
      );
    },
  },
  {
    name: "pfn",
    weight: 7,
    applies: () => true,
    mutate: (c) => {
      const change = c.dice.weighted(PFN_CHANGES);
      return isThaw(c.seed)
        ? thawPfn(thaw(c), c.dice, change, c.dice.chance(0.85) ? { stream: true, header: true } : {}, c.bootPfns)
        : linuxPfn(linux(c), c.dice, c.compressors, change, c.dice.chance(0.15), c.bootPfns);
    },
  },
  {
    name: "map",
    weight: 4,
    applies: isLinux,
    mutate: (c) => {
      const changes: MapChange[] = [
        "self-loop",
        "next-out",
        "next-huge",
        "entry-out",
        "entry-huge",
        "entry-zero",
        "entry-dup",
        "entry-map",
        "info-out",
      ];
      if (multiMap(c.seed)) changes.push("loop", "loop");
      return linuxMap(linux(c), c.dice, c.compressors, c.dice.pick(changes));
    },
  },
  {
    name: "chunk",
    weight: 5,
    applies: compressed,
    mutate: (c) =>
      linuxChunk(
        linux(c),
        c.dice,
        c.compressors,
        c.dice.weighted([
          ["cmp_len", 4],
          ["garbage", 4],
          ["truncated-body", 2],
          ["unc_len", 2],
          ["overlong", 1],
          ["small", 1],
          ["empty", 1],
          ["other-algorithm", 2],
        ] as const),
      ),
  },
  {
    name: "stream.huge",
    weight: 1,
    applies: () => true,
    mutate: (c) => (isThaw(c.seed) ? thawHuge(thaw(c), c.dice) : linuxHuge(linux(c), c.compressors, c.dice)),
  },
];

/** truncationPoints - The lengths a systematic truncation sweep cuts @seed to: every page (or block) boundary. */
export function truncationPoints(seed: LoadedSeed): number[] {
  return isThaw(seed) ? thawTruncationPoints(seed) : linuxTruncationPoints(seed as LinuxSeed);
}

/** truncate - @seed cut to @length bytes (the sweep's mutation). */
export function truncate(seed: LoadedSeed, length: number): Mutation {
  return isThaw(seed) ? thawTruncate(seed, length, false) : linuxTruncate(seed as LinuxSeed, length);
}
