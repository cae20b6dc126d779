import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  DECOMP_E_ARGS,
  LZO_E_BITSTREAM_VERSION,
  LZO_E_ERROR,
  LZO_E_INPUT_NOT_CONSUMED,
  LZO_E_INPUT_OVERRUN,
  LZO_E_LOOKBEHIND_OVERRUN,
  LZO_E_OUTPUT_OVERRUN,
} from "../../assembly/portable/compress.js";
import { ARENA_START } from "../../assembly/portable/layout.js";
import { corpus, lzoCompress, lzoReference, mutated, structuredData } from "./corpus.js";
import { createDecompressBench, type DecompressBench, ERR_RECORD } from "./harness.js";

const NAMES: Record<number, string> = {
  [LZO_E_ERROR]: "LZO_E_ERROR",
  [LZO_E_INPUT_OVERRUN]: "LZO_E_INPUT_OVERRUN",
  [LZO_E_OUTPUT_OVERRUN]: "LZO_E_OUTPUT_OVERRUN",
  [LZO_E_LOOKBEHIND_OVERRUN]: "LZO_E_LOOKBEHIND_OVERRUN",
  [LZO_E_INPUT_NOT_CONSUMED]: "LZO_E_INPUT_NOT_CONSUMED",
};

const OVERRUNS = ["LZO_E_INPUT_OVERRUN", "LZO_E_OUTPUT_OVERRUN", "LZO_E_LOOKBEHIND_OVERRUN"];

/** The end-of-stream marker: an M4 match of 3 bytes at distance 16384 + 0. */
const EOS = [17, 0, 0];

describe("lzo1xDecompressSafe()", () => {
  let bench: DecompressBench;
  beforeAll(async () => {
    bench = await createDecompressBench();
  });

  describe("what lzo1x_1_compress writes", () => {
    it.each(corpus())("round-trips %s, into a roomy buffer and into one of exactly its size", (_name, data) => {
      const packed = lzoCompress(data);
      for (const [cap, fill] of [
        [data.length + 4096, 0xee],
        [data.length, 0x11],
      ] as const) {
        const r = bench.run("lzo", packed, cap, fill);
        expect(r.ret).toBe(data.length);
        expect(Buffer.from(r.output).equals(Buffer.from(data))).toBe(true);
      }
    });

    it("round-trips any mix of literals, byte runs and repeats (property)", () => {
      fc.assert(
        fc.property(structuredData(), fc.nat(64), (data, extra) => {
          const r = bench.run("lzo", lzoCompress(data), data.length + extra);
          expect(r.ret).toBe(data.length);
          expect(Buffer.from(r.output).equals(Buffer.from(data))).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it("decodes the 3-byte stream of empty input to 0 bytes", () => {
      expect(bench.run("lzo", Uint8Array.from(EOS), 0).ret).toBe(0);
      expect(bench.run("lzo", Uint8Array.from(EOS), 100).ret).toBe(0);
    });
  });

  describe("bad input", () => {
    const sample = lzoCompress(
      corpus()
        .find(([name]) => name === "kernel-like pages ×32")![1]
        .subarray(0, 6000),
    );

    it("fails every strict prefix of a stream with LZO_E_INPUT_OVERRUN", () => {
      for (let n = 0; n < sample.length; n++) {
        const r = bench.run("lzo", sample.subarray(0, n), 6000);
        expect(r.ret, `prefix ${n}`).toBe(LZO_E_INPUT_OVERRUN);
        expect(r.inPos).toBeLessThanOrEqual(n);
      }
    });

    it("fails with LZO_E_OUTPUT_OVERRUN when dst is short, and writes nothing past dstCap", () => {
      for (const cap of [0, 1, 17, 1000, 4095, 5999]) {
        const r = bench.run("lzo", sample, cap, 0x77);
        expect(r.ret, `cap ${cap}`).toBe(LZO_E_OUTPUT_OVERRUN);
        expect(r.outPos).toBeLessThanOrEqual(cap);
        expect(r.outPos + r.value).toBeGreaterThan(cap);
      }
    });

    it("refuses a match that reaches before dst with LZO_E_LOOKBEHIND_OVERRUN, naming its distance", () => {
      // one literal 'A' (first byte 18), then an M2 of 3 bytes at distance 5: t = 64 | (4 & 7) << 2, b = 4 >> 3
      const r = bench.run("lzo", Uint8Array.of(18, 0x41, 0x50, 0x00, ...EOS), 100);
      expect(r.ret).toBe(LZO_E_LOOKBEHIND_OVERRUN);
      expect([r.inPos, r.outPos, r.value]).toEqual([2, 1, 5]);
      // an M2 at distance 9 with enough input behind it for the fast loop, which hands it to the general path
      const fast = bench.run("lzo", Uint8Array.of(18, 0x41, 0x40, 0x01, ...new Array(40).fill(0x40), ...EOS), 100);
      expect([fast.ret, fast.inPos, fast.outPos, fast.value]).toEqual([LZO_E_LOOKBEHIND_OVERRUN, 2, 1, 9]);
      // the same M2 at distance 1 is fine: "AAAA"
      const ok = bench.run("lzo", Uint8Array.of(18, 0x41, 0x40, 0x00, ...EOS), 100);
      expect(Buffer.from(ok.output).toString()).toBe("AAAA");
    });

    it("refuses bytes after the end-of-stream marker with LZO_E_INPUT_NOT_CONSUMED", () => {
      const r = bench.run("lzo", Uint8Array.from([...sample, 0, 0]), 6000);
      expect(r.ret).toBe(LZO_E_INPUT_NOT_CONSUMED);
      expect(r.value).toBe(2);
      expect(r.inPos).toBe(sample.length - 3);
    });

    it("refuses an end-of-stream marker with an extended length with LZO_E_ERROR", () => {
      // M4, length field 0 → extended: 9 + 1 = 10 bytes, distance 0
      const r = bench.run("lzo", Uint8Array.of(16, 1, 0, 0), 100);
      expect(r.ret).toBe(LZO_E_ERROR);
      expect(r.value).toBe(10);
    });

    it("refuses literal lengths the input or dst cannot hold", () => {
      // a literal run of 18 + 255·2 + 5 = 533 bytes with only 4 present
      const long = bench.run("lzo", Uint8Array.of(0, 0, 0, 5, 1, 2, 3, 4, ...EOS), 1000);
      expect(long.ret).toBe(LZO_E_INPUT_OVERRUN);
      expect(long.value).toBe(4 + 533 + 3);
      // a length field of 2^20 zero bytes that the input ends inside
      expect(bench.run("lzo", new Uint8Array(1 << 20), 1000).ret).toBe(LZO_E_INPUT_OVERRUN);
      const huge = Uint8Array.from([0, ...new Array(4000).fill(0), 1, ...EOS]);
      const r = bench.run("lzo", huge, 100000);
      expect(r.ret).toBe(LZO_E_OUTPUT_OVERRUN);
      expect(r.value).toBe(18 + 255 * 4000 + 1);
    });

    it("refuses the LZO-RLE version marker with LZO_E_BITSTREAM_VERSION", () => {
      const r = bench.run("lzo", Uint8Array.of(17, 1, 18, 0x41, ...EOS), 100);
      expect(r.ret).toBe(LZO_E_BITSTREAM_VERSION);
      expect(r.value).toBe(1);
    });

    it("refuses streams shorter than the end marker", () => {
      for (const s of [[], [17], [17, 0]])
        expect(bench.run("lzo", Uint8Array.from(s), 10).ret).toBe(LZO_E_INPUT_OVERRUN);
    });

    it("refuses buffers outside the memory or overlapping each other with DECOMP_E_ARGS", () => {
      const f = bench.exports.lzo1xDecompressSafe;
      const size = bench.memory.buffer.byteLength;
      expect(f(size - 2, 3, ARENA_START, 100, ERR_RECORD)).toBe(DECOMP_E_ARGS);
      expect(f(ARENA_START, 3, size - 50, 100, ERR_RECORD)).toBe(DECOMP_E_ARGS);
      expect(f(ARENA_START, 100, ARENA_START + 50, 100, ERR_RECORD)).toBe(DECOMP_E_ARGS);
      expect(f(ARENA_START, 100, ARENA_START + 100, 0x80000000, ERR_RECORD)).toBe(DECOMP_E_ARGS);
    });

    it("agrees with liblzo's lzo1x_decompress_safe on damaged streams: same output, or the same error (property)", () => {
      const base = lzoCompress(
        corpus()
          .find(([name]) => name === "segments 131072")![1]
          .subarray(0, 3000),
      );
      fc.assert(
        fc.property(mutated(base), fc.integer({ min: 0, max: 4000 }), (input, cap) => {
          const ours = bench.run("lzo", input, cap);
          const ref = lzoReference(input, cap);
          if (ours.ret === LZO_E_ERROR) {
            // An end marker whose length is not 3: the kernel refuses it, liblzo does not check the length and stops
            // there as at a good marker.
            expect(ours.value).not.toBe(3);
            if (typeof ref === "string") expect(ref).toBe("LZO_E_INPUT_NOT_CONSUMED");
            else expect(ref.length).toBe(ours.outPos);
          } else if (typeof ref === "string") {
            // Like the kernel, and unlike liblzo, we refuse anything shorter than the end marker before looking at it,
            // and read a first byte of 17 in a longer stream as the LZO-RLE version marker.
            if (input.length < 3) expect(ours.ret).toBe(LZO_E_INPUT_OVERRUN);
            else if (input[0] === 17 && input.length >= 5) expect(ours.ret).toBe(LZO_E_BITSTREAM_VERSION);
            else if (NAMES[ours.ret] !== ref) {
              // One instruction that overruns two limits at once: the kernel (whose order of checks we keep) and
              // liblzo test them in different orders, so they name different ones.
              expect(OVERRUNS).toContain(NAMES[ours.ret]);
              expect(OVERRUNS).toContain(ref);
            }
          } else {
            expect(ours.ret).toBe(ref.length);
            expect(Buffer.from(ours.output).equals(Buffer.from(ref))).toBe(true);
          }
        }),
        { numRuns: 1000 },
      );
    });

    it("never traps, reads past the input or writes outside dst on random bytes (property)", () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 8192 }), (input, cap) => {
          const r = bench.run("lzo", input, cap, 0x3c);
          expect(r.ret).toBeLessThanOrEqual(cap);
          if (r.ret < 0) expect([...Object.keys(NAMES).map(Number), LZO_E_BITSTREAM_VERSION]).toContain(r.ret);
        }),
        { numRuns: 2000 },
      );
    });
  });
});
