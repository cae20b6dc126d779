/**
 * An image's integer fields as the kernel stored them: `unsigned long`, `size_t` and `sector_t` are u64 on x86_64, so
 * a hostile image can state values a JS number cannot hold. They are read here as a number when that is exact
 * (at most 2^53 − 1) and as their exact decimal text otherwise, so that a message or an `offending` value never
 * shows a rounded or clamped figure.
 */

/** A field's value: a number when it is exact, else its decimal text. */
export type ExactValue = number | string;

/** exact - @value as a number when it is one exactly, else its decimal text. */
export function exact(value: bigint): ExactValue {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** readWord - The little-endian unsigned word of @bytes (4 or 8) at @at of @page, exact. */
export function readWord(page: Buffer, at: number, bytes: 4 | 8): ExactValue {
  return bytes === 4 ? page.readUInt32LE(at) : exact(page.readBigUInt64LE(at));
}

/** atLeast - True if @value (exact) is at least @limit; a value held as text exceeds every number. */
export function atLeast(value: ExactValue, limit: number): boolean {
  return typeof value === "string" || value >= limit;
}
