import { describe, expect, it } from "vitest";
import { crc32Le, hex32 } from "../src/util/crc32.js";
import { formatBytes, parseShare, parseSize } from "../src/util/units.js";

describe("units", () => {
  it("parses sizes in binary units", () => {
    expect(parseSize("1GiB")).toBe(2 ** 30);
    expect(parseSize("896M")).toBe(896 * 2 ** 20);
    expect(parseSize("4096")).toBe(4096);
    expect(() => parseSize("lots")).toThrow(/Expected a size/);
  });
  it("parses shares as percent or fraction", () => {
    expect(parseShare("25%")).toBe(0.25);
    expect(parseShare("0.4")).toBe(0.4);
    expect(parseShare(40)).toBe(0.4);
    expect(() => parseShare("150%")).toThrow();
  });
  it("formats bytes", () => {
    expect(formatBytes(2 ** 30)).toBe("1 GiB");
    expect(formatBytes(1536)).toBe("1.50 KiB");
  });
});

describe("crc32Le()", () => {
  it("is the kernel's crc32_le: check value 0x2dfd2d88 for \"123456789\" (kernel/power/swap.c: crc32_threadfn()), not zlib's 0xcbf43926", () => {
    expect(hex32(crc32Le(Buffer.from("123456789")))).toBe("2dfd2d88");
  });
  it("chains by concatenation", () => {
    const a = Buffer.from("hibernation "),
      b = Buffer.from("image");
    expect(crc32Le(b, crc32Le(a))).toBe(crc32Le(Buffer.concat([a, b])));
  });
});
