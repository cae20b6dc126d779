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
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { BitmapArena, type BitmapStrategy, createBitmap, END_OF_MAP } from "../../src/bitmap/index.js";
import { ConfigError } from "../../src/errors.js";
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
    let l: BitmapArena;
    beforeAll(async () => {
      l = await lab(g);
    });
    const withMap = (fn: (bm: ReturnType<BitmapArena["create"]>) => void) => () => {
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
    let l: BitmapArena;
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

describe.each(STRATEGIES)("the public API (thaw/bitmap) with %s, against a Set", (strategy) => {
  const apiOp = fc.oneof(
    fc.record({ op: fc.constantFrom("set" as const, "clear" as const, "test" as const), at: fc.nat() }),
    fc.record({ op: fc.constant("nextSet" as const), at: fc.nat() }),
    fc.record({
      op: fc.constantFrom("setMany" as const, "clearMany" as const, "testCount" as const, "seekMany" as const),
      at: fc.array(fc.nat(), { maxLength: 700 }),
    }),
    fc.record({ op: fc.constantFrom("count" as const, "toArray" as const) }),
  );

  it("answers set, clear, test, nextSet, count and the bulk calls as a Set does (chunked and in place)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 70_000 }),
        fc.boolean(),
        fc.array(apiOp, { maxLength: 60 }),
        async (pfns, inPlace, ops) => {
          // 4 KiB of staging: bulk calls of more than 512 PFNs go in chunks.
          const arena = await BitmapArena.create({
            pfns,
            strategies: [strategy],
            slots: 1,
            scratchBytes: 4096,
            arrayBytes: 4096,
          });
          const bm = arena.create(strategy);
          const model = new Set<number>();
          const pfnsOf = (raw: number[]) => {
            const values = raw.map((v) => v % pfns);
            if (!inPlace || values.length > 1024) return Uint32Array.from(values);
            arena.releaseArrays();
            const view = arena.pfnArray(values.length);
            view.set(values);
            return view;
          };
          for (const o of ops) {
            switch (o.op) {
              case "set":
                bm.set(o.at % pfns);
                model.add(o.at % pfns);
                break;
              case "clear":
                bm.clear(o.at % pfns);
                model.delete(o.at % pfns);
                break;
              case "test":
                expect(bm.test(o.at % pfns)).toBe(model.has(o.at % pfns));
                break;
              case "nextSet": {
                const from = o.at % (pfns + 2);
                expect(bm.nextSet(from)).toBe(firstAtOrAfter(sorted(model), from));
                break;
              }
              case "setMany": {
                const values = pfnsOf(o.at);
                bm.setMany(values);
                for (const p of values) model.add(p);
                break;
              }
              case "clearMany": {
                const values = pfnsOf(o.at);
                bm.clearMany(values);
                for (const p of values) model.delete(p);
                break;
              }
              case "testCount": {
                const values = pfnsOf(o.at);
                const bits = new Uint8Array(values.length);
                const hits = [...values].filter((p) => model.has(p)).length;
                expect(bm.testCount(values)).toBe(hits);
                expect(bm.testCount(values, bits)).toBe(hits);
                expect([...bits]).toEqual([...values].map((p) => (model.has(p) ? 1 : 0)));
                break;
              }
              case "seekMany": {
                const values = pfnsOf(o.at);
                const expected = [...values].map((p) => firstAtOrAfter(sorted(model), p));
                expect([...bm.seekMany(values)]).toEqual(expected);
                expect(bm.seekCount(values)).toBe(expected.filter((p) => p !== END_OF_MAP).length);
                break;
              }
              case "count":
                expect(bm.count()).toBe(model.size);
                break;
              case "toArray":
                expect([...bm.toArray()]).toEqual(sorted(model));
                break;
            }
          }
          expect(bm.check()).toBe(0);
          expect(bm.count()).toBe(model.size);
          bm.reset();
          const out = new Uint32Array(Math.max(1, model.size));
          expect(bm.nextInto(out)).toBe(model.size);
          expect([...out.subarray(0, model.size)]).toEqual(sorted(model));
          bm.free();
        },
      ),
      { numRuns: 40 },
    );
  });

  it("createBitmap() makes an empty bitmap of its own; free() and [Symbol.dispose] give its slot back", async () => {
    const bm = await createBitmap({ strategy, pfns: 1000 });
    expect(bm.strategy).toBe(strategy);
    expect(bm.pfns).toBe(1000);
    expect(bm.count()).toBe(0);
    expect(bm.nextSet(0)).toBe(END_OF_MAP);
    bm.set(999);
    expect(bm.nextSet(0)).toBe(999);
    expect(bm.arena.used).toBe(1);
    bm[Symbol.dispose]();
    expect(bm.freed).toBe(true);
    expect(bm.arena.used).toBe(0);
    bm.free();
    const again = bm.arena.create(strategy);
    expect(again.count()).toBe(0);
  });

  it("rejects PFNs outside [0, pfns) with a RangeError naming the PFN, and the index in a bulk call", async () => {
    const bm = await createBitmap({ strategy, pfns: 1000 });
    for (const bad of [1000, -1, 1.5, Number.NaN, 2 ** 32, "3" as unknown as number]) {
      expect(() => bm.set(bad)).toThrow(RangeError);
      expect(() => bm.clear(bad)).toThrow(RangeError);
      expect(() => bm.test(bad)).toThrow(RangeError);
    }
    expect(() => bm.set(1000)).toThrow("bitmap: PFN 1000 is outside the bitmap [0, 1000)");
    expect(() => bm.test(-1)).toThrow("PFN -1 is outside");
    expect(() => bm.setMany(new Uint32Array([1, 2, 4000]))).toThrow("PFN 4000 (index 2) is outside");
    expect(() => bm.setMany([1, -5])).toThrow("PFN -5 (index 1) is outside");
    expect(() => bm.testCount([7, 1001])).toThrow("PFN 1001 (index 1)");
    expect(() => bm.clearMany([0.5])).toThrow("PFN 0.5 (index 0)");
    expect(() => bm.nextSet(-1)).toThrow("PFN -1 is outside");
    expect(() => bm.seekMany([3, -2])).toThrow("PFN -2 (index 1)");
    expect(() => bm.testCount([1, 2], new Uint8Array(1))).toThrow("out has 1 bytes for 2 PFNs");
    expect(() => bm.nextMany(-1)).toThrow(RangeError);
    expect(bm.count()).toBe(0);
    expect(bm.nextSet(1000)).toBe(END_OF_MAP);
  });

  it("throws a TypeError for any use of a freed bitmap", async () => {
    const bm = await createBitmap({ strategy, pfns: 64 });
    bm.free();
    const calls: (() => unknown)[] = [
      () => bm.set(1),
      () => bm.clear(1),
      () => bm.test(1),
      () => bm.set(100),
      () => bm.nextSet(0),
      () => bm.next(),
      () => bm.reset(),
      () => bm.count(),
      () => bm.setMany(new Uint32Array(0)),
      () => bm.testCount([1]),
      () => bm.toArray(),
      () => bm.seekMany([]),
      () => bm.nextInto(new Uint32Array(1)),
    ];
    for (const call of calls) expect(call).toThrow(new TypeError(`bitmap: this ${strategy} bitmap was freed`));
  });
});

describe("the public API's options", () => {
  it("names the offending option in a ConfigError", async () => {
    const cases: [Parameters<typeof createBitmap>[0], string, unknown][] = [
      [{ strategy: "bitset" as BitmapStrategy, pfns: 10 }, "strategy", "bitset"],
      [{ strategy: "flat", pfns: 0 }, "pfns", 0],
      [{ strategy: "flat", pfns: 2 ** 32 }, "pfns", 2 ** 32],
      [{ strategy: "flat", pfns: 10.5 }, "pfns", 10.5],
      [{ strategy: "rtree", pfns: 10, pageSize: 100 }, "pageSize", 100],
      [{ strategy: "rtree", pfns: 10, zones: { dmaEndPfn: -1 } }, "zones.dmaEndPfn", -1],
    ];
    for (const [options, name, value] of cases) {
      const error = await createBitmap(options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).offending).toMatchObject({ kind: "option", name, value });
      expect((error as Error).message).toContain(String(value));
    }
  });

  it("refuses a bitmap when every slot is in use, one of a strategy it was not sized for, a foreign source", async () => {
    const arena = await BitmapArena.create({ pfns: 1 << 16, strategies: ["flat"], slots: 1 });
    const bm = arena.create("flat");
    expect(() => arena.create("flat")).toThrow(ConfigError);
    expect(() => arena.create("flat")).toThrow("all 1 slots of the arena are in use");
    bm.free();
    expect(() => arena.create("rtree")).toThrow(/strategy .*rtree.* was not among the arena's strategies/);
    const other = await createBitmap({ strategy: "flat", pfns: 1 << 16 });
    const mine = arena.create("flat");
    expect(() => mine.duplicateFrom(other)).toThrow("needs a bitmap of the same arena");
  });

  it("hands out PFN arrays in the arena until its arrayBytes are used, and no further", async () => {
    const arena = await BitmapArena.create({ pfns: 100, slots: 1, arrayBytes: 4096 });
    expect(arena.pfnArray(1000).length).toBe(1000);
    expect(() => arena.pfnArray(100)).toThrow(RangeError);
    arena.releaseArrays();
    expect(arena.pfnArray(1024).length).toBe(1024);
    const none = await BitmapArena.create({ pfns: 100, slots: 1 });
    expect(() => none.pfnArray(1)).toThrow("1 PFNs do not fit the arena's arrays");
  });
});

describe("a slot used again", () => {
  it("gives every strategy an empty bitmap in a slot that any strategy filled before (only written bytes cleared)", async () => {
    const pfns = 3 * 32768 + 77;
    const arena = await BitmapArena.create({ pfns, slots: 1, scratchBytes: 1 << 20 });
    const all = Uint32Array.from({ length: pfns }, (_, i) => i);
    for (const before of STRATEGIES) {
      for (const after of STRATEGIES) {
        const full = arena.create(before);
        full.setMany(all);
        expect(full.count()).toBe(pfns);
        full.free();
        const bm = arena.create(after);
        expect(bm.check()).toBe(0);
        expect(bm.count()).toBe(0);
        expect(bm.nextSet(0)).toBe(END_OF_MAP);
        expect(bm.testCount(all)).toBe(0);
        bm.free();
      }
    }
  });
});
