/**
 * One conformance suite for every memory-bitmap strategy (assembly/bitmap/*.ts), run through the frame-free lab.
 *
 * All strategies agree on every bit, every count and the order of iteration. Where the kernel's designs differ, each
 * strategy keeps its era's behaviour and the suite pins it down:
 * - the end of the map: flat, rtree and summary stay at the end until a reset (kernel/power/snapshot.c:
 * memory_bm_next_pfn()); bmlist wraps to the start,
 *   so the call after BM_END_OF_MAP begins again (kernel/power/snapshot.c: struct bm_block (v2.6.19));
 * - memory_bm_clear_current: rtree clears bit max(node_bit - 1, 0) of the cursor's leaf, as the kernel does, even when
 *   a lookup moved the cursor's leaf since; the others clear the bit returned last, and nothing when there is none;
 * - memory_bm_get_current: rtree's lookups set cur_pfn (the kernel since v6.6); the others report only next_pfn.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { BitmapLab } from "../../src/bitmap/index.js";
import { END, END_BEHAVIOUR, firstAtOrAfter, type Geometry, iterate, lab, STRATEGIES, sorted } from "./helpers.js";

const GEOMETRIES: readonly (Geometry & { name: string })[] = [
  {
    name: "64-byte pages, three zones, 25 leaves (rtree depth 2)",
    pfns: 3 * 512 * 8 + 77,
    pageSize: 64,
    dmaEndPfn: 700,
    highmemStartPfn: 9000,
  },
  {
    name: "4096-byte pages, three zones, a partial last block",
    pfns: 2 * 32768 + 1000,
    pageSize: 4096,
    dmaEndPfn: 4096,
    highmemStartPfn: 50000,
  },
  {
    name: "256-byte pages, no HighMem, 33 leaves",
    pfns: 2048 * 32 + 5,
    pageSize: 256,
    dmaEndPfn: 100,
    highmemStartPfn: 2048 * 32 + 5,
  },
  {
    name: "64-byte pages, 513 leaves (rtree depth 4)",
    pfns: 512 * 512 + 3,
    pageSize: 64,
    dmaEndPfn: 4096,
    highmemStartPfn: 200000,
  },
  { name: "a single PFN", pfns: 1, pageSize: 64, dmaEndPfn: 1, highmemStartPfn: 1 },
  { name: "one word exactly", pfns: 64, pageSize: 4096, dmaEndPfn: 64, highmemStartPfn: 64 },
];

/** PFNs at every boundary the strategies have: words, blocks and leaves, inner-node spans, zones, holes, the ends. */
function boundaries(g: Geometry): number[] {
  const bpb = g.pageSize * 8;
  const fanout = g.pageSize / 8;
  const out = new Set<number>([0, 1, 62, 63, 64, 65, 127, 128, g.pfns - 2, g.pfns - 1]);
  for (const b of [bpb, 2 * bpb, bpb * fanout, bpb * fanout * fanout, g.dmaEndPfn, g.highmemStartPfn, 160, 256]) {
    for (const d of [-1, 0, 1]) out.add(b + d);
  }
  return sorted([...out].filter((p) => p >= 0 && p < g.pfns));
}

describe.each(STRATEGIES)("memory bitmap strategy %s", (strategy) => {
  describe.each(GEOMETRIES)("$name", (g) => {
    let l: BitmapLab;
    beforeAll(async () => {
      l = await lab(g);
    });
    const withMap = (fn: (bm: ReturnType<BitmapLab["create"]>) => void) => () => {
      const bm = l.create(strategy);
      try {
        expect(bm.check()).toBe(0);
        fn(bm);
        expect(bm.check()).toBe(0);
      } finally {
        bm.free();
      }
    };

    it(
      "is created empty: no bit, count 0, next_pfn at the end, no current PFN",
      withMap((bm) => {
        expect(bm.count()).toBe(0);
        expect(bm.current()).toBe(END);
        expect(bm.next()).toBe(END);
        expect(bm.walk()).toEqual(new Uint32Array(0));
        for (const p of boundaries(g)) expect(bm.test(p)).toBe(false);
        bm.seek(0);
        expect(bm.next()).toBe(END);
      }),
    );

    it(
      "sets, tests and clears each boundary PFN alone, without touching its neighbours",
      withMap((bm) => {
        for (const p of boundaries(g)) {
          bm.set(p);
          expect(bm.test(p)).toBe(true);
          if (p > 0) expect(bm.test(p - 1)).toBe(false);
          if (p + 1 < g.pfns) expect(bm.test(p + 1)).toBe(false);
          expect(bm.count()).toBe(1);
          expect([...bm.walk()]).toEqual([p]);
          bm.reset();
          expect(bm.next()).toBe(p);
          expect(bm.current()).toBe(p);
          bm.clear(p);
          expect(bm.test(p)).toBe(false);
          expect(bm.count()).toBe(0);
        }
      }),
    );

    it(
      "iterates every boundary PFN in ascending order, one call at a time and in bulk",
      withMap((bm) => {
        const pfns = boundaries(g);
        bm.setMany([...pfns].reverse());
        expect(bm.count()).toBe(pfns.length);
        bm.reset();
        expect(iterate(bm)).toEqual(pfns);
        expect([...bm.walk()]).toEqual(pfns);
        expect(bm.walkCount()).toBe(pfns.length);
        if (pfns.length > 2) {
          bm.reset();
          expect([...bm.nextMany(2)]).toEqual(pfns.slice(0, 2));
          expect(bm.current()).toBe(pfns[1]);
          expect(iterate(bm)).toEqual(pfns.slice(2));
        }
        const members = bm.testMany(pfns);
        expect(members.hits).toBe(pfns.length);
        expect([...members.bits].every((b) => b === 1)).toBe(true);
        const others = Array.from({ length: Math.min(g.pfns, 5000) }, (_, i) => i).filter((p) => !pfns.includes(p));
        expect(bm.testMany(others).hits).toBe(0);
      }),
    );

    it(
      "seeks: the next set bit at or after any position, across blocks, leaves and zones",
      withMap((bm) => {
        const pfns = boundaries(g).filter((_, i) => i % 2 === 0);
        bm.setMany(pfns);
        const positions = [...boundaries(g), g.pfns - 1, 0];
        for (const p of positions) {
          bm.seek(p);
          expect(bm.current()).toBe(END);
          expect(bm.next()).toBe(firstAtOrAfter(pfns, p));
        }
        expect([...bm.seekMany(positions)]).toEqual(positions.map((p) => firstAtOrAfter(pfns, p)));
        bm.seek(g.pfns);
        expect(bm.next()).toBe(END);
      }),
    );

    it(
      "holds a full map: every PFN set, counted, walked, then cleared",
      withMap((bm) => {
        const all = Array.from({ length: g.pfns }, (_, i) => i);
        bm.setMany(all);
        expect(bm.count()).toBe(g.pfns);
        expect(bm.walkCount()).toBe(g.pfns);
        expect(bm.testMany(all).hits).toBe(g.pfns);
        const walked = bm.walk();
        expect(walked.length).toBe(g.pfns);
        expect(walked.every((p, i) => p === i)).toBe(true);
        bm.reset();
        for (let p = bm.next(); p !== END; p = bm.next()) bm.clearCurrent();
        expect(bm.count()).toBe(0);
        expect(bm.walkCount()).toBe(0);
      }),
    );

    it(
      `ends the map as its era did (${END_BEHAVIOUR[strategy]})`,
      withMap((bm) => {
        const pfns = boundaries(g);
        bm.setMany(pfns);
        bm.reset();
        expect(iterate(bm)).toEqual(pfns);
        expect(bm.current()).toBe(END);
        if (END_BEHAVIOUR[strategy] === "wraps") {
          expect(bm.next()).toBe(pfns[0]);
          expect(iterate(bm)).toEqual(pfns.slice(1));
        } else {
          expect(bm.next()).toBe(END);
          expect(bm.next()).toBe(END);
        }
        bm.reset();
        expect(bm.current()).toBe(END);
        expect(bm.next()).toBe(pfns[0]);
        expect(bm.current()).toBe(pfns[0]);
      }),
    );

    it(
      "clears the PFN next_pfn returned last with clear_current, so the swsusp_free loop empties a map",
      withMap((bm) => {
        const pfns = boundaries(g);
        bm.setMany(pfns);
        bm.reset();
        const first = bm.next();
        bm.clearCurrent();
        expect(bm.test(first)).toBe(false);
        expect(bm.count()).toBe(pfns.length - 1);
        if (pfns.length > 1) expect(bm.next()).toBe(pfns[1]);
        bm.reset();
        for (let p = bm.next(); p !== END; p = bm.next()) bm.clearCurrent();
        expect(bm.count()).toBe(0);
      }),
    );

    it("duplicates into a bitmap of the same strategy (word-wise) and of every other one (bit by bit): a union", () => {
      const pfns = boundaries(g).filter((_, i) => i % 3 !== 1);
      for (const other of STRATEGIES) {
        const src = l.create(strategy);
        const dst = l.create(other);
        try {
          src.setMany(pfns);
          dst.set(g.pfns - 1);
          dst.duplicateFrom(src);
          const union = sorted(new Set([...pfns, g.pfns - 1]));
          expect([...dst.walk()]).toEqual(union);
          expect(dst.count()).toBe(union.length);
          expect([...src.walk()]).toEqual(pfns);
        } finally {
          src.free();
          dst.free();
        }
      }
    });

    it("leaves both cursors after a duplicate as the kernel's loop does (reset src, next_pfn, set_bit dst)", () => {
      const pfns = boundaries(g).filter((_, i) => i % 2 === 1);
      const src = l.create(strategy);
      const dst = l.create(strategy);
      const ref = l.create(strategy);
      try {
        src.setMany(pfns);
        dst.duplicateFrom(src);
        const srcAfter = { current: src.current(), next: iterate(src) };
        src.reset();
        for (let p = src.next(); p !== END; p = src.next()) ref.set(p);
        expect(srcAfter).toEqual({ current: src.current(), next: iterate(src) });
        expect(dst.current()).toBe(ref.current());
        expect(iterate(dst)).toEqual(iterate(ref));
        expect(dst.current()).toBe(ref.current());
      } finally {
        src.free();
        dst.free();
        ref.free();
      }
    });

    it(
      "takes no more storage than bitmapStorageBytes and at least the bits themselves",
      withMap((bm) => {
        expect(bm.storageUsed()).toBeLessThanOrEqual(l.storageBytes(strategy));
        expect(bm.storageUsed()).toBeGreaterThanOrEqual(Math.ceil(g.pfns / 64) * 8);
      }),
    );
  });

  describe("cursor semantics that differ between the eras", () => {
    const g: Geometry = { pfns: 4 * 512, pageSize: 64, dmaEndPfn: 100, highmemStartPfn: 1500 };
    let l: BitmapLab;
    beforeAll(async () => {
      l = await lab(g);
    });

    it("clear_current after a reset: rtree clears bit 0 of the first leaf (max(node_bit - 1, 0)), the others nothing", () => {
      const bm = l.create(strategy);
      try {
        bm.setMany([0, 5]);
        bm.reset();
        bm.clearCurrent();
        expect(bm.test(0)).toBe(strategy !== "rtree");
        expect(bm.test(5)).toBe(true);
      } finally {
        bm.free();
      }
    });

    it("a lookup between next_pfn and clear_current: rtree clears node_bit - 1 in the looked-up leaf and reports the lookup as current", () => {
      const bm = l.create(strategy);
      try {
        const a = 3;
        const b = 2 * 512 + 9;
        bm.setMany([a, b, 2 * 512 + a]);
        bm.reset();
        expect(bm.next()).toBe(a);
        expect(bm.test(b)).toBe(true);
        expect(bm.current()).toBe(strategy === "rtree" ? b : a);
        bm.clearCurrent();
        if (strategy === "rtree") {
          expect(sorted(bm.walk())).toEqual([a, b]);
        } else {
          expect(sorted(bm.walk())).toEqual([2 * 512 + a, b]);
        }
      } finally {
        bm.free();
      }
    });

    it("a bit set behind the end: flat and summary stay at the end, bmlist starts over, rtree's lookup moved its cursor back", () => {
      const bm = l.create(strategy);
      try {
        bm.set(10);
        bm.reset();
        expect(bm.next()).toBe(10);
        expect(bm.next()).toBe(END);
        bm.set(5);
        // rtree: set_bit's lookup put the cursor on leaf 0 and left node_bit at 0 (kernel/power/snapshot.c:
        // memory_bm_find_bit()), so next_pfn finds 5.
        expect(bm.next()).toBe({ flat: END, summary: END, bmlist: 5, rtree: 5 }[strategy]);
      } finally {
        bm.free();
      }
    });

    it("rtree's cursor stays in the last leaf at the end: a bit set there later is still found", () => {
      const bm = l.create(strategy);
      try {
        const last = g.pfns - 1;
        bm.set(g.pfns - 600);
        bm.reset();
        expect(bm.next()).toBe(g.pfns - 600);
        expect(bm.next()).toBe(END);
        bm.set(last);
        // bmlist wrapped to the start, but set_bit's lookup moved the cursor's zone to HighMem (v2.6.22 stores the zone
        // found in bm->cur.zone_bm), so the reset cursor's first block is followed by HighMem's successor: none.
        expect(bm.next()).toBe({ flat: END, summary: END, rtree: last, bmlist: END }[strategy]);
      } finally {
        bm.free();
      }
    });

    it("a lookup between two next_pfn calls: flat and summary go on, rtree jumps to the looked-up leaf, bmlist to its zone", () => {
      const bm = l.create(strategy);
      try {
        bm.setMany([5, 1448, 1600]);
        bm.reset();
        expect(bm.next()).toBe(5);
        expect(bm.test(1600)).toBe(true);
        // rtree: leaf [1536, 2048) with node_bit still 6; bmlist: block of DMA, then HighMem's successor (none).
        expect(bm.next()).toBe({ flat: 1448, summary: 1448, rtree: 1600, bmlist: END }[strategy]);
        bm.reset();
        expect(iterate(bm)).toEqual([5, 1448, 1600]);
      } finally {
        bm.free();
      }
    });
  });

  it("leaves the cursor after bulk lookups exactly where the same lookups one call at a time leave it", async () => {
    const g: Geometry = { pfns: 6 * 512 + 100, pageSize: 64, dmaEndPfn: 700, highmemStartPfn: 2600 };
    const l = await lab(g, 2);
    const pfns = [5, 700, 2599, 3000, 1024, 1030, 6 * 512 + 99];
    for (let cut = 0; cut <= pfns.length; cut++) {
      const lookups = pfns.slice(0, cut);
      const bulk = l.create(strategy);
      const single = l.create(strategy);
      try {
        for (const bm of [bulk, single]) {
          bm.setMany(pfns.filter((_, i) => i % 2 === 0));
          bm.reset();
          bm.next();
        }
        bulk.testMany(lookups);
        for (const p of lookups) single.test(p);
        expect(bulk.current()).toBe(single.current());
        bulk.setMany(lookups);
        for (const p of lookups) single.set(p);
        expect(bulk.current()).toBe(single.current());
        expect(iterate(bulk)).toEqual(iterate(single));
        bulk.clearCurrent();
        single.clearCurrent();
        expect([...bulk.walk()]).toEqual([...single.walk()]);
      } finally {
        bulk.free();
        single.free();
      }
    }
  });

  it("rejects a PFN outside the map (debug engine: the kernel's BUG_ON)", async () => {
    const l = await lab({ pfns: 1000, pageSize: 64, dmaEndPfn: 10, highmemStartPfn: 1000 }, 1);
    const bm = l.create(strategy);
    expect(() => bm.set(1000)).toThrow(/outside the bitmap/);
    expect(() => bm.setMany([1, 1000])).toThrow(/outside the bitmap/);
  });
});

describe("storage per strategy", () => {
  it("summary takes at most 5 % more than flat; bmlist and rtree take the kernel's pages plus their records", async () => {
    const l = await lab({ pfns: 1, pageSize: 4096, dmaEndPfn: 1, highmemStartPfn: 1 }, 1);
    const kind = { flat: 0, bmlist: 1, rtree: 2, summary: 3 };
    for (const pfns of [1 << 20, 32 << 20, 256 << 20, 1 << 30]) {
      const bytes = (s: keyof typeof kind) => l.engine.bitmapStorageBytes(kind[s], pfns, 4096);
      const leaves = Math.ceil(pfns / 32768);
      let inner = 0;
      for (let level = leaves; level > 1; inner += level) level = Math.ceil(level / 512);
      expect(bytes("flat")).toBe(pfns / 8);
      expect(bytes("summary") / bytes("flat")).toBeLessThanOrEqual(1.05);
      expect(bytes("rtree") - (leaves + inner) * 4096).toBeGreaterThanOrEqual(0);
      expect(bytes("rtree") - (leaves + inner) * 4096).toBeLessThanOrEqual((leaves + inner) * 8 + 256);
      expect(bytes("bmlist") - (leaves + 2) * 4096).toBeGreaterThanOrEqual(0);
      expect(bytes("bmlist") - (leaves + 2) * 4096).toBeLessThanOrEqual((leaves + 2) * 20 + 256);
    }
  });

  it("bitmapStorageSize bounds every page size the machine allows", async () => {
    const l = await lab({ pfns: 1, pageSize: 64, dmaEndPfn: 1, highmemStartPfn: 1 }, 1);
    for (const kind of [0, 1, 2, 3]) {
      for (const pfns of [1, 1000, 123457, 1 << 22]) {
        const bound = l.engine.bitmapStorageSize(kind, pfns);
        for (let shift = 6; shift <= 16; shift++)
          expect(l.engine.bitmapStorageBytes(kind, pfns, 1 << shift)).toBeLessThanOrEqual(bound);
      }
    }
  });
});
