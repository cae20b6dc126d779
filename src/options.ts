/**
 * One validation for the options of the library and the CLI: resumeImage(), ResumeSession.open(), inspectImage() and
 * simulate() check their options object here before anything is opened or allocated, and the CLI's flag parsers call
 * the same checks. A bad value is a ConfigError that names the option, the value and what is allowed.
 */
import { BITMAP_STRATEGIES } from "./engine/strategies.js";
import { ConfigError } from "./errors.js";
import type { BootSpec } from "./machine/config.js";
import { parseShare, parseSize } from "./util/units.js";

/**
 * Most decompression workers a session starts. The kernel starts at most CMP_THREADS (3); more only add threads that
 * wait, each with its own slot and V8 isolate (~8 MiB), so 16 keeps a session's threads well under 512 MiB.
 */
export const MAX_WORKERS = 16;

/** Bytes of a swap block: --offset (resume_offset) counts these. */
const SWAP_BLOCK = 4096;

/** Largest resume_offset whose byte position (offset × 4096) is still an exact JavaScript number (2^53 − 1). */
export const MAX_OFFSET_BLOCKS = Math.floor(Number.MAX_SAFE_INTEGER / SWAP_BLOCK);

/** Loading modes of loadImage. */
export const LOAD_MODES = ["planned", "faithful"] as const;

/** Where a machine's frames hold their contents. */
export const CONTENTS_CHOICES = ["auto", "memory", "store"] as const;

/** Boot kernel footprint profiles. */
export const BOOT_PROFILES = ["low", "scattered", "clustered"] as const;

/** Page allocator orders. */
export const ALLOCATOR_ORDERS = ["ascending", "descending", "random", "buddy"] as const;

/** shown - @value as a ConfigError's offending value: numbers as they are, anything else (NaN, objects) as text. */
function shown(value: unknown): number | string {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string") return value;
  if (typeof value === "bigint") return value.toString();
  try {
    return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
  } catch {
    return String(value);
  }
}

/** quoted - @value for a message: strings in quotes, numbers and others as they print. */
function quoted(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(shown(value));
}

/** refuse - The ConfigError for option @name with @value, which must be @allowed. */
export function refuse(name: string, value: unknown, allowed: string, limit?: number): ConfigError {
  return new ConfigError(`${name} must be ${allowed}, got ${quoted(value)}`, {
    kind: "option",
    name,
    value: shown(value),
    ...(limit !== undefined && { limit }),
  });
}

/** integerIn - @value when it is an integer in [@min, @max]; @text: a number given as text (CLI flags) is parsed. */
function integerIn(value: unknown, name: string, min: number, max: number, what: string): number {
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw refuse(name, value, what, max);
  }
  return n;
}

/**
 * checkWorkers - Decompression workers: an integer from 0 (the calling thread decompresses) to MAX_WORKERS.
 * @throws ConfigError naming @name and the value.
 */
export function checkWorkers(value: unknown, name = "workers"): number {
  return integerIn(value, name, 0, MAX_WORKERS, `an integer from 0 to ${MAX_WORKERS}`);
}

/**
 * checkOffset - resume_offset: the swap block (4 KiB) of a swap file's header, an integer from 0 to MAX_OFFSET_BLOCKS
 * so that its byte position is exact.
 * @throws ConfigError naming @name and the value.
 */
export function checkOffset(value: unknown, name = "offset"): number {
  return integerIn(
    value,
    name,
    0,
    MAX_OFFSET_BLOCKS,
    `an integer from 0 to ${MAX_OFFSET_BLOCKS} (4 KiB blocks: resume_offset)`,
  );
}

/**
 * checkMaxMemory - A memory bound: a positive whole number of bytes up to 2^53 − 1, or a size such as "256MiB".
 * @throws ConfigError naming @name and the value (NaN, Infinity, negative, zero and text that is no size included).
 */
export function checkMaxMemory(value: unknown, name = "maxMemory"): number {
  const allowed = `a number of bytes from 1 to ${Number.MAX_SAFE_INTEGER} or a size such as 256MiB`;
  let bytes: number;
  if (typeof value === "number") bytes = value;
  else if (typeof value === "string") {
    try {
      bytes = parseSize(value);
    } catch {
      throw refuse(name, value, allowed);
    }
  } else throw refuse(name, value, allowed);
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw refuse(name, value, allowed);
  return bytes;
}

/**
 * checkChoice - @value when it is one of @allowed.
 * @throws ConfigError naming @name, the value and the choices.
 */
export function checkChoice<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw refuse(name, value, `one of ${allowed.join(", ")}`);
  }
  return value as T;
}

/** checkBoolean - @value when it is true or false. @throws ConfigError naming @name. */
export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== "boolean") throw refuse(name, value, "true or false");
  return value;
}

/** checkString - @value when it is a non-empty string (a path). @throws ConfigError naming @name. */
export function checkString(value: unknown, name: string): string {
  if (typeof value !== "string" || value.length === 0 || value.includes("\0")) {
    throw refuse(name, value, "a non-empty path");
  }
  return value;
}

/**
 * checkBoot - The boot kernel's footprint: { profile, share } (share in [0, 1], or "25%") or { pfns }; as a CLI flag,
 * "profile[:share]".
 * @throws ConfigError naming @name and the value.
 */
export function checkBoot(value: unknown, name = "boot"): BootSpec {
  const allowed = `{ profile: ${BOOT_PROFILES.join(" | ")}, share: 0 to 1 } or { pfns: [...] }`;
  if (typeof value === "string") {
    const [profile, share] = value.split(":");
    return checkBoot({ profile, share: share ?? 0.25 }, name);
  }
  if (typeof value !== "object" || value === null) throw refuse(name, value, allowed);
  if ("pfns" in value) {
    const { pfns } = value as { pfns: unknown };
    if (!Array.isArray(pfns) || !pfns.every((p) => Number.isSafeInteger(p) && p >= 0)) {
      throw refuse(name, value, allowed);
    }
    return value as BootSpec;
  }
  const { profile, share, clusterPages } = value as { profile?: unknown; share?: unknown; clusterPages?: unknown };
  if (!(BOOT_PROFILES as readonly unknown[]).includes(profile)) {
    throw refuse(`${name}.profile`, profile, `one of ${BOOT_PROFILES.join(", ")}`);
  }
  let fraction: number;
  try {
    fraction = parseShare(share as string | number);
  } catch {
    throw refuse(`${name}.share`, share, "a share from 0 to 1, or a percentage such as 25%");
  }
  if (clusterPages !== undefined) integerIn(clusterPages, `${name}.clusterPages`, 1, 2 ** 32, "a positive integer");
  return {
    profile: profile as BootSpec extends { profile: infer P } ? P : never,
    share: fraction,
    ...(clusterPages !== undefined && { clusterPages: clusterPages as number }),
  };
}

/** The options every entry point may be given, by name, with the check each value must pass. */
const CHECKS: Record<string, (value: unknown, name: string) => unknown> = {
  workers: checkWorkers,
  offset: checkOffset,
  maxMemory: checkMaxMemory,
  maxUnpacked: checkMaxMemory,
  mode: (v, n) => checkChoice(v, n, LOAD_MODES),
  contents: (v, n) => checkChoice(v, n, CONTENTS_CHOICES),
  verify: checkBoolean,
  crcThread: checkBoolean,
  ignoreHwSig: checkBoolean,
  restorePblist: checkBoolean,
  overwrite: checkBoolean,
  storeDir: checkString,
  map: checkString,
  digest: checkString,
  failAllocationAt: (v, n) => integerIn(v, n, 0, Number.MAX_SAFE_INTEGER, "an integer ≥ 0 (0: never)"),
  failReadAt: (v, n) => integerIn(v, n, 0, Number.MAX_SAFE_INTEGER, "an integer ≥ 0 (0: never)"),
  shortReadAt: (v, n) => integerIn(v, n, 0, Number.MAX_SAFE_INTEGER, "an integer ≥ 0 (0: never)"),
  onProgress: (v, n) => {
    if (typeof v !== "function") throw refuse(n, v, "a function");
    return v;
  },
  boot: checkBoot,
  bitmap: (v, n) => checkChoice(v, n, BITMAP_STRATEGIES),
  allocator: (v, n) =>
    typeof v === "object" && v !== null && Array.isArray((v as { order?: unknown }).order)
      ? v
      : checkChoice(v, n, ALLOCATOR_ORDERS),
  seed: (v, n) => integerIn(v, n, 0, Number.MAX_SAFE_INTEGER, "a non-negative integer"),
  machine: (v, n) => {
    if (typeof v !== "object" || v === null) throw refuse(n, v, "a Machine");
    return v;
  },
};

/**
 * checkOptions - @options of the entry point @what, checked: undefined and null mean none; anything that is not a
 * plain object is refused; each known option present is checked (and normalised: maxMemory "256MiB" becomes bytes);
 * nested machineOptions are checked the same way. Unknown keys are left alone (the caller's own fields).
 * @throws ConfigError naming the option, the value and what is allowed.
 */
export function checkOptions<T extends object>(options: T | null | undefined, what: string): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== "object" || Array.isArray(options)) {
    throw refuse(`${what} options`, options, "an object (or undefined)");
  }
  const out: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const [key, value] of Object.entries(out)) {
    if (value === undefined) continue;
    const check = CHECKS[key];
    if (check) out[key] = check(value, key);
    else if (key === "machineOptions") out[key] = checkOptions(value as object | null, `${what} machineOptions`);
  }
  return out as T;
}
