/**
 * Scenarios: a JSON file that fixes a simulation explicitly — frame count, zones, holes, nosave regions, the boot
 * kernel's PFNs, the allocator's exact order, the image's PFNs — so that a worked case (examples/worked-example.json)
 * runs from the command line (`thaw simulate --scenario FILE`). The schema is in the README; every key is optional.
 *
 * PFN lists take numbers and "start-end" strings (both ends included): [10, 11, "50-52"].
 * PFN ranges (holes, nosave) take [start, end) pairs or { "start": s, "end": e } objects.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "./errors.js";
import type { AllocatorSpec, BitmapStrategy, BootProfileName, BootSpec, PfnRange } from "./machine/config.js";
import type { SimulateOptions } from "./simulate.js";
import { parseShare } from "./util/units.js";

/** The JSON form of a scenario. */
export interface ScenarioJson {
  memory?: string | number;
  frames?: number;
  pageSize?: number;
  highmem?: string | number | false;
  dma?: string | number;
  zones?: { dmaEndPfn?: number; highmemStartPfn?: number };
  holes?: RangeJson[];
  nosave?: RangeJson[];
  boot?: { profile: BootProfileName; share: number | string; clusterPages?: number } | { pfns: PfnListJson };
  allocator?: string | { order: PfnListJson };
  bitmap?: BitmapStrategy;
  seed?: number;
  image?: {
    share?: number | string;
    zero?: number | string;
    pfns?: PfnListJson;
    zeroPfns?: PfnListJson;
    seed?: number;
  };
}

type PfnListJson = (number | string)[];
type RangeJson = [number, number] | { start: number; end: number };

const KEYS = [
  "memory",
  "frames",
  "pageSize",
  "highmem",
  "dma",
  "zones",
  "holes",
  "nosave",
  "boot",
  "allocator",
  "bitmap",
  "seed",
  "image",
];

function bad(message: string, name: string, value: unknown): never {
  throw new ConfigError(`scenario: ${message}`, {
    kind: "option",
    name,
    value: typeof value === "number" ? value : JSON.stringify(value),
  });
}

/** pfnList - Expand [10, "50-52"] into [10, 50, 51, 52]. */
export function pfnList(list: unknown, name: string): number[] {
  if (!Array.isArray(list)) bad(`${name} must be an array of PFNs and "start-end" ranges`, name, list);
  const out: number[] = [];
  for (const item of list) {
    if (typeof item === "number" && Number.isInteger(item) && item >= 0) out.push(item);
    else if (typeof item === "string" && /^\d+-\d+$/.test(item)) {
      const [a, b] = item.split("-").map(Number) as [number, number];
      if (b < a) bad(`range "${item}" in ${name} runs backwards`, name, item);
      for (let pfn = a; pfn <= b; pfn++) out.push(pfn);
    } else bad(`${name} holds ${JSON.stringify(item)}, which is neither a PFN nor a "start-end" range`, name, item);
  }
  return out;
}

function ranges(list: unknown, name: string): PfnRange[] {
  if (!Array.isArray(list)) bad(`${name} must be an array of [start, end) pairs`, name, list);
  return list.map((r: unknown) => {
    if (Array.isArray(r) && r.length === 2) return { start: Number(r[0]), end: Number(r[1]) };
    if (r && typeof r === "object" && "start" in r && "end" in r) return { start: Number(r.start), end: Number(r.end) };
    return bad(`${name} holds ${JSON.stringify(r)}, not a [start, end) pair`, name, r);
  });
}

/**
 * distinctPfns - @list (the expansion of @name), refused when it lists a PFN twice: an image holds each page once,
 * and the image path refuses a PFN listed twice (unpackOrigPfns), so a scenario must not merge them silently.
 */
function distinctPfns(list: number[], name: string): number[] {
  const seen = new Set<number>();
  for (const pfn of list) {
    if (seen.has(pfn)) bad(`${name} lists PFN ${pfn} twice`, name, pfn);
    seen.add(pfn);
  }
  return list;
}

/**
 * parseScenario - Turn a scenario object into simulate() options.
 * @throws ConfigError naming the key that is wrong.
 */
export function parseScenario(json: unknown): SimulateOptions {
  if (!json || typeof json !== "object" || Array.isArray(json)) bad("a scenario is a JSON object", "scenario", json);
  const s = json as ScenarioJson;
  for (const key of Object.keys(s))
    if (!KEYS.includes(key)) bad(`unknown key "${key}" (known: ${KEYS.join(", ")})`, key, key);
  const options: SimulateOptions = {};
  if (s.memory !== undefined) options.memory = s.memory;
  if (s.frames !== undefined) options.frames = s.frames;
  if (s.pageSize !== undefined) options.pageSize = s.pageSize;
  if (s.highmem !== undefined) options.highmem = s.highmem;
  if (s.dma !== undefined) options.dma = s.dma;
  if (s.zones !== undefined) options.zones = s.zones;
  if (s.holes !== undefined) options.holes = ranges(s.holes, "holes");
  if (s.nosave !== undefined) options.nosave = ranges(s.nosave, "nosave");
  if (s.boot !== undefined) {
    options.boot =
      "pfns" in s.boot
        ? { pfns: pfnList(s.boot.pfns, "boot.pfns") }
        : ({ ...s.boot, share: parseShare(s.boot.share) } as BootSpec);
  }
  if (s.allocator !== undefined) {
    options.allocator =
      typeof s.allocator === "string"
        ? (s.allocator as AllocatorSpec)
        : { order: pfnList(s.allocator.order, "allocator.order") };
  }
  if (s.bitmap !== undefined) options.bitmap = s.bitmap;
  if (s.seed !== undefined) options.seed = s.seed;
  if (s.image !== undefined) {
    const image = s.image;
    options.suspend = {
      ...(image.share !== undefined && { image: image.share }),
      ...(image.zero !== undefined && { zero: image.zero }),
      ...(image.pfns !== undefined && { pfns: distinctPfns(pfnList(image.pfns, "image.pfns"), "image.pfns") }),
      ...(image.zeroPfns !== undefined && {
        zeroPfns: distinctPfns(pfnList(image.zeroPfns, "image.zeroPfns"), "image.zeroPfns"),
      }),
      ...(image.seed !== undefined && { imageSeed: image.seed }),
    };
    if (image.pfns !== undefined && image.zeroPfns === undefined) options.suspend.zeroPfns = [];
  }
  return options;
}

/** loadScenario - Read and parse the scenario file at @path. @throws ConfigError. */
export function loadScenario(path: string): SimulateOptions {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read scenario ${path}: ${(error as Error).message}`, {
      kind: "option",
      name: "scenario",
      value: path,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`scenario ${path} is not JSON: ${(error as Error).message}`, {
      kind: "option",
      name: "scenario",
      value: path,
    });
  }
  return parseScenario(json);
}
