/**
 * The fuzzer's seeds: valid images every mutation starts from, each with the machine it resumes into.
 *
 * - thaw images of small machines with HighMem, zero pages, holes and nosave regions, one per bitmap strategy, at
 *   page sizes from 128 to 4096 bytes (createMachine + suspendMachine);
 * - small Linux swap areas in the three encodings (uncompressed, LZO, LZ4) from the fuzzer's writer, of x86_64 and of
 *   i386 kernels (u32 entries with the bit-31 zero flag, a u32 cmp_len, HighMem pages);
 * - the real images the tiny Linux 6.12 kernels wrote (test/fixtures/linux-6.12), when the checkout has them, and one
 *   made of the 32-bit Linux 6.1 fixture's own swsusp_info page and data pages (test/fixtures/linux-6.1-i386): its
 *   machine of 1 GiB is too large for a fuzz case, so its pages are laid out again in a small one.
 *
 * buildCorpus() writes them to a folder with a manifest; every seed must restore with every page verified, or the
 * corpus is refused. loadSeed() reads one back with what the mutators need: its regions, its PFN list, its pages.
 */
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { packageRoot } from "../src/engine/load.js";
import { LinuxSwapSource } from "../src/image/linux/linuxImage.js";
import { openImage } from "../src/image/open.js";
import { encodeEntry, entryPfn, readEntries } from "../src/image/pfnEntry.js";
import { type MachineOptions, type PfnRange, resolveMachine } from "../src/machine/config.js";
import { createMachine } from "../src/machine/machine.js";
import { machineOf, type ResumeMachineOptions, ResumeSession } from "../src/resume.js";
import { suspendMachine } from "../src/suspend.js";
import { createRandom } from "../src/util/random.js";
import { type Compressors, type LinuxImageSpec, type WriterArch, writeLinuxImage } from "./linuxWriter.js";
import { type ThawParts, thawParts } from "./thawBytes.js";

/** A seed as the manifest lists it. */
export interface SeedInfo {
  name: string;
  kind: "thaw" | "linux";
  encoding: "thaw" | "none" | "lzo" | "lz4";
  /** File name inside the corpus folder. */
  file: string;
  /** A real kernel-written image. */
  fixture: boolean;
  /** The machine the seed resumes into: the one it was suspended from (thaw), the one it describes (Linux). */
  machine: MachineOptions;
  /** Linux: the resume side's boot kernel, allocator, bitmap and seed, for machineOf(). */
  resume?: ResumeMachineOptions;
  /** Linux: where HighMem starts in the image's machine (OpenImageOptions.highmem), for images of i386 kernels. */
  highmem?: string;
  /** Relative share of the cases that start from this seed. */
  weight: number;
}

/** A corpus folder and its seeds. */
export interface Corpus {
  dir: string;
  seeds: SeedInfo[];
}

const THAW_SEEDS: { name: string; machine: MachineOptions; image: number; zero: number }[] = [
  {
    name: "thaw-512-highmem-flat",
    machine: {
      frames: 1024,
      pageSize: 512,
      zones: { dmaEndPfn: 64, highmemStartPfn: 700 },
      holes: [{ start: 90, end: 100 }],
      nosave: [{ start: 120, end: 122 }],
      seed: 1,
      boot: { profile: "scattered", share: 0.2 },
      allocator: "random",
      bitmap: "flat",
    },
    image: 0.3,
    zero: 0.1,
  },
  {
    name: "thaw-256-lowboot-bmlist",
    machine: {
      frames: 768,
      pageSize: 256,
      zones: { dmaEndPfn: 32, highmemStartPfn: 400 },
      holes: [],
      nosave: [{ start: 10, end: 12 }],
      seed: 2,
      boot: { profile: "low", share: 0.3 },
      allocator: "ascending",
      bitmap: "bmlist",
    },
    image: 0.35,
    zero: 0.05,
  },
  {
    name: "thaw-128-buddy-rtree",
    machine: {
      frames: 2048,
      pageSize: 128,
      zones: { dmaEndPfn: 128, highmemStartPfn: 1900 },
      holes: [{ start: 1000, end: 1010 }],
      nosave: [],
      seed: 3,
      boot: { profile: "clustered", share: 0.25, clusterPages: 16 },
      allocator: "buddy",
      bitmap: "rtree",
    },
    image: 0.3,
    zero: 0.1,
  },
  {
    name: "thaw-4096-summary",
    machine: {
      frames: 512,
      pageSize: 4096,
      zones: { dmaEndPfn: 16, highmemStartPfn: 384 },
      holes: [{ start: 40, end: 48 }],
      nosave: [{ start: 60, end: 61 }],
      seed: 4,
      boot: { profile: "scattered", share: 0.25 },
      allocator: "descending",
      bitmap: "summary",
    },
    image: 0.35,
    zero: 0.08,
  },
  {
    name: "thaw-64-tiny-pages-summary",
    machine: {
      frames: 4096,
      pageSize: 64,
      zones: { dmaEndPfn: 256, highmemStartPfn: 3000 },
      holes: [{ start: 2000, end: 2050 }],
      nosave: [{ start: 100, end: 104 }],
      seed: 5,
      boot: { profile: "scattered", share: 0.2 },
      allocator: "random",
      bitmap: "summary",
    },
    image: 0.25,
    zero: 0.1,
  },
  {
    name: "thaw-16384-flat",
    machine: {
      frames: 256,
      pageSize: 16384,
      zones: { dmaEndPfn: 8, highmemStartPfn: 192 },
      holes: [{ start: 10, end: 12 }],
      nosave: [],
      seed: 6,
      boot: { profile: "low", share: 0.2 },
      allocator: "buddy",
      bitmap: "flat",
    },
    image: 0.4,
    zero: 0.1,
  },
];

const LINUX_RESUME: ResumeMachineOptions[] = [
  { boot: { profile: "scattered", share: 0.25 }, allocator: "random", bitmap: "flat", seed: 11 },
  { boot: { profile: "low", share: 0.2 }, allocator: "buddy", bitmap: "rtree", seed: 12 },
  {
    boot: { profile: "clustered", share: 0.3, clusterPages: 32 },
    allocator: "descending",
    bitmap: "summary",
    seed: 13,
  },
];

const FIXTURES = [
  ["d-tiny-nocompress", "none"],
  ["e-tiny-lzo", "lzo"],
  ["f-tiny-lz4", "lz4"],
] as const;

/** The seed made of the 32-bit fixture's pages. */
const I386_FIXTURE_SEED = "i386-6.1-pages-lzo";

/** Where HighMem starts in the 32-bit seeds' machines (1024 page frames). */
export const I386_SEED_HIGHMEM = "pfn:768";

/**
 * syntheticLinuxSpec - The small Linux image of the corpus: 1024 pages of memory, 160 PFNs from 300 on (every 17th
 * a zero page), data pages that mix runs, repeats and noise so that the compressors emit literals and matches. An
 * @arch i386 image has 100 more PFNs from 800 on, in HighMem (I386_SEED_HIGHMEM).
 */
export function syntheticLinuxSpec(
  compression: LinuxImageSpec["compression"],
  arch: WriterArch = "x86_64",
): LinuxImageSpec {
  const random = createRandom(7, 1);
  const entries: bigint[] = [];
  const data: Uint8Array[] = [];
  const pfns = Array.from({ length: 160 }, (_, i) => 300 + i);
  if (arch === "i386") pfns.push(...Array.from({ length: 100 }, (_, i) => 800 + i));
  for (const pfn of pfns) {
    if (pfn % 17 === 0) {
      entries.push(encodeEntry(pfn, true));
      continue;
    }
    entries.push(BigInt(pfn));
    const page = new Uint8Array(4096);
    const kind = pfn % 4;
    for (let i = 0; i < 4096; i++) {
      page[i] =
        kind === 0
          ? random.int(0, 255)
          : kind === 1
            ? (pfn + (i >> 6)) & 0xff
            : kind === 2
              ? ((i * 7) ^ pfn) & 0xff
              : i < 2048
                ? pfn & 0xff
                : random.int(0, 3);
    }
    page[0] = 1;
    data.push(page);
  }
  return { compression, arch, numPhyspages: 1024, entries, data };
}

/**
 * i386FixtureSpec - The 32-bit Linux 6.1 fixture (d-tiny-highmem-lzo, unpacked at @path) in a small machine: its
 * own swsusp_info page (restore record and all) and 240 of its data pages — the last 120 below HighMem and the first
 * 120 above — at PFNs 256… and 800… of 1024 page frames, HighMem from I386_SEED_HIGHMEM.
 */
async function i386FixtureSpec(path: string): Promise<LinuxImageSpec> {
  const source = await LinuxSwapSource.open(path, { workers: 0, highmem: "pfn:226814" });
  try {
    const reader = source.stream();
    const meta = Buffer.alloc(source.metaPages * 4096);
    reader.read(meta);
    const pfns: number[] = [];
    for (let p = 0; p < source.metaPages; p++)
      readEntries(meta.subarray(p * 4096, (p + 1) * 4096), source.pfnEntryBytes, (e) => {
        pfns.push(entryPfn(e));
        return true;
      });
    const firstHigh = pfns.findIndex((pfn) => pfn >= 226814);
    const pages = Buffer.alloc(source.imagePages * 4096);
    reader.read(pages);
    const page = (i: number) => Uint8Array.from(pages.subarray(i * 4096, (i + 1) * 4096));
    const entries: bigint[] = [];
    const data: Uint8Array[] = [];
    for (let k = 0; k < 120; k++) {
      entries.push(encodeEntry(256 + k));
      data.push(page(firstHigh - 120 + k));
    }
    for (let k = 0; k < 120; k++) {
      entries.push(encodeEntry(800 + k));
      data.push(page(firstHigh + k));
    }
    const infoPage = Buffer.alloc(4096);
    const fd = openSync(path, "r");
    try {
      readSync(fd, infoPage, 0, 4096, source.map.entries[0]! * 4096);
    } finally {
      closeSync(fd);
    }
    return { compression: "lzo", arch: "i386", numPhyspages: 1024, entries, data, infoPage };
  } finally {
    source.close();
  }
}

async function gunzip(from: string, to: string): Promise<void> {
  await pipeline(createReadStream(from), createGunzip(), createWriteStream(to));
}

/** selfCheck - @seed must restore into its machine with every page verified. */
async function selfCheck(dir: string, seed: SeedInfo): Promise<void> {
  const machine = await createMachine(seed.machine);
  const result = (await ResumeSession.open(join(dir, seed.file), { machine, crcThread: false, workers: 0 })).run();
  if (!result.verify || result.verify.mismatches.length || result.verify.untouchedMismatches.length) {
    throw new Error(`fuzz seed ${seed.name} does not restore cleanly into its machine`);
  }
}

/** linuxMachine - The machine the Linux image at @path describes (HighMem from @highmem), with @resume's choices. */
async function linuxMachine(path: string, resume: ResumeMachineOptions, highmem?: string): Promise<MachineOptions> {
  const source = await openImage(path, { workers: 0, ...(highmem && { highmem }) });
  try {
    return JSON.parse(JSON.stringify(machineOf(source, resume))) as MachineOptions;
  } finally {
    source.close();
  }
}

/**
 * buildCorpus - Write every seed to @dir with a manifest (manifest.json), each checked to restore cleanly.
 * @fixtures: include the kernel-written images (when the checkout has them); @names: only these seeds.
 */
export async function buildCorpus(
  dir: string,
  compressors: Compressors,
  options: { fixtures?: boolean; names?: readonly string[] } = {},
): Promise<Corpus> {
  mkdirSync(dir, { recursive: true });
  const wanted = (name: string) => !options.names || options.names.includes(name);
  const seeds: SeedInfo[] = [];
  for (const t of THAW_SEEDS.filter((t) => wanted(t.name))) {
    const machine = await createMachine(t.machine);
    const file = `${t.name}.thaw`;
    suspendMachine(machine, { out: join(dir, file), image: t.image, zero: t.zero });
    seeds.push({ name: t.name, kind: "thaw", encoding: "thaw", file, fixture: false, machine: t.machine, weight: 10 });
  }
  const encodings = ["none", "lzo", "lz4"] as const;
  for (const arch of ["x86_64", "i386"] as const) {
    for (const [i, encoding] of encodings.entries()) {
      const name = arch === "i386" ? `linux32-${encoding}` : `linux-${encoding}`;
      if (!wanted(name)) continue;
      const file = `${name}.img`;
      writeFileSync(join(dir, file), writeLinuxImage(syntheticLinuxSpec(encoding, arch), compressors).device);
      const resume = LINUX_RESUME[i]!;
      const highmem = arch === "i386" ? I386_SEED_HIGHMEM : undefined;
      seeds.push({
        name,
        kind: "linux",
        encoding,
        file,
        fixture: false,
        machine: await linuxMachine(join(dir, file), resume, highmem),
        resume,
        ...(highmem && { highmem }),
        weight: arch === "i386" ? 6 : 10,
      });
    }
  }
  if (options.fixtures !== false) {
    for (const [i, [name, encoding]] of FIXTURES.entries()) {
      if (!wanted(name)) continue;
      const gz = join(packageRoot(), "test", "fixtures", "linux-6.12", name, "swap.img.gz");
      if (!existsSync(gz)) continue;
      const file = `${name}.img`;
      await gunzip(gz, join(dir, file));
      const resume = LINUX_RESUME[i]!;
      seeds.push({
        name,
        kind: "linux",
        encoding,
        file,
        fixture: true,
        machine: await linuxMachine(join(dir, file), resume),
        resume,
        weight: 2,
      });
    }
    const i386 = join(packageRoot(), "test", "fixtures", "linux-6.1-i386", "d-tiny-highmem-lzo", "swap.img.gz");
    if (wanted(I386_FIXTURE_SEED) && existsSync(i386)) {
      const unpacked = join(dir, "d-tiny-highmem-lzo.full.img");
      await gunzip(i386, unpacked);
      const file = `${I386_FIXTURE_SEED}.img`;
      writeFileSync(join(dir, file), writeLinuxImage(await i386FixtureSpec(unpacked), compressors).device);
      rmSync(unpacked);
      const resume = LINUX_RESUME[1]!;
      seeds.push({
        name: I386_FIXTURE_SEED,
        kind: "linux",
        encoding: "lzo",
        file,
        fixture: true,
        machine: await linuxMachine(join(dir, file), resume, I386_SEED_HIGHMEM),
        resume,
        highmem: I386_SEED_HIGHMEM,
        weight: 3,
      });
    }
  }
  for (const seed of seeds) await selfCheck(dir, seed);
  const corpus = { dir, seeds };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(corpus, null, 1));
  return corpus;
}

/** readCorpus - The corpus buildCorpus() wrote to @dir. */
export function readCorpus(dir: string): Corpus {
  return { ...(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Corpus), dir };
}

/** Where a Linux seed's structures lie, by block (4096 bytes), and its stream decoded. */
export interface LinuxSeedLayout {
  compression: "none" | "lzo" | "lz4";
  /** Blocks of the device file. */
  blocks: number;
  mapBlocks: number[];
  /** Blocks listed by the map, in stream order (entry 0: swsusp_info). */
  entries: number[];
  metaPages: number;
  /** Map entry index of each chunk's first block (compressed). */
  chunkStarts: number[];
  /** The image as a writer spec (entries, data pages, info page, flags), to rebuild it changed. */
  spec: LinuxImageSpec;
}

/** A seed loaded for mutation. */
export interface LoadedSeed {
  info: SeedInfo;
  path: string;
  bytes: Buffer;
  /** Frames, holes and nosave regions of the seed's machine. */
  frames: number;
  holes: PfnRange[];
  nosave: PfnRange[];
  thaw?: ThawParts;
  linux?: LinuxSeedLayout;
}

/**
 * loadSeed - Read @seed of the corpus in @dir with its structure: a thaw image split into header, PFN entries and
 * data pages; a Linux image's map, chunk starts and decoded stream.
 */
export async function loadSeed(dir: string, seed: SeedInfo): Promise<LoadedSeed> {
  const path = join(dir, seed.file);
  const bytes = readFileSync(path);
  const spec = resolveMachine(seed.machine);
  const loaded: LoadedSeed = { info: seed, path, bytes, frames: spec.frames, holes: spec.holes, nosave: spec.nosave };
  if (seed.kind === "thaw") loaded.thaw = thawParts(bytes);
  else loaded.linux = await linuxLayout(path, bytes, seed.encoding as LinuxSeedLayout["compression"]);
  return loaded;
}

async function linuxLayout(
  path: string,
  bytes: Buffer,
  compression: LinuxSeedLayout["compression"],
): Promise<LinuxSeedLayout> {
  const source = await LinuxSwapSource.open(path, { workers: 0 });
  try {
    const entries = source.map.entries;
    const word = source.info.wordSize;
    const chunkStarts: number[] = [];
    if (compression !== "none") {
      for (let entry = 1; entry < entries.length; ) {
        chunkStarts.push(entry);
        const at = entries[entry]! * 4096;
        const cmpLen = word === 4 ? bytes.readUInt32LE(at) : Number(bytes.readBigUInt64LE(at));
        entry += Math.ceil((word + cmpLen) / 4096);
      }
    }
    const reader = source.stream();
    const meta = Buffer.alloc(source.metaPages * 4096);
    reader.read(meta);
    const data: Uint8Array[] = [];
    for (let i = 0; i < source.imagePages; i++) {
      const page = new Uint8Array(4096);
      reader.read(page);
      data.push(page);
    }
    const stored: bigint[] = [];
    for (let p = 0; p < source.metaPages; p++)
      readEntries(meta.subarray(p * 4096, (p + 1) * 4096), word, (e) => {
        stored.push(e);
        return true;
      });
    const infoPage = bytes.subarray(entries[0]! * 4096, entries[0]! * 4096 + 4096);
    return {
      compression,
      blocks: Math.ceil(bytes.length / 4096),
      mapBlocks: source.map.mapPages,
      entries,
      metaPages: source.metaPages,
      chunkStarts,
      spec: {
        compression,
        numPhyspages: source.numPhyspages,
        entries: stored,
        data,
        meta,
        infoPage: Buffer.from(infoPage),
        flags: source.swapHeader.flags,
        arch: source.info.arch,
      },
    };
  } finally {
    source.close();
  }
}
