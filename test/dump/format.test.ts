/**
 * The dump formats' plans (src/dump/format.ts, raw.ts, elf.ts, lime.ts): the format an output's name suggests, where
 * each run's pages go, and the headers, decoded here as their specifications lay them out.
 */
import { describe, expect, it } from "vitest";
import { PN_XNUM, planElf } from "../../src/dump/elf.js";
import { formatOf } from "../../src/dump/format.js";
import { layoutOf } from "../../src/dump/layout.js";
import { LIME_MAGIC, planLime } from "../../src/dump/lime.js";
import { planRaw } from "../../src/dump/raw.js";

const concat = (chunks: Iterable<{ position: number; bytes: Uint8Array }>) => {
  const list: { position: number; bytes: Uint8Array }[] = [];
  for (const c of chunks) list.push({ position: c.position, bytes: Uint8Array.from(c.bytes) });
  const size = Math.max(0, ...list.map((c) => c.position + c.bytes.length));
  const out = new Uint8Array(size);
  for (const c of list) out.set(c.bytes, c.position);
  return Buffer.from(out);
};

/** PFNs 16–19 and 100 (a zero page). */
const small = layoutOf(Uint32Array.from([16, 17, 18, 19, 100]), Uint8Array.from([0, 0, 0, 0, 1]));

describe("formatOf", () => {
  it("takes the format given, else the extension's, else raw", () => {
    expect(formatOf("m.bin", "lime")).toBe("lime");
    expect(formatOf("m.elf")).toBe("elf");
    expect(formatOf("vmcore.CORE")).toBe("elf");
    expect(formatOf("m.vmcore")).toBe("elf");
    expect(formatOf("m.lime")).toBe("lime");
    expect(formatOf("m.raw")).toBe("raw");
    expect(formatOf("memory")).toBe("raw");
  });

  it("refuses a name that is no dump format", () => {
    expect(() => formatOf("m.raw", "vmem")).toThrow(/format "vmem" is not a dump format/);
  });
});

describe("planRaw", () => {
  it("puts PFN p at p × page size, ending with the last image page", () => {
    const plan = planRaw(small, { pageSize: 4096, wordBytes: 8 });
    expect(plan.fileSize).toBe(101 * 4096);
    expect([plan.runOffset(0), plan.runOffset(1)]).toEqual([16 * 4096, 100 * 4096]);
    expect([...plan.headers()]).toEqual([]);
  });
});

describe("planLime", () => {
  it("writes a range header before each run: magic, version 1, first and last (inclusive) address", () => {
    const plan = planLime(small, { pageSize: 4096, wordBytes: 8 });
    expect(plan.fileSize).toBe(2 * 32 + 5 * 4096);
    expect([plan.runOffset(0), plan.runOffset(1)]).toEqual([32, 32 + 4 * 4096 + 32]);
    const bytes = concat(plan.headers());
    expect(bytes.readUInt32LE(0)).toBe(LIME_MAGIC);
    expect(bytes.readUInt32LE(4)).toBe(1);
    expect(bytes.readBigUInt64LE(8)).toBe(16n * 4096n);
    expect(bytes.readBigUInt64LE(16)).toBe(20n * 4096n - 1n);
    const second = 32 + 4 * 4096;
    expect(bytes.readBigUInt64LE(second + 8)).toBe(100n * 4096n);
    expect(bytes.readBigUInt64LE(second + 16)).toBe(101n * 4096n - 1n);
  });
});

describe("planElf", () => {
  it("writes an ELF64 core for a 64-bit kernel: a PT_LOAD per run, data from the first page after the headers", () => {
    const plan = planElf(small, { pageSize: 4096, wordBytes: 8 });
    const bytes = concat(plan.headers());
    expect(bytes.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    expect([bytes[4], bytes[5], bytes.readUInt16LE(16), bytes.readUInt16LE(18)]).toEqual([2, 1, 4, 62]);
    expect(bytes.readUInt16LE(56)).toBe(2);
    expect(plan.runOffset(0)).toBe(4096);
    expect(plan.fileSize).toBe(4096 + 5 * 4096);
    const second = 64 + 56;
    expect(bytes.readUInt32LE(second)).toBe(1);
    expect(bytes.readBigUInt64LE(second + 8)).toBe(BigInt(4096 + 4 * 4096));
    expect(bytes.readBigUInt64LE(second + 24)).toBe(100n * 4096n);
    expect(bytes.readBigUInt64LE(second + 32)).toBe(4096n);
  });

  it("writes ELF32 for a 32-bit kernel, and ELF64 with EM_386 when an address lies above 4 GiB (PAE)", () => {
    const low = concat(planElf(small, { pageSize: 4096, wordBytes: 4 }).headers());
    expect([low[4], low.readUInt16LE(18), low.readUInt16LE(44)]).toEqual([1, 3, 2]);
    expect(low.readUInt32LE(52 + 32 + 12)).toBe(100 * 4096);
    const pae = layoutOf(Uint32Array.from([5, 2 ** 20 + 3]), new Uint8Array(2));
    const high = concat(planElf(pae, { pageSize: 4096, wordBytes: 4 }).headers());
    expect([high[4], high.readUInt16LE(18)]).toEqual([2, 3]);
    expect(high.readBigUInt64LE(64 + 56 + 24)).toBe(BigInt(2 ** 20 + 3) * 4096n);
  });

  it("puts the count of 65535 segments and more in section header 0 (PN_XNUM)", () => {
    const runs = 70000;
    const layout = layoutOf(
      Uint32Array.from({ length: runs }, (_, i) => 2 * i),
      new Uint8Array(runs),
    );
    const plan = planElf(layout, { pageSize: 4096, wordBytes: 8 });
    const bytes = concat(plan.headers());
    expect(bytes.readUInt16LE(56)).toBe(PN_XNUM);
    const shoff = Number(bytes.readBigUInt64LE(40));
    expect(shoff).toBe(64 + runs * 56);
    expect([bytes.readUInt16LE(58), bytes.readUInt16LE(60)]).toEqual([64, 1]);
    expect(bytes.readUInt32LE(shoff + 44)).toBe(runs);
    expect(plan.runOffset(0) % 4096).toBe(0);
    expect(plan.runOffset(0)).toBeGreaterThanOrEqual(shoff + 64);
  });
});
