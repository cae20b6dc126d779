import { describe, expect, it } from "vitest";
import { bitmapChargePages, explicitOrders, pbesPerLinkedPage, runModel } from "./model.js";
import { EXAMPLE_IMAGE, exampleMachine, framesBeforeReserve } from "./worked-example.js";

describe("reference model: the worked example (examples/worked-example.json)", () => {
  const result = runModel(exampleMachine(), EXAMPLE_IMAGE);

  it("succeeds with n = 5 and no unsafe page found while building the safe bitmaps", () => {
    expect(result.outcome).toEqual({ ok: true });
    expect(result.counts.allocatedUnsafePages).toBe(0);
    expect(result.counts.imagePages).toBe(5);
  });

  it("reserves 60, then preallocates 50 (owned), 61, 51 (owned), 62, 63: safe_pages_list = [63, 62, 61, 60]", () => {
    const prepared = result.phases.find((p) => p.phase === "prepareImage")!;
    expect(prepared.safePagesList).toEqual([63, 62, 61, 60]);
    for (const pfn of [50, 51, 60, 61, 62, 63]) {
      expect(prepared.forbidden).toContain(pfn);
      expect(prepared.free).toContain(pfn);
    }
    expect(result.counts.safePages).toBe(4);
  });

  it("builds restore_pblist 60→52, 61→11, 62→10 in that order, all in chain page 63", () => {
    expect(result.restorePblist.map(({ address, origAddress }) => ({ address, origAddress }))).toEqual([
      { address: 60, origAddress: 52 },
      { address: 61, origAddress: 11 },
      { address: 62, origAddress: 10 },
    ]);
    expect(result.chainPages).toEqual([63]);
    expect(result.restorePblist.every((pbe) => pbe.chainPage === 63)).toBe(true);
  });

  it("writes 50 and 51 in place and uses all four spare pages", () => {
    expect(result.ownedFrames).toEqual([50, 51]);
    expect(result.counts).toMatchObject({ directPages: 2, pbes: 3, chainPages: 1, highmemPbes: 0, ownedFrames: 2 });
    const loaded = result.phases.find((p) => p.phase === "loadImage")!;
    // after snapshot_write_finalize() only orig_bm's recycled pages are on the list
    expect(loaded.safePagesList.some((pfn) => [60, 61, 62, 63].includes(pfn))).toBe(false);
  });

  it("ends with every image PFN holding its own page", () => {
    for (const pfn of EXAMPLE_IMAGE.pfns) expect(result.content(pfn)).toEqual({ kind: "image", pfn });
    for (const pfn of [0, 40, 41, 70]) expect(result.content(pfn)).toEqual({ kind: "boot", pfn });
  });

  it("touches exactly the bitmap frames, the bounce buffer and the six frames the example names", () => {
    expect(result.touched).toEqual([...framesBeforeReserve(), 50, 51, 60, 61, 62, 63].sort((a, b) => a - b));
  });
});

describe("reference model: sizes", () => {
  it("PBES_PER_LINKED_PAGE is 170 with 4 KiB pages (kernel/power/snapshot.c: chain_alloc()) and 2 with 64-byte pages", () => {
    expect(pbesPerLinkedPage(4096)).toBe(170);
    expect(pbesPerLinkedPage(64)).toBe(2);
  });

  it("a bitmap over one leaf takes the leaf and one descriptor page", () => {
    expect(bitmapChargePages(1, 4096)).toBe(2);
    expect(bitmapChargePages(32768, 4096)).toBe(2);
  });

  it("a bitmap over 513 leaves takes the leaves, 3 inner nodes and 4 descriptor pages", () => {
    // two levels: two level-1 nodes and the root; the 80-byte zone and 516 rtree_nodes: 167 in the first chain page,
    // then 170, 170, 9
    expect(bitmapChargePages(513 * 32768, 4096)).toBe(513 + 3 + 4);
  });

  it("explicit allocator orders list the given PFNs of each class first, then the rest ascending", () => {
    expect(explicitOrders(8, 5, [6, 3, 3, 9, 0])).toEqual({ low: [3, 0, 1, 2, 4], high: [6, 5, 7] });
  });
});

describe("reference model: failure", () => {
  it("fails in prepareImage with ENOMEM when the preallocation runs dry, and gives back every frame it took", () => {
    const machine = exampleMachine();
    const boot = Array.from({ length: 75 }, (_, i) => i).filter(
      (pfn) => pfn !== 10 && pfn !== 11 && pfn !== 50 && pfn !== 51 && pfn !== 52,
    );
    const result = runModel(
      { ...machine, bootPfns: [...boot, 10, 11] },
      { pfns: [10, 11, ...Array.from({ length: 21 }, (_, i) => 50 + i)], zeroPfns: [] },
    );
    expect(result.outcome).toEqual({ ok: false, phase: "prepareImage", code: "ENOMEM" });
    const last = result.phases[result.phases.length - 1]!;
    expect(last.forbidden).toBeNull();
    // copy_bm and zero_bm were freed before the preallocation: nothing leaks, only the boot kernel's frames are in use
    expect(last.inUse).toEqual([...boot, 10, 11].sort((a, b) => a - b));
  });
});
