/**
 * Sizes and rates in the units the kernel's messages use: bytes in KiB/MiB/GiB/TiB, throughput in GB/s.
 */

const BINARY_UNITS: Record<string, number> = {
  b: 1,
  k: 2 ** 10,
  kb: 2 ** 10,
  kib: 2 ** 10,
  m: 2 ** 20,
  mb: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gb: 2 ** 30,
  gib: 2 ** 30,
  t: 2 ** 40,
  tb: 2 ** 40,
  tib: 2 ** 40,
};

/**
 * parseSize - Parse "1GiB", "896M", "64K", "4096" into bytes (binary units; a bare number is bytes).
 * @throws TypeError naming the text when it is not a size.
 */
export function parseSize(text: string | number): number {
  if (typeof text === "number") return text;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? BINARY_UNITS[m[2]!.toLowerCase() || "b"] : undefined;
  if (!m || unit === undefined) throw new TypeError(`Expected a size such as 1GiB, 896MiB or 4096, got "${text}"`);
  return Math.round(Number(m[1]) * unit);
}

/** parseShare - Parse "25%", "0.25" or 25 (a number above 1 is a percentage) into a fraction in [0, 1]. */
export function parseShare(text: string | number): number {
  const s = String(text).trim();
  const value = s.endsWith("%") ? Number(s.slice(0, -1)) / 100 : Number(s);
  const share = !s.endsWith("%") && value > 1 ? value / 100 : value;
  if (!Number.isFinite(share) || share < 0 || share > 1) {
    throw new TypeError(`Expected a share such as 25% or 0.25, got "${text}"`);
  }
  return share;
}

/** formatBytes - 1073741824 → "1 GiB", 4096 → "4 KiB", 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  const digits = Number.isInteger(value) ? 0 : value < 10 ? 2 : 1;
  return `${value.toFixed(digits)} ${units[i]}`;
}

/** formatMiB - Bytes as MiB with one decimal. */
export function formatMiB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * gbPerSecond - Decimal gigabytes per second for @bytes moved in @ms milliseconds (undefined when too fast to time).
 */
export function gbPerSecond(bytes: number, ms: number): number | undefined {
  return ms > 0.01 && bytes > 0 ? bytes / ms / 1e6 : undefined;
}
