import { describe, expect, it } from "vitest";
import * as C from "../assembly/portable/compress.js";
import * as L from "../assembly/portable/layout.js";
import { loadModule } from "../src/engine/load.js";
import { EngineMemory } from "../src/engine/memory.js";
import { BITMAP_STRATEGIES, STRATEGY_KIND } from "../src/engine/strategies.js";
import { CONTROL_BYTES, INPUT_BYTES, SLOT, SLOT_BYTES } from "../src/image/linux/chunkSlot.js";

/** fields - The constants of @module whose names start with @prefix, as [name, value], by value. */
function fields(module: Record<string, unknown>, prefix: string, except: readonly string[] = []): [string, number][] {
  return Object.entries(module)
    .filter(([name, value]) => name.startsWith(prefix) && typeof value === "number" && !except.includes(name))
    .map(([name, value]) => [name, value as number] as [string, number])
    .sort((a, b) => a[1] - b[1]);
}

/** expectRecord - Fields of a record at distinct, aligned offsets inside @size bytes (u64 fields 8-aligned). */
function expectRecord(list: [string, number][], size: number, wide: readonly string[] = []): void {
  const offsets = new Map<number, string>();
  for (const [name, at] of list) {
    const width = wide.includes(name) ? 8 : 4;
    expect(offsets.has(at), `${name} shares offset ${at} with ${offsets.get(at)}`).toBe(false);
    offsets.set(at, name);
    expect(at % width, `${name} at ${at} is not ${width}-byte aligned`).toBe(0);
    expect(at + width, `${name} at ${at} runs past the record (${size} bytes)`).toBeLessThanOrEqual(size);
  }
  for (let i = 1; i < list.length; i++) {
    const [prev, at] = list[i - 1]!;
    const width = wide.includes(prev) ? 8 : 4;
    expect(list[i]![1], `${list[i]![0]} overlaps ${prev}`).toBeGreaterThanOrEqual(at + width);
  }
}

describe("assembly/portable/layout.ts", () => {
  it("gives every CTX field its own aligned slot inside CTX_SIZE (u64 fields 8-aligned)", () => {
    const ctx = fields(L, "CTX_", ["CTX_START", "CTX_SIZE"]);
    expect(ctx.length).toBeGreaterThan(80);
    expectRecord(ctx, L.CTX_SIZE, ["CTX_ERR_VALUE", "CTX_ERR_LIMIT"]);
  });

  it("lays the regions out in order, disjoint, the frames and arena above the static data", () => {
    const regions: [string, number, number][] = [
      ["AS_RESERVED", L.AS_RESERVED_START, L.AS_RESERVED_SIZE],
      ["CTX", L.CTX_START, L.CTX_SIZE],
      ["RANGES", L.RANGES_START, L.RANGES_SIZE],
      ["STAGING", L.STAGING_START, L.STAGING_SIZE],
    ];
    for (let i = 1; i < regions.length; i++) {
      const [prev, start, size] = regions[i - 1]!;
      expect(regions[i]![1], `${regions[i]![0]} overlaps ${prev}`).toBeGreaterThanOrEqual(start + size);
    }
    expect(L.HOLES_START).toBe(L.RANGES_START);
    expect(L.NOSAVE_START + L.MAX_RANGES * L.RANGE_SIZE).toBe(L.RANGES_START + L.RANGES_SIZE);
    expect(L.ARENA_START).toBeGreaterThanOrEqual(L.STAGING_START + L.STAGING_SIZE);
    expect(L.STAGING_START % L.WASM_PAGE_SIZE).toBe(0);
    expect(L.STAGING_SIZE % (2 * 2 ** L.MAX_PAGE_SHIFT)).toBe(0);
  });

  it("keeps the engine's static data inside AS_RESERVED, in both builds", async () => {
    for (const flavour of ["debug", "release"] as const) {
      const mem = await EngineMemory.create(L.ARENA_START, flavour);
      expect(mem.exports.layoutHeapBase()).toBeLessThanOrEqual(L.AS_RESERVED_START + L.AS_RESERVED_SIZE);
    }
    await loadModule();
  });

  it("gives the bitmap descriptor, the PBE and the thaw header distinct fields", () => {
    expectRecord(fields(L, "BMD_", ["BMD_SIZE", "BMD_AUX"]), L.BMD_AUX);
    expect(L.BMD_AUX).toBeLessThan(L.BMD_SIZE);
    expectRecord(fields(L, "PBE_", ["PBE_SIZE"]), L.PBE_SIZE, ["PBE_ADDRESS", "PBE_ORIG_ADDRESS", "PBE_NEXT"]);
    expect([L.HIGHMEM_PBE_COPY_PAGE, L.HIGHMEM_PBE_ORIG_PAGE, L.HIGHMEM_PBE_NEXT]).toEqual([
      L.PBE_ADDRESS,
      L.PBE_ORIG_ADDRESS,
      L.PBE_NEXT,
    ]);
    const header = fields(L, "HDR_", ["HDR_BLOCK_SIZE", "HDR_MAX_RANGES", "HDR_MAGIC", "HDR_HOLES", "HDR_NOSAVE"]);
    expectRecord(header, L.HDR_HOLES, [
      "HDR_NUM_PHYSPAGES",
      "HDR_IMAGE_PAGES",
      "HDR_PAGES",
      "HDR_SIZE",
      "HDR_DMA_END_PFN",
      "HDR_HIGHMEM_START_PFN",
      "HDR_SEED",
      "HDR_NR_FRAMES",
    ]);
    expect(L.HDR_VERSION).toBeGreaterThanOrEqual(L.HDR_MAGIC + 8);
    expect(L.HDR_NOSAVE).toBeGreaterThanOrEqual(L.HDR_HOLES + L.HDR_MAX_RANGES * L.RANGE_SIZE);
    expect(L.HDR_NOSAVE + L.HDR_MAX_RANGES * L.RANGE_SIZE).toBeLessThanOrEqual(L.HDR_BLOCK_SIZE);
  });

  it("numbers the bitmap strategies 0 … NR_BM_KINDS - 1, one each", () => {
    expect(BITMAP_STRATEGIES.map((s) => STRATEGY_KIND[s])).toEqual([...Array(L.NR_BM_KINDS).keys()]);
  });
});

describe("assembly/portable/compress.ts and the chunk slot", () => {
  it("keeps the decoders' error record inside DECOMP_ERR_SIZE", () => {
    expectRecord(fields(C, "DECOMP_ERR_", ["DECOMP_ERR_SIZE"]), C.DECOMP_ERR_SIZE);
  });

  it("fits a chunk's header, its worst-case compressed bytes and its output in a slot", () => {
    expect(C.CMP_PAGES * 4096).toBeGreaterThanOrEqual(C.WORST_CMP_LEN + C.CMP_HEADER);
    expect(INPUT_BYTES).toBe(C.CMP_PAGES * 4096);
    expect(SLOT_BYTES).toBe(CONTROL_BYTES + INPUT_BYTES + C.UNC_SIZE);
    const words = Object.entries(SLOT).filter(([name]) => !["WORDS", "IDLE", "WORK", "DONE", "EXIT"].includes(name));
    const used = new Set<number>();
    for (const [name, word] of words) {
      const span = name === "ERR" ? C.DECOMP_ERR_SIZE / 4 : 1;
      for (let w = word; w < word + span; w++) {
        expect(used.has(w), `slot word ${w} (${name}) is taken twice`).toBe(false);
        used.add(w);
      }
      expect(word + span).toBeLessThanOrEqual(SLOT.WORDS);
    }
  });
});
