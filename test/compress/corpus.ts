/**
 * Inputs for the decompressor tests, and the reference codecs that compress them: liblzo's lzo1x_1_compress and
 * lzo1x_decompress_safe (npm "lzo", minilzo 2.09), LZ4's LZ4_compress_default, LZ4_compress_HC and
 * LZ4_decompress_safe (npm "lz4", lz4 1.9). Neither shares code with thaw's decoders.
 */
import { createRequire } from "node:module";
import fc from "fast-check";
import { createRandom, type Random } from "../../src/util/random.js";

const require = createRequire(import.meta.url);
const lzo = require("lzo") as {
  compress(input: Buffer): Buffer;
  decompress(input: Buffer, length: number): Buffer;
};
const lz4 = require("lz4") as {
  encodeBound(n: number): number;
  encodeBlock(input: Buffer, output: Buffer): number;
  encodeBlockHC(input: Buffer, output: Buffer): number;
  decodeBlock(input: Buffer, output: Buffer): number;
};

/** lzoCompress - lzo1x_1_compress(@data), as the kernel's crypto "lzo" writes a chunk. */
export function lzoCompress(data: Uint8Array): Uint8Array {
  return new Uint8Array(lzo.compress(Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
}

/**
 * lzoReference - liblzo's lzo1x_decompress_safe(@data) into @cap bytes: the output, or the LZO_E_* name it failed
 * with.
 */
export function lzoReference(data: Uint8Array, cap: number): Uint8Array | string {
  try {
    return new Uint8Array(lzo.decompress(Buffer.from(data), Math.max(cap, 1))).subarray(0, cap);
  } catch (e) {
    return /code: (LZO_E_\w+)/.exec(String(e))?.[1] ?? String(e);
  }
}

/** lz4Compress - LZ4_compress_default(@data) (the kernel's crypto "lz4"), or LZ4_compress_HC with @hc. */
export function lz4Compress(data: Uint8Array, hc = false): Uint8Array {
  const out = Buffer.alloc(lz4.encodeBound(data.length) + 16);
  const input = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const n = hc ? lz4.encodeBlockHC(input, out) : lz4.encodeBlock(input, out);
  if (n <= 0) throw new Error(`lz4 compress failed: ${n}`);
  return new Uint8Array(out.subarray(0, n));
}

/** lz4Reference - LZ4_decompress_safe(@data) into @cap bytes: the output, or its negative result. */
export function lz4Reference(data: Uint8Array, cap: number): Uint8Array | number {
  const out = Buffer.alloc(cap);
  const n = lz4.decodeBlock(Buffer.from(data), out);
  return n < 0 ? n : new Uint8Array(out.subarray(0, n));
}

/** Bytes shaped like kernel memory: records of pointers, counters and zero padding, a string now and then. */
function kernelLikePages(random: Random, pages: number): Uint8Array {
  const out = new Uint8Array(pages * 4096);
  const dv = new DataView(out.buffer);
  for (let p = 0; p < pages; p++) {
    const base = p * 4096;
    const recordSize = 8 << random.int(1, 5);
    const fill = random.int(0, 4096);
    for (let off = 0; off + recordSize <= fill; off += recordSize) {
      dv.setBigUint64(base + off, 0xffff888000000000n + BigInt(random.int(0, 0xfffff) << 6), true);
      dv.setUint32(base + off + 8, random.int(0, 3), true);
      if (recordSize >= 32)
        dv.setBigUint64(base + off + 16, 0xffffffff81000000n + BigInt(random.int(0, 0xffff) * 16), true);
    }
    if (random.int(0, 3) === 0)
      out.set(new TextEncoder().encode("kernel/power/swap.c: Image loading progress"), base + fill);
  }
  return out;
}

/** Random bytes, then copies of earlier slices at distances around each LZO match-class and window boundary. */
function farMatches(random: Random): Uint8Array {
  const distances = [1, 2, 3, 7, 8, 15, 16, 17, 1024, 1025, 2048, 2049, 3072, 3073, 16384, 16385, 49151, 49152, 65535];
  const parts: number[] = [];
  for (let i = 0; i < 70000; i++) parts.push(random.int(0, 255));
  for (const d of distances) {
    const len = random.int(3, 300);
    for (let i = 0; i < len; i++) parts.push(parts[parts.length - d]!);
    for (let i = random.int(0, 5); i > 0; i--) parts.push(random.int(0, 255));
  }
  return Uint8Array.from(parts);
}

/** Segments of literals, byte runs and repeats of earlier output, chosen by @random, up to @size bytes. */
function segments(random: Random, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let n = 0;
  while (n < size) {
    const kind = random.int(0, 3);
    const len = Math.min(size - n, kind === 0 ? random.int(1, 600) : random.int(1, 6000));
    if (kind === 0 || n === 0) {
      for (let i = 0; i < len; i++) out[n++] = random.int(0, 255);
    } else if (kind === 1) {
      out.fill(random.int(0, 3) === 0 ? random.int(0, 255) : 0, n, n + len);
      n += len;
    } else {
      const dist = random.int(1, Math.min(n, 70000));
      for (let i = 0; i < len; i++, n++) out[n] = out[n - dist]!;
    }
  }
  return out;
}

/** corpus - Named inputs covering every instruction class, run length and distance the decoders handle. */
export function corpus(): Array<[string, Uint8Array]> {
  const random = createRandom(20261125, 7);
  const periodic = (period: number, size: number) => {
    const unit = Uint8Array.from({ length: period }, () => random.int(0, 255));
    return Uint8Array.from({ length: size }, (_, i) => unit[i % period]!);
  };
  const text = () => {
    const words = ["hibernation", "swap", "page", "frame", "the", "kernel", "image", "restore", "of", "a", "bitmap"];
    let s = "";
    while (s.length < 100000) s += words[random.int(0, words.length - 1)] + (random.int(0, 9) === 0 ? ".\n" : " ");
    return new TextEncoder().encode(s);
  };
  const items: Array<[string, Uint8Array]> = [
    ["empty", new Uint8Array(0)],
    ["one byte", Uint8Array.of(42)],
    ["three bytes", Uint8Array.of(1, 2, 3)],
    ["zeros 4096", new Uint8Array(4096)],
    ["zeros 131072", new Uint8Array(131072)],
    ["random 131072", Uint8Array.from({ length: 131072 }, () => random.int(0, 255))],
    ["text 100 KB", text()],
    ["kernel-like pages ×32", kernelLikePages(random, 32)],
    ["far matches", farMatches(random)],
    ["segments 131072", segments(random, 131072)],
    ["segments 300000", segments(random, 300000)],
  ];
  for (const p of [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 31, 64, 255])
    items.push([`period ${p}`, periodic(p, 5000)]);
  for (const n of [1, 2, 5, 17, 18, 19, 20, 21, 238, 239, 270]) {
    items.push([`random ${n}`, Uint8Array.from({ length: n }, () => random.int(0, 255))]);
  }
  return items;
}

/**
 * structuredData - fast-check arbitrary for compressible data: runs of random bytes, of one byte, and copies of
 * earlier bytes at any distance, up to @maxLength bytes.
 */
export function structuredData(maxLength = 20000): fc.Arbitrary<Uint8Array> {
  const segment = fc.oneof(
    fc.record({ kind: fc.constant("bytes" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }) }),
    fc.record({
      kind: fc.constant("run" as const),
      byte: fc.integer({ min: 0, max: 255 }),
      len: fc.integer({ min: 1, max: 3000 }),
    }),
    fc.record({
      kind: fc.constant("copy" as const),
      dist: fc.integer({ min: 1, max: 70000 }),
      len: fc.integer({ min: 1, max: 3000 }),
    }),
  );
  return fc.array(segment, { maxLength: 40 }).map((segs) => {
    const out: number[] = [];
    for (const s of segs) {
      if (out.length >= maxLength) break;
      if (s.kind === "bytes") out.push(...s.bytes);
      else if (s.kind === "run") for (let i = 0; i < s.len; i++) out.push(s.byte);
      else if (out.length > 0) {
        const d = Math.min(s.dist, out.length);
        for (let i = 0; i < s.len; i++) out.push(out[out.length - d]!);
      }
    }
    return Uint8Array.from(out.slice(0, maxLength));
  });
}

/**
 * mutated - fast-check arbitrary: @valid with a few bytes overwritten, maybe cut short or extended by garbage.
 */
export function mutated(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc
    .record({
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      tail: fc.uint8Array({ maxLength: 3 }),
    })
    .map(({ edits, cut, tail }) => {
      const out = Uint8Array.from(valid);
      for (const [at, byte] of edits) if (out.length > 0) out[at % out.length] = byte;
      const body = cut === undefined ? out : out.subarray(0, cut % (out.length + 1));
      const joined = new Uint8Array(body.length + tail.length);
      joined.set(body);
      joined.set(tail, body.length);
      return joined;
    });
}
