/**
 * Property tests: random operation sequences on every strategy against a JS Set and a cursor model.
 *
 * The sequences keep the kernel's discipline (kernel/power/snapshot.c: memory_bm_find_bit()): after a random-access
 * operation the cursor is not trusted until a reset or a seek, since the eras disagree on what a lookup does to it
 * (conformance.test.ts pins each down). Within that discipline every strategy must answer exactly as the model does,
 * one call at a time and through the bulk entry points, and must end the map as its era did.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Bitmap } from "../../src/bitmap/index.js";
import type { BitmapStrategy } from "../../src/machine/config.js";
import { END, END_BEHAVIOUR, firstAtOrAfter, type Geometry, lab, STRATEGIES, sorted } from "./helpers.js";

type Op =
  | { op: "set" | "clear" | "test" | "clearMember"; at: number }
  | { op: "setMany" | "clearMany" | "testMany" | "seekMany"; at: number[] }
  | { op: "reset" | "next" | "clearCurrent" | "count" | "walk" | "duplicate" }
  | { op: "seek"; at: number }
  | { op: "nextMany"; cap: number };

const position = fc.oneof(
  fc.nat(),
  fc.constantFrom(-1, -2, -64, -65, 0, 1, 63, 64, 65, 511, 512, 513, 2047, 2048, 2049, 4095, 4096, 4097),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constantFrom("set" as const, "clear" as const, "test" as const), at: position }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("clearMember" as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom("setMany" as const, "clearMany" as const, "testMany" as const, "seekMany" as const),
      at: fc.array(position, { maxLength: 40 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constantFrom(
        "reset" as const,
        "next" as const,
        "clearCurrent" as const,
        "count" as const,
        "walk" as const,
        "duplicate" as const,
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("seek" as const), at: position }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("nextMany" as const), cap: fc.integer({ min: 1, max: 50 }) }) },
);

const geometryArb: fc.Arbitrary<Geometry> = fc
  .record({
    pfns: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 200 }) },
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 9000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 262_000, max: 300_000 }) },
    ),
    pageSize: fc.constantFrom(64, 128, 256, 4096),
    dma: fc.double({ min: 0, max: 1, noNaN: true }),
    high: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ pfns, pageSize, dma, high }) => {
    const highmemStartPfn = Math.max(1, Math.floor(high * pfns));
    return { pfns, pageSize, highmemStartPfn, dmaEndPfn: Math.floor(dma * highmemStartPfn) };
  });

/** The model: the set, and the cursor while the kernel's discipline lets it be trusted. */
class Model {
  readonly bits = new Set<number>();
  /** Next bit offset to examine; null while untrusted (after a random access). */
  pos: number | null = 0;
  current = END;

  constructor(
    readonly n: number,
    readonly strategy: BitmapStrategy,
  ) {}

  lookup(): void {
    this.pos = null;
  }

  reset(): void {
    this.pos = 0;
    this.current = END;
  }

  next(): number {
    const found = this.pos! < this.n ? firstAtOrAfter(sorted(this.bits), this.pos!) : END;
    if (found === END) {
      this.pos = END_BEHAVIOUR[this.strategy] === "wraps" ? 0 : this.n;
      this.current = END;
    } else {
      this.pos = found + 1;
      this.current = found;
    }
    return found;
  }

  seek(pfn: number): void {
    this.pos = Math.min(pfn, this.n);
    this.current = END;
  }
}

function run(bm: Bitmap, other: Bitmap, model: Model, ops: readonly Op[]): void {
  const n = model.n;
  const clamp = (v: number) => ((v % n) + n) % n;
  const trusted = () => model.pos !== null;
  const otherBits = new Set<number>();
  for (const o of ops) {
    switch (o.op) {
      case "set":
        bm.set(clamp(o.at));
        model.bits.add(clamp(o.at));
        model.lookup();
        break;
      case "clear":
        bm.clear(clamp(o.at));
        model.bits.delete(clamp(o.at));
        model.lookup();
        break;
      case "clearMember": {
        if (model.bits.size === 0) break;
        const p = sorted(model.bits)[o.at % model.bits.size]!;
        bm.clear(p);
        model.bits.delete(p);
        model.lookup();
        break;
      }
      case "test":
        expect(bm.test(clamp(o.at))).toBe(model.bits.has(clamp(o.at)));
        model.lookup();
        break;
      case "setMany": {
        const at = o.at.map(clamp);
        bm.setMany(at);
        for (const p of at) model.bits.add(p);
        if (at.length) model.lookup();
        break;
      }
      case "clearMany": {
        const at = o.at.map(clamp);
        bm.clearMany(at);
        for (const p of at) model.bits.delete(p);
        if (at.length) model.lookup();
        break;
      }
      case "testMany": {
        const at = o.at.map(clamp);
        const { hits, bits } = bm.testMany(at);
        expect([...bits]).toEqual(at.map((p) => (model.bits.has(p) ? 1 : 0)));
        expect(hits).toBe(at.filter((p) => model.bits.has(p)).length);
        if (at.length) model.lookup();
        break;
      }
      case "seekMany": {
        const at = o.at.map(clamp);
        const expected = at.map((p) => {
          model.seek(p);
          return model.next();
        });
        expect([...bm.seekMany(at)]).toEqual(expected);
        break;
      }
      case "reset":
        bm.reset();
        model.reset();
        expect(bm.current()).toBe(END);
        break;
      case "seek": {
        const p = Math.max(0, o.at) % (n + 2);
        bm.seek(p);
        model.seek(p);
        expect(bm.current()).toBe(END);
        break;
      }
      case "next":
        if (!trusted()) {
          bm.reset();
          model.reset();
        }
        expect(bm.next()).toBe(model.next());
        expect(bm.current()).toBe(model.current);
        break;
      case "nextMany": {
        if (!trusted()) {
          bm.reset();
          model.reset();
        }
        const expected: number[] = [];
        for (let i = 0; i < o.cap; i++) {
          const p = model.next();
          if (p === END) break;
          expected.push(p);
        }
        expect([...bm.nextMany(o.cap)]).toEqual(expected);
        expect(bm.current()).toBe(model.current);
        break;
      }
      case "clearCurrent":
        if (trusted() && model.current !== END) {
          bm.clearCurrent();
          model.bits.delete(model.current);
        }
        break;
      case "count":
        expect(bm.count()).toBe(model.bits.size);
        break;
      case "walk":
        expect([...bm.walk()]).toEqual(sorted(model.bits));
        expect(bm.walkCount()).toBe(model.bits.size);
        model.pos = END_BEHAVIOUR[model.strategy] === "wraps" ? 0 : n;
        model.current = END;
        break;
      case "duplicate":
        other.duplicateFrom(bm);
        for (const p of model.bits) otherBits.add(p);
        expect([...other.walk()]).toEqual(sorted(otherBits));
        model.pos = END_BEHAVIOUR[model.strategy] === "wraps" ? 0 : n;
        model.current = END;
        break;
    }
    expect(bm.check()).toBe(0);
  }
  expect(other.check()).toBe(0);
  expect([...bm.walk()]).toEqual(sorted(model.bits));
  expect(bm.count()).toBe(model.bits.size);
}

describe.each(STRATEGIES)("memory bitmap strategy %s against a Set model", (strategy) => {
  it("answers every random operation sequence as the model does", async () => {
    await fc.assert(
      fc.asyncProperty(
        geometryArb,
        fc.constantFrom(...STRATEGIES),
        fc.array(opArb, { maxLength: 120 }),
        async (g, otherStrategy, ops) => {
          const l = await lab(g, 2);
          const bm = l.create(strategy);
          const other = l.create(otherStrategy);
          run(bm, other, new Model(g.pfns, strategy), ops);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("builds the same map from bulk and per-call sets and clears", async () => {
    await fc.assert(
      fc.asyncProperty(
        geometryArb,
        fc.array(fc.tuple(fc.boolean(), fc.array(fc.nat(), { maxLength: 60 })), { maxLength: 12 }),
        async (g, batches) => {
          const l = await lab(g, 2);
          const bulk = l.create(strategy);
          const single = l.create(strategy);
          for (const [setting, raw] of batches) {
            const pfns = raw.map((v) => v % g.pfns);
            if (setting) bulk.setMany(pfns);
            else bulk.clearMany(pfns);
            for (const p of pfns) setting ? single.set(p) : single.clear(p);
          }
          expect([...bulk.walk()]).toEqual([...single.walk()]);
        },
      ),
      { numRuns: 100 },
    );
  });
});
