/**
 * The subjects of the bitmap lab: thaw's strategies (through the bulk calls and one call per PFN) and the peers
 * (a JS Set, a JS Uint32Array bitmap, typedfastbitset, roaring-wasm, the native roaring), all behind one interface
 * so that every workload runs the same way on each.
 *
 * The peers are development dependencies, loaded on demand: a checkout without them runs the thaw subjects only and
 * says which peers it skipped.
 */
import { createRequire } from "node:module";
import * as L from "../../assembly/portable/layout.js";
import type { Bitmap, BitmapArena } from "../../src/bitmap/index.js";
import type { BitmapStrategy } from "../../src/machine/config.js";

/** What kind of subject a result row is about. */
export type SubjectFamily = "thaw-bulk" | "thaw-call" | "peer";

/** A batch of PFNs: the JS array, and the same PFNs in the arena (pfnArray(): thaw's bulk calls read them there). */
export interface Batch {
  pfns: Uint32Array;
  inArena: Uint32Array;
}

/** One bitmap implementation under test. Every hot method returns something derived from the map, kept in a sink. */
export interface Subject {
  readonly name: string;
  readonly family: SubjectFamily;
  readonly strategy?: BitmapStrategy;
  /** Why this subject cannot hold @count set bits, or null. */
  cannotHold(count: number): string | null;
  /** Why this subject has no @op, or null. */
  lacks(op: "seek" | "duplicate" | "walk"): string | null;
  clear(): void;
  /** Set every bit set in @words (bit i of the map = bit i & 31 of words[i >> 5]); setup, not measured. */
  fill(words: Uint32Array): void;
  set(batch: Batch, n: number): void;
  test(batch: Batch, n: number): number;
  /** Visit every set bit in ascending order, or at most @limit of them when given; returns the count visited. */
  walk(limit?: number): number;
  /** For each of the first @n positions, the first set bit at or after it; returns how many had one. */
  seek(batch: Batch, n: number): number;
  /** Union the map into a second map of the same kind (kept between calls). */
  duplicate(): void;
  /** Bytes the map takes, when the implementation can tell. */
  bytes(): number | null;
  dispose(): void;
}

const END = L.BM_END_OF_MAP;
/** A JS Set holds at most 2^24 entries in V8. */
const SET_LIMIT = 2 ** 24 - 1;

/** pfnChunks - Write the PFNs set in @words to @out, ascending, and call @fn with the count each time @out fills. */
export function pfnChunks(words: Uint32Array, out: Uint32Array, fn: (n: number) => void): void {
  let n = 0;
  for (let i = 0; i < words.length; i++) {
    let w = words[i]!;
    while (w !== 0) {
      const t = w & -w;
      out[n++] = i * 32 + 31 - Math.clz32(t);
      w ^= t;
      if (n === out.length) {
        fn(n);
        n = 0;
      }
    }
  }
  if (n > 0) fn(n);
}

/**
 * ThawSubject - One strategy's bitmap in an arena, driven through the public API (src/bitmap/index.ts): the bulk
 * calls over the arena's own PFN arrays (family "thaw-bulk", no copy) or one set()/test()/next() per PFN (family
 * "thaw-call", what a user calling the API per bit pays); both families of a strategy share the bitmap.
 */
export class ThawSubject implements Subject {
  readonly name: string;
  readonly family: SubjectFamily;
  readonly strategy: BitmapStrategy;
  private readonly arena: BitmapArena;
  private map: Bitmap;
  private dst: Bitmap | undefined;
  private readonly out: Uint32Array;
  private readonly shared: ThawSubject | undefined;

  /** @out: a pfnArray() of @arena that bulk walks fill. */
  constructor(
    arena: BitmapArena,
    strategy: BitmapStrategy,
    family: "thaw-bulk" | "thaw-call",
    out: Uint32Array,
    shared?: ThawSubject,
  ) {
    this.arena = arena;
    this.strategy = strategy;
    this.family = family;
    this.name = `thaw ${strategy} (${family === "thaw-bulk" ? "bulk" : "per call"})`;
    this.shared = shared;
    this.map = shared ? shared.map : arena.create(strategy);
    this.out = out;
  }

  cannotHold(): string | null {
    return null;
  }

  lacks(op: "seek" | "duplicate" | "walk"): string | null {
    return op === "duplicate" && this.family === "thaw-call" ? "one call either way (see the bulk row)" : null;
  }

  clear(): void {
    if (this.shared) {
      this.shared.clear();
      return;
    }
    this.map.free();
    this.map = this.arena.create(this.strategy);
  }

  fill(words: Uint32Array): void {
    if (this.shared) {
      this.shared.fill(words);
      return;
    }
    const out = new Uint32Array(1 << 16);
    pfnChunks(words, out, (n) => this.map.setMany(out.subarray(0, n)));
  }

  private get bm(): Bitmap {
    return this.shared ? this.shared.map : this.map;
  }

  set(batch: Batch, n: number): void {
    const bm = this.bm;
    if (this.family === "thaw-bulk") {
      bm.setMany(n === batch.inArena.length ? batch.inArena : batch.inArena.subarray(0, n));
      return;
    }
    const pfns = batch.pfns;
    for (let i = 0; i < n; i++) bm.set(pfns[i]!);
  }

  test(batch: Batch, n: number): number {
    const bm = this.bm;
    if (this.family === "thaw-bulk")
      return bm.testCount(n === batch.inArena.length ? batch.inArena : batch.inArena.subarray(0, n));
    const pfns = batch.pfns;
    let hits = 0;
    for (let i = 0; i < n; i++) if (bm.test(pfns[i]!)) hits++;
    return hits;
  }

  walk(limit?: number): number {
    const bm = this.bm;
    bm.reset();
    let count = 0;
    if (this.family === "thaw-bulk") {
      const out = this.out;
      for (;;) {
        const n = bm.nextInto(out);
        count += n;
        if (n < out.length) return count;
      }
    }
    const max = limit ?? Infinity;
    while (count < max && bm.next() !== END) count++;
    return count;
  }

  seek(batch: Batch, n: number): number {
    const bm = this.bm;
    if (this.family === "thaw-bulk")
      return bm.seekCount(n === batch.inArena.length ? batch.inArena : batch.inArena.subarray(0, n));
    const pfns = batch.pfns;
    let found = 0;
    for (let i = 0; i < n; i++) if (bm.nextSet(pfns[i]!) !== END) found++;
    return found;
  }

  duplicate(): void {
    this.dst ??= this.arena.create(this.strategy);
    this.dst.duplicateFrom(this.bm);
  }

  bytes(): number {
    return this.bm.storageUsed();
  }

  dispose(): void {
    if (this.dst) this.dst.free();
    this.dst = undefined;
    if (!this.shared) this.map.free();
  }
}

/** JsSetSubject - A JS Set of PFNs (insertion order: ascending when filled from a map). */
class JsSetSubject implements Subject {
  readonly name = "JS Set";
  readonly family = "peer" as const;
  private set_ = new Set<number>();
  private dst = new Set<number>();

  cannotHold(count: number): string | null {
    return count > SET_LIMIT ? `a V8 Set holds at most 2^24 entries (${count} needed)` : null;
  }

  lacks(op: "seek" | "duplicate" | "walk"): string | null {
    return op === "seek" ? "a Set has no ordered search" : null;
  }

  clear(): void {
    this.set_ = new Set();
    this.dst = new Set();
  }

  fill(words: Uint32Array): void {
    const out = new Uint32Array(1 << 16);
    pfnChunks(words, out, (n) => {
      for (let i = 0; i < n; i++) this.set_.add(out[i]!);
    });
  }

  set(batch: Batch, n: number): void {
    const s = this.set_;
    const pfns = batch.pfns;
    for (let i = 0; i < n; i++) s.add(pfns[i]!);
  }

  test(batch: Batch, n: number): number {
    const s = this.set_;
    const pfns = batch.pfns;
    let hits = 0;
    for (let i = 0; i < n; i++) if (s.has(pfns[i]!)) hits++;
    return hits;
  }

  walk(): number {
    let count = 0;
    let last = 0;
    for (const v of this.set_) {
      last = v;
      count++;
    }
    return count + (last & 0);
  }

  seek(): number {
    return 0;
  }

  duplicate(): void {
    const d = this.dst;
    for (const v of this.set_) d.add(v);
  }

  bytes(): null {
    return null;
  }

  dispose(): void {
    this.clear();
  }
}

/** Uint32Subject - The plain JS bitmap: one Uint32Array, bit i in word i >>> 5. */
class Uint32Subject implements Subject {
  readonly name = "JS Uint32Array bitmap";
  readonly family = "peer" as const;
  private words: Uint32Array;
  private dst: Uint32Array | undefined;
  private readonly nwords: number;

  constructor(pfns: number) {
    this.nwords = Math.ceil(pfns / 32);
    this.words = new Uint32Array(this.nwords);
  }

  cannotHold(): null {
    return null;
  }

  lacks(): null {
    return null;
  }

  clear(): void {
    this.words = new Uint32Array(this.nwords);
    this.dst = undefined;
  }

  fill(words: Uint32Array): void {
    this.words.set(words);
  }

  set(batch: Batch, n: number): void {
    const w = this.words;
    const pfns = batch.pfns;
    for (let i = 0; i < n; i++) {
      const p = pfns[i]!;
      w[p >>> 5]! |= 1 << (p & 31);
    }
  }

  test(batch: Batch, n: number): number {
    const w = this.words;
    const pfns = batch.pfns;
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const p = pfns[i]!;
      hits += (w[p >>> 5]! >>> (p & 31)) & 1;
    }
    return hits;
  }

  walk(): number {
    const words = this.words;
    let count = 0;
    let last = 0;
    for (let i = 0; i < words.length; i++) {
      let w = words[i]!;
      while (w !== 0) {
        const t = w & -w;
        last = i * 32 + 31 - Math.clz32(t);
        count++;
        w ^= t;
      }
    }
    return count + (last & 0);
  }

  seek(batch: Batch, n: number): number {
    const words = this.words;
    const pfns = batch.pfns;
    let found = 0;
    for (let k = 0; k < n; k++) {
      const p = pfns[k]!;
      let i = p >>> 5;
      let w = words[i]! & (~0 << (p & 31));
      while (w === 0 && ++i < words.length) w = words[i]!;
      if (w !== 0) found++;
    }
    return found;
  }

  duplicate(): void {
    const d = (this.dst ??= new Uint32Array(this.nwords));
    const s = this.words;
    for (let i = 0; i < s.length; i++) d[i]! |= s[i]!;
  }

  bytes(): number {
    return this.words.byteLength;
  }

  dispose(): void {
    this.dst = undefined;
  }
}

interface TypedFastBitSetClass {
  fromWords(words: Uint32Array): TypedFastBitSetLike;
}

interface TypedFastBitSetLike {
  words: Uint32Array;
  add(i: number): void;
  has(i: number): boolean;
  forEach(fn: (i: number) => void): void;
  union(other: TypedFastBitSetLike): unknown;
}

/** TypedFastBitSetSubject - lemire's typedfastbitset; its seek scans its public `words` (it has no next-set-bit). */
class TypedFastBitSetSubject implements Subject {
  readonly name = "typedfastbitset";
  readonly family = "peer" as const;
  private bs: TypedFastBitSetLike;
  private dst: TypedFastBitSetLike | undefined;

  constructor(
    private readonly ctor: TypedFastBitSetClass,
    private readonly pfns: number,
  ) {
    this.bs = this.make();
  }

  /** A set of exactly the map's words: its resize() doubles, and past 2^26 words its int32 size test overflows. */
  private make(): TypedFastBitSetLike {
    return this.ctor.fromWords(new Uint32Array(Math.ceil(this.pfns / 32)));
  }

  cannotHold(): null {
    return null;
  }

  lacks(): null {
    return null;
  }

  clear(): void {
    this.bs = this.make();
    this.dst = undefined;
  }

  fill(words: Uint32Array): void {
    this.bs.words.set(words);
  }

  set(batch: Batch, n: number): void {
    const bs = this.bs;
    const pfns = batch.pfns;
    for (let i = 0; i < n; i++) bs.add(pfns[i]!);
  }

  test(batch: Batch, n: number): number {
    const bs = this.bs;
    const pfns = batch.pfns;
    let hits = 0;
    for (let i = 0; i < n; i++) if (bs.has(pfns[i]!)) hits++;
    return hits;
  }

  walk(): number {
    let count = 0;
    let last = 0;
    this.bs.forEach((i) => {
      last = i;
      count++;
    });
    return count + (last & 0);
  }

  seek(batch: Batch, n: number): number {
    const words = this.bs.words;
    const pfns = batch.pfns;
    let found = 0;
    for (let k = 0; k < n; k++) {
      const p = pfns[k]!;
      let i = p >>> 5;
      let w = words[i]! & (~0 << (p & 31));
      while (w === 0 && ++i < words.length) w = words[i]!;
      if (w !== 0) found++;
    }
    return found;
  }

  duplicate(): void {
    (this.dst ??= this.make()).union(this.bs);
  }

  bytes(): number {
    return this.bs.words.byteLength;
  }

  dispose(): void {
    this.dst = undefined;
  }
}

interface RoaringLike {
  add(v: number): unknown;
  has(v: number): boolean;
  addMany(values: Uint32Array): unknown;
  orInPlace(other: RoaringLike): unknown;
  getSerializationSizeInBytes(format: "croaring"): number;
  rank(v: number): number;
  select(rank: number): number | undefined;
  [Symbol.iterator](): Iterator<number>;
  dispose?(): unknown;
}

/**
 * RoaringSubject - CRoaring through roaring-wasm (WASM) or roaring (N-API). Seek: roaring-wasm's iterator
 * moveToGreaterEqual, the native rank/select.
 */
class RoaringSubject implements Subject {
  readonly family = "peer" as const;
  private bm: RoaringLike;
  private dst: RoaringLike | undefined;

  constructor(
    readonly name: string,
    private readonly ctor: new () => RoaringLike,
    private readonly wasm: boolean,
  ) {
    this.bm = new ctor();
  }

  cannotHold(): null {
    return null;
  }

  lacks(): null {
    return null;
  }

  clear(): void {
    this.dispose();
    this.bm = new this.ctor();
  }

  /**
   * Fill through addMany, a union, so a chunk may be given twice: roaring-wasm 1.1.0's addMany throws "detached
   * ArrayBuffer" when it grows its memory under a view it cached, and succeeds when called again.
   */
  fill(words: Uint32Array): void {
    const out = new Uint32Array(1 << 20);
    pfnChunks(words, out, (n) => {
      try {
        this.bm.addMany(out.subarray(0, n));
      } catch {
        this.bm.addMany(out.subarray(0, n));
      }
    });
  }

  set(batch: Batch, n: number): void {
    const bm = this.bm;
    const pfns = batch.pfns;
    for (let i = 0; i < n; i++) bm.add(pfns[i]!);
  }

  test(batch: Batch, n: number): number {
    const bm = this.bm;
    const pfns = batch.pfns;
    let hits = 0;
    for (let i = 0; i < n; i++) if (bm.has(pfns[i]!)) hits++;
    return hits;
  }

  walk(): number {
    let count = 0;
    let last = 0;
    for (const v of this.bm as Iterable<number>) {
      last = v;
      count++;
    }
    return count + (last & 0);
  }

  seek(batch: Batch, n: number): number {
    const pfns = batch.pfns;
    let found = 0;
    if (this.wasm) {
      const it = this.bm[Symbol.iterator]() as Iterator<number> & {
        moveToGreaterEqual(v: number): Iterator<number>;
        dispose?(): unknown;
      };
      for (let i = 0; i < n; i++) if (!it.moveToGreaterEqual(pfns[i]!).next().done) found++;
      it.dispose?.();
      return found;
    }
    const bm = this.bm;
    for (let i = 0; i < n; i++) {
      const p = pfns[i]!;
      if (bm.select(p === 0 ? 0 : bm.rank(p - 1)) !== undefined) found++;
    }
    return found;
  }

  duplicate(): void {
    (this.dst ??= new this.ctor()).orInPlace(this.bm);
  }

  bytes(): number {
    return this.bm.getSerializationSizeInBytes("croaring");
  }

  dispose(): void {
    this.bm.dispose?.();
    this.dst?.dispose?.();
    this.dst = undefined;
  }
}

/** The peers, by name. */
export const PEER_NAMES = [
  "JS Set",
  "JS Uint32Array bitmap",
  "typedfastbitset",
  "roaring-wasm",
  "roaring (native)",
] as const;

/** One of PEER_NAMES. */
export type PeerName = (typeof PEER_NAMES)[number];

/** A peer's maker, or why it is missing. */
export type PeerFactory = { name: PeerName; make: (pfns: number) => Subject } | { name: PeerName; missing: string };

/**
 * loadPeers - The peers named in @names (default: all) that can be loaded here: JS Set and Uint32Array always, the
 * packages when installed. A package not named is not imported.
 */
export async function loadPeers(names: readonly PeerName[] = PEER_NAMES): Promise<PeerFactory[]> {
  const peers: PeerFactory[] = [];
  if (names.includes("JS Set")) peers.push({ name: "JS Set", make: () => new JsSetSubject() });
  if (names.includes("JS Uint32Array bitmap"))
    peers.push({ name: "JS Uint32Array bitmap", make: (pfns) => new Uint32Subject(pfns) });
  if (names.includes("typedfastbitset")) {
    try {
      const { TypedFastBitSet } = (await import("typedfastbitset")) as unknown as {
        TypedFastBitSet: TypedFastBitSetClass;
      };
      peers.push({ name: "typedfastbitset", make: (pfns) => new TypedFastBitSetSubject(TypedFastBitSet, pfns) });
    } catch (error) {
      peers.push({ name: "typedfastbitset", missing: (error as Error).message });
    }
  }
  if (names.includes("roaring-wasm")) {
    try {
      const mod = (await import("roaring-wasm")) as unknown as {
        RoaringBitmap32: new () => RoaringLike;
        roaringLibraryInitialize(): Promise<void>;
      };
      await mod.roaringLibraryInitialize();
      peers.push({ name: "roaring-wasm", make: () => new RoaringSubject("roaring-wasm", mod.RoaringBitmap32, true) });
    } catch (error) {
      peers.push({ name: "roaring-wasm", missing: (error as Error).message });
    }
  }
  if (names.includes("roaring (native)")) {
    try {
      const require = createRequire(import.meta.url);
      const mod = require("roaring") as { RoaringBitmap32: new () => RoaringLike };
      new mod.RoaringBitmap32();
      peers.push({
        name: "roaring (native)",
        make: () => new RoaringSubject("roaring (native)", mod.RoaringBitmap32, false),
      });
    } catch (error) {
      peers.push({ name: "roaring (native)", missing: (error as Error).message });
    }
  }
  return peers;
}
