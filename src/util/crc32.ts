/**
 * The kernel's CRC32 (kernel/power/swap.c: crc32_threadfn()): crc32_le() — reflected polynomial 0xEDB88320, seed 0, no
 * final XOR — which is not zlib's CRC-32. Computed with Node's native zlib.crc32 (≈ 4.8 GB/s here), which pre- and
 * post-inverts (and, in Node 20, does not always return its seed for an empty view, hence the guard):
 * crc32_le(prev, buf) = zlib.crc32(buf, prev ^ 0xffffffff) ^ 0xffffffff. Check value for "123456789": 0x2dfd2d88.
 */
import { crc32 as zlibCrc32 } from "node:zlib";

/** crc32Le - crc32_le(@prev, @data): the kernel's raw CRC32, chained through @prev (0 to start). */
export function crc32Le(data: Uint8Array, prev = 0): number {
  if (data.length === 0) return prev >>> 0;
  return (zlibCrc32(data, (prev ^ 0xffffffff) >>> 0) ^ 0xffffffff) >>> 0;
}

/** hex32 - A CRC as 8 lowercase hex digits. */
export function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, "0");
}
