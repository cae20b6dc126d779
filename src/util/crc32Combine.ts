/**
 * crc32Combine - The kernel's raw CRC32 of a concatenation from the CRCs of its parts, so that chunks can be
 * checksummed on worker threads in any order and combined in stream order (as zlib's crc32_combine(), for the raw
 * CRC: crc(A‖B) = crc(A)·x^(8|B|) ⊕ crc(B) mod P, in the reflected bit order of crc32_le).
 */

const POLY = 0xedb88320;

/** multmodp - a(x)·b(x) mod P(x), both reflected. */
function multmodp(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) mod P. */
const X2N: number[] = (() => {
  const table = [0x40000000];
  for (let k = 1; k < 64; k++) table.push(multmodp(table[k - 1]!, table[k - 1]!));
  return table;
})();

/** xPow8n - x^(8·@n) mod P. */
function xPow8n(n: number): number {
  let p = 0x80000000;
  let k = 3;
  while (n > 0) {
    if (n % 2) p = multmodp(X2N[k % 64]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** crc32Combine - crc32_le(0, A‖B) from @crcA = crc32_le(0, A), @crcB = crc32_le(0, B) and |B| = @lengthB bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multmodp(xPow8n(lengthB), crcA) ^ crcB) >>> 0;
}
