import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  DECOMP_E_ARGS,
  LZ4_E_END_MISSING,
  LZ4_E_INPUT_OVERRUN,
  LZ4_E_LOOKBEHIND_OVERRUN,
  LZ4_E_OFFSET_ZERO,
  LZ4_E_OUTPUT_OVERRUN,
} from "../../assembly/portable/compress.js";
import { ARENA_START } from "../../assembly/portable/layout.js";
import { corpus, lz4Compress, lz4Reference, mutated, structuredData } from "./corpus.js";
import { createDecompressBench, type DecompressBench, ERR_RECORD } from "./harness.js";

const CODES = [
  LZ4_E_INPUT_OVERRUN,
  LZ4_E_OUTPUT_OVERRUN,
  LZ4_E_LOOKBEHIND_OVERRUN,
  LZ4_E_OFFSET_ZERO,
  LZ4_E_END_MISSING,
];

/** A final sequence of @n literal bytes "a", "b", …: the token, then the literals. */
const finalLiterals = (n: number) => [n << 4, ...Array.from({ length: n }, (_, i) => 97 + i)];

describe("lz4DecompressSafe()", () => {
  let bench: DecompressBench;
  beforeAll(async () => {
    bench = await createDecompressBench();
  });

  describe("what LZ4_compress_default and LZ4_compress_HC write", () => {
    it.each(corpus())("round-trips %s, into a roomy buffer and into one of exactly its size", (_name, data) => {
      for (const hc of [false, true]) {
        const packed = lz4Compress(data, hc);
        for (const [cap, fill] of [
          [data.length + 4096, 0xee],
          [data.length, 0x11],
        ] as const) {
          const r = bench.run("lz4", packed, cap, fill);
          expect(r.ret, hc ? "HC" : "default").toBe(data.length);
          expect(Buffer.from(r.output).equals(Buffer.from(data))).toBe(true);
        }
      }
    });

    it("round-trips any mix of literals, byte runs and repeats (property)", () => {
      fc.assert(
        fc.property(structuredData(), fc.nat(64), fc.boolean(), (data, extra, hc) => {
          const r = bench.run("lz4", lz4Compress(data, hc), data.length + extra);
          expect(r.ret).toBe(data.length);
          expect(Buffer.from(r.output).equals(Buffer.from(data))).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it("decodes the 1-byte block of empty input to 0 bytes", () => {
      expect(bench.run("lz4", Uint8Array.of(0), 0).ret).toBe(0);
    });
  });

  describe("bad input", () => {
    const data = corpus()
      .find(([name]) => name === "kernel-like pages ×32")![1]
      .subarray(0, 6000);
    const sample = lz4Compress(data);

    it("fails every strict prefix of a block, or decodes it to a prefix of the data (LZ4 has no end marker)", () => {
      let failed = 0;
      for (let n = 0; n < sample.length; n++) {
        const r = bench.run("lz4", sample.subarray(0, n), 6000);
        if (r.ret < 0) {
          expect([LZ4_E_INPUT_OVERRUN, LZ4_E_END_MISSING], `prefix ${n}`).toContain(r.ret);
          failed++;
        } else {
          expect(Buffer.from(r.output).equals(Buffer.from(data.subarray(0, r.ret))), `prefix ${n}`).toBe(true);
        }
      }
      expect(failed).toBeGreaterThan(sample.length / 2);
    });

    it("fails with LZ4_E_OUTPUT_OVERRUN when dst is short, and writes nothing past dstCap", () => {
      for (const cap of [0, 1, 17, 1000, 4095, 5999]) {
        const r = bench.run("lz4", sample, cap, 0x77);
        expect(r.ret, `cap ${cap}`).toBe(LZ4_E_OUTPUT_OVERRUN);
        expect(r.outPos).toBeLessThanOrEqual(cap);
        expect(r.outPos + r.value).toBeGreaterThan(cap);
      }
    });

    it("refuses a match that reaches before dst with LZ4_E_LOOKBEHIND_OVERRUN, naming its offset", () => {
      // one literal 'A', a 4-byte match at offset 2, then the final literals
      const r = bench.run("lz4", Uint8Array.of(0x10, 0x41, 2, 0, ...finalLiterals(5)), 100);
      expect(r.ret).toBe(LZ4_E_LOOKBEHIND_OVERRUN);
      expect([r.inPos, r.outPos, r.value]).toEqual([0, 1, 2]);
      // the same with enough input behind it for the fast loop, which leaves with the literal copied
      const fast = bench.run("lz4", Uint8Array.of(0x10, 0x41, 2, 0, ...finalLiterals(14)), 100);
      expect([fast.ret, fast.inPos, fast.outPos, fast.value]).toEqual([LZ4_E_LOOKBEHIND_OVERRUN, 0, 1, 2]);
      const ok = bench.run("lz4", Uint8Array.of(0x10, 0x41, 1, 0, ...finalLiterals(5)), 100);
      expect(Buffer.from(ok.output).toString()).toBe("AAAAAabcde");
    });

    it("refuses a match offset of 0 with LZ4_E_OFFSET_ZERO", () => {
      const r = bench.run("lz4", Uint8Array.of(0x10, 0x41, 0, 0, ...finalLiterals(5)), 100);
      expect(r.ret).toBe(LZ4_E_OFFSET_ZERO);
    });

    it("refuses a block that ends with a match with LZ4_E_END_MISSING", () => {
      const r = bench.run("lz4", Uint8Array.of(0x50, 97, 98, 99, 100, 101, 5, 0), 100);
      expect(r.ret).toBe(LZ4_E_END_MISSING);
      expect(r.outPos).toBe(9);
    });

    it("refuses lengths the input or dst cannot hold", () => {
      // literals: 15 + 255 + 10 = 280 announced, 3 present
      const lit = bench.run("lz4", Uint8Array.of(0xf0, 255, 10, 1, 2, 3), 1000);
      expect(lit.ret).toBe(LZ4_E_INPUT_OVERRUN);
      expect(lit.value).toBe(3 + 280);
      // a length field that the input ends inside
      expect(bench.run("lz4", Uint8Array.from([0xf0, ...new Array(5000).fill(255)]), 2 << 20).ret).toBe(
        LZ4_E_INPUT_OVERRUN,
      );
      // a match of 4 + 15 + 255·40 + 1 bytes into 5000
      const match = bench.run(
        "lz4",
        Uint8Array.of(0x1f, 0x41, 1, 0, ...new Array(40).fill(255), 1, ...finalLiterals(5)),
        5000,
      );
      expect(match.ret).toBe(LZ4_E_OUTPUT_OVERRUN);
      expect(match.value).toBeGreaterThan(5000);
      // an offset cut off by the end of the input
      expect(bench.run("lz4", Uint8Array.of(0x10, 0x41, 1), 100).ret).toBe(LZ4_E_INPUT_OVERRUN);
      expect(bench.run("lz4", new Uint8Array(0), 100).ret).toBe(LZ4_E_INPUT_OVERRUN);
    });

    it("refuses buffers outside the memory or overlapping each other with DECOMP_E_ARGS", () => {
      const f = bench.exports.lz4DecompressSafe;
      const size = bench.memory.buffer.byteLength;
      expect(f(size - 2, 3, ARENA_START, 100, ERR_RECORD)).toBe(DECOMP_E_ARGS);
      expect(f(ARENA_START, 3, size - 50, 100, ERR_RECORD)).toBe(DECOMP_E_ARGS);
      expect(f(ARENA_START, 100, ARENA_START + 50, 100, ERR_RECORD)).toBe(DECOMP_E_ARGS);
    });

    it("decodes every damaged block that LZ4_decompress_safe decodes, to the same bytes (property)", () => {
      const base = lz4Compress(
        corpus()
          .find(([name]) => name === "segments 131072")![1]
          .subarray(0, 3000),
      );
      fc.assert(
        fc.property(mutated(base), fc.integer({ min: 0, max: 4000 }), (input, cap) => {
          const ours = bench.run("lz4", input, cap);
          const ref = lz4Reference(input, cap);
          if (typeof ref !== "number" && ours.ret !== LZ4_E_OFFSET_ZERO) {
            expect(ours.ret).toBe(ref.length);
            expect(Buffer.from(ours.output).equals(Buffer.from(ref))).toBe(true);
          }
          if (ours.ret < 0) expect(CODES).toContain(ours.ret);
        }),
        { numRuns: 1000 },
      );
    });

    it("decodes damaged blocks of whole pages, through the fast loop and up to a tight dst, as LZ4_decompress_safe does (property)", () => {
      const pages = corpus()
        .find(([name]) => name === "kernel-like pages ×32")![1]
        .subarray(0, 6 * 4096);
      for (const hc of [false, true]) {
        fc.assert(
          fc.property(mutated(lz4Compress(pages, hc)), fc.integer({ min: -96, max: 96 }), (input, slack) => {
            const cap = pages.length + slack;
            const ours = bench.run("lz4", input, cap, 0x5a);
            const ref = lz4Reference(input, cap);
            if (typeof ref !== "number" && ours.ret !== LZ4_E_OFFSET_ZERO) {
              expect(ours.ret).toBe(ref.length);
              expect(Buffer.from(ours.output).equals(Buffer.from(ref))).toBe(true);
            }
            if (ours.ret < 0) expect(CODES).toContain(ours.ret);
          }),
          { numRuns: 300 },
        );
      }
    });

    it("never traps, reads past the input or writes outside dst on random bytes (property)", () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 8192 }), (input, cap) => {
          const r = bench.run("lz4", input, cap, 0x3c);
          expect(r.ret).toBeLessThanOrEqual(cap);
          if (r.ret < 0) expect(CODES).toContain(r.ret);
        }),
        { numRuns: 2000 },
      );
    });
  });
});
