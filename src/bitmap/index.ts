/**
 * The public bitmap API (`thaw/bitmap`): the engine's memory bitmaps of kernel/power/snapshot.c, in any of the four
 * strategies, over any number of PFNs, without a machine.
 *
 * An arena is one shared WebAssembly.Memory with the engine instantiated over it and the CTX record holding only what
 * the bitmap code reads: the page size, the PFN count, the zone boundaries and the bitmap slots. No slot is charged
 * frames (CTX_BM_CHARGE = 0), so memory_bm_create() goes down the machine's own code path and takes no frame. Every
 * bitmap of an arena covers the same PFNs; createBitmap() makes an arena of one. The conformance and property tests
 * and the benchmark lab (bench/lab/) drive the bitmaps through this API.
 *
 * ╒═══════════════ arena memory ═══════════════╕
 * │ AS_RESERVED, CTX, RANGES, STAGING          │ 0 (layout.ts; STAGING unused)
 * │ bitmap slots   slots × slot size           │ ARENA_START
 * │ staging        PFN arrays of bulk calls    │ 4 KiB aligned
 * │ arrays         pfnArray() views            │ 4 KiB aligned
 * └────────────────────────────────────────────┘
 *
 * The engine's release build does not check PFNs (the kernel's BUG_ON is in the debug build only), so every entry
 * point checks them here before the engine sees them: a PFN outside [0, pfns) is a RangeError naming it.
 */
import * as L from "../../assembly/portable/layout.js";
import { defaultFlavour, type EngineExports, type Flavour } from "../engine/load.js";
import { ArenaBuilder, alignUp, EngineMemory, engineCalculator } from "../engine/memory.js";
import { BITMAP_STRATEGIES, type BitmapStrategy, isBitmapStrategy, STRATEGY_KIND } from "../engine/strategies.js";
import { ConfigError } from "../errors.js";

export type { BitmapStrategy } from "../engine/strategies.js";
export { BITMAP_STRATEGIES } from "../engine/strategies.js";

/** assembly/bitmap/summary.ts: HDR_LEVEL, where its storage header keeps the address of each level (level 0 first). */
const SUMMARY_HDR_LEVEL = 8;

/** BM_END_OF_MAP: what memory_bm_next_pfn() and nextSet() return when no set bit is left (0xffffffff). */
export const END_OF_MAP: number = L.BM_END_OF_MAP;

/** Zone boundaries of the PFN range (bmlist keeps one block list per zone, as the 2006 kernel did). */
export interface BitmapZones {
  /** First PFN after ZONE_DMA. Default: 16 MiB worth of pages. */
  dmaEndPfn?: number;
  /** First PFN of ZONE_HIGHMEM. Default: none (the end of the range). */
  highmemStartPfn?: number;
}

/** What an arena holds. */
export interface BitmapArenaOptions {
  /** PFNs every bitmap covers: [0, pfns), 1 to 2^32 - 2. */
  pfns: number;
  /** Bytes per page: the block and node size of bmlist and rtree, a power of two from 64 to 65536. Default 4096. */
  pageSize?: number;
  zones?: BitmapZones;
  /** Strategies whose bitmaps the arena can hold at once (each slot fits the largest). Default: all four. */
  strategies?: readonly BitmapStrategy[];
  /** Bitmaps alive at once. Default 2. */
  slots?: number;
  /** Bytes through which the bulk calls stage PFN arrays (in chunks when larger). Default 1 MiB. */
  scratchBytes?: number;
  /** Bytes for pfnArray(): PFN arrays that live in the arena, which the bulk calls read in place. Default 0. */
  arrayBytes?: number;
  /** Engine build; THAW_WASM=debug selects the debug build by default. */
  flavour?: Flavour;
}

/** What createBitmap() makes. */
export interface CreateBitmapOptions {
  strategy: BitmapStrategy;
  /** PFNs the bitmap covers: [0, pfns). */
  pfns: number;
  pageSize?: number;
  zones?: BitmapZones;
  flavour?: Flavour;
}

interface ArenaGeometry {
  pfns: number;
  pageSize: number;
  dmaEndPfn: number;
  highmemStartPfn: number;
  scratch: number;
  scratchBytes: number;
  arrays: number;
  arrayBytes: number;
  slotSize: number;
  slots: number;
}

function optionError(name: string, value: unknown, why: string): ConfigError {
  const shown = typeof value === "number" || typeof value === "string" ? value : String(value);
  return new ConfigError(`bitmap: ${name} ${JSON.stringify(shown)} ${why}`, {
    kind: "option",
    name,
    value: shown,
  });
}

function wholeNumber(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw optionError(name, value, `is not a whole number from ${min} to ${max}`);
  return value;
}

/**
 * BitmapArena - One memory holding bitmap slots, a staging area and optional PFN arrays, with the engine over it.
 */
export class BitmapArena {
  /** PFNs every bitmap of the arena covers: [0, pfns). */
  readonly pfns: number;
  readonly pageSize: number;
  readonly dmaEndPfn: number;
  readonly highmemStartPfn: number;
  /** Bitmaps the arena can hold at once. */
  readonly slots: number;
  /** @internal The engine's exports (for the tests and the lab). */
  readonly engine: EngineExports;
  /** @internal */
  readonly memory: WebAssembly.Memory;
  /** @internal Address and size of the staging area. */
  readonly scratch: number;
  readonly scratchBytes: number;
  private readonly arrays: number;
  private readonly arrayBytes: number;
  private arraysUsed = 0;
  private readonly slotSize: number;
  private live = 0;

  private constructor(memory: WebAssembly.Memory, engine: EngineExports, g: ArenaGeometry) {
    this.memory = memory;
    this.engine = engine;
    this.pfns = g.pfns;
    this.pageSize = g.pageSize;
    this.dmaEndPfn = g.dmaEndPfn;
    this.highmemStartPfn = g.highmemStartPfn;
    this.scratch = g.scratch;
    this.scratchBytes = g.scratchBytes;
    this.arrays = g.arrays;
    this.arrayBytes = g.arrayBytes;
    this.slotSize = g.slotSize;
    this.slots = g.slots;
  }

  /**
   * create - Lay out and instantiate an arena.
   * @throws ConfigError naming the option when the PFN count, page size, zones, strategies, slots or byte counts
   *   are out of range; RangeError when the arena would exceed wasm32's 4 GiB.
   */
  static async create(options: BitmapArenaOptions): Promise<BitmapArena> {
    const pfns = wholeNumber("pfns", options.pfns, 1, L.BM_END_OF_MAP - 1);
    const pageSize = options.pageSize ?? 4096;
    const pageShift = Math.log2(pageSize);
    if (!Number.isInteger(pageShift) || pageShift < L.MIN_PAGE_SHIFT || pageShift > L.MAX_PAGE_SHIFT)
      throw optionError("pageSize", pageSize, "is not a power of two from 64 to 65536");
    const highmemStartPfn = Math.min(
      pfns,
      wholeNumber("zones.highmemStartPfn", options.zones?.highmemStartPfn ?? pfns, 0, L.BM_END_OF_MAP - 1),
    );
    const dmaEndPfn = Math.min(
      highmemStartPfn,
      wholeNumber(
        "zones.dmaEndPfn",
        options.zones?.dmaEndPfn ?? Math.ceil((16 * 2 ** 20) / pageSize),
        0,
        L.BM_END_OF_MAP - 1,
      ),
    );
    const strategies = options.strategies ?? BITMAP_STRATEGIES;
    if (strategies.length === 0) throw optionError("strategies", "[]", "names no strategy");
    for (const s of strategies)
      if (!isBitmapStrategy(s)) throw optionError("strategy", s, `is not one of ${BITMAP_STRATEGIES.join(", ")}`);
    const slots = wholeNumber("slots", options.slots ?? 2, 1, 1024);
    const scratchBytes = alignUp(wholeNumber("scratchBytes", options.scratchBytes ?? 2 ** 20, 16, 2 ** 31), 4096);
    const arrayBytes = alignUp(wholeNumber("arrayBytes", options.arrayBytes ?? 0, 0, 2 ** 32), 4096);
    const calc = await engineCalculator();
    const slotSize = Math.max(
      ...strategies.map((s) => calc.bitmapSlotBytes(STRATEGY_KIND[s], pfns, pageSize, 0) >>> 0),
    );
    const arena = new ArenaBuilder();
    const slotsAt = arena.take(slots * slotSize, 4096);
    const scratch = arena.take(scratchBytes, 4096);
    const arrays = arena.take(arrayBytes, 4096);
    if (arena.end > L.MAX_MEMORY_BYTES)
      throw new RangeError(
        `bitmap: an arena of ${slots} × ${slotSize} bytes of bitmaps and ${scratchBytes + arrayBytes} bytes of ` +
          `PFN arrays needs ${arena.end} bytes, more than wasm32's 4 GiB`,
      );
    const mem = await EngineMemory.create(arena.end, options.flavour ?? defaultFlavour());
    const set = (field: number, value: number) => mem.setCtx(field, value);
    set(L.CTX_PAGE_SHIFT, pageShift);
    set(L.CTX_PAGE_SIZE, pageSize);
    set(L.CTX_NR_FRAMES, pfns);
    set(L.CTX_DMA_END_PFN, dmaEndPfn);
    set(L.CTX_HIGHMEM_START_PFN, highmemStartPfn);
    set(L.CTX_BM_KIND, STRATEGY_KIND[strategies[0]!]);
    set(L.CTX_BM_SLOTS, slotsAt);
    set(L.CTX_BM_NR_SLOTS, slots);
    set(L.CTX_BM_SLOT_SIZE, slotSize);
    set(L.CTX_BM_STORAGE_SIZE, slotSize - alignUp(L.BMD_SIZE, 8));
    set(L.CTX_BM_CHARGE, 0);
    return new BitmapArena(mem.memory, mem.exports, {
      pfns,
      pageSize,
      dmaEndPfn,
      highmemStartPfn,
      scratch,
      scratchBytes,
      arrays,
      arrayBytes,
      slotSize,
      slots,
    });
  }

  /** The bitmaps alive in the arena. */
  get used(): number {
    return this.live;
  }

  /**
   * create - kernel/power/snapshot.c: memory_bm_create(): an empty bitmap of @strategy in a free slot.
   * @throws ConfigError when @strategy is not one of BITMAP_STRATEGIES or does not fit the arena's slots, or every
   *   slot is in use.
   */
  create(strategy: BitmapStrategy): Bitmap {
    if (!isBitmapStrategy(strategy))
      throw optionError("strategy", strategy, `is not one of ${BITMAP_STRATEGIES.join(", ")}`);
    const kind = STRATEGY_KIND[strategy];
    if (this.engine.bitmapSlotBytes(kind, this.pfns, this.pageSize, 0) >>> 0 > this.slotSize)
      throw optionError("strategy", strategy, "was not among the arena's strategies (its slots are too small)");
    new DataView(this.memory.buffer).setUint32(L.CTX_START + L.CTX_BM_KIND, kind, true);
    const addr = this.engine.memoryBmCreate(L.PG_ANY);
    if (addr === 0)
      throw new ConfigError(`bitmap: all ${this.slots} slots of the arena are in use`, {
        kind: "option",
        name: "slots",
        value: this.slots + 1,
        limit: this.slots,
      });
    this.live++;
    return new Bitmap(this, addr, strategy);
  }

  /**
   * pfnArray - A Uint32Array of @length PFNs that lives in the arena's memory: the bulk calls read it in place,
   * without a copy. Taken from the arrayBytes the arena was made with; releaseArrays() gives them all back.
   * @throws RangeError when the arrays left do not have room for @length PFNs.
   */
  pfnArray(length: number): Uint32Array {
    const bytes = alignUp(wholeNumber("length", length, 0, 2 ** 30) * 4, 64);
    if (this.arraysUsed + bytes > this.arrayBytes)
      throw new RangeError(
        `bitmap: ${length} PFNs do not fit the arena's arrays (${this.arrayBytes - this.arraysUsed} of ` +
          `${this.arrayBytes} bytes left; create the arena with a larger arrayBytes)`,
      );
    const view = new Uint32Array(this.memory.buffer, this.arrays + this.arraysUsed, length);
    this.arraysUsed += bytes;
    return view;
  }

  /** releaseArrays - Give back every pfnArray() (their views then alias the next ones). */
  releaseArrays(): void {
    this.arraysUsed = 0;
  }

  /** storageBytes - Bytes a bitmap of @strategy over the arena's PFNs takes (bitmapStorageBytes). */
  storageBytes(strategy: BitmapStrategy): number {
    return this.engine.bitmapStorageBytes(STRATEGY_KIND[strategy], this.pfns, this.pageSize);
  }

  /** @internal inArrays - The address of @values when it is a pfnArray() of this arena, else -1. */
  inArrays(values: ArrayLike<number>): number {
    if (!(values instanceof Uint32Array) || values.buffer !== this.memory.buffer) return -1;
    const at = values.byteOffset;
    return at >= this.arrays && at + values.byteLength <= this.arrays + this.arrayBytes ? at : -1;
  }

  /** @internal released - A bitmap of the arena was freed. */
  released(): void {
    this.live--;
  }
}

/**
 * Bitmap - One memory bitmap: the kernel's operations one call at a time, and bulk calls over PFN arrays (staged
 * through the arena, in chunks when they do not fit, or read in place when they are the arena's pfnArray()s).
 *
 * Each strategy keeps its era's iteration behaviour at the end of the map (flat, rtree and summary stay at the end
 * until reset(); bmlist starts over) and its cursor semantics (see test/bitmap/conformance.test.ts); nextSet() and
 * the bulk calls are the same on all four.
 */
export class Bitmap {
  readonly arena: BitmapArena;
  readonly strategy: BitmapStrategy;
  /** @internal The descriptor's address. */
  readonly addr: number;
  /** pfns while alive, 0 once freed: one comparison checks both. */
  private limit: number;
  /**
   * The words of a flat bitmap, or level 0 of a summary bitmap (assembly/bitmap/flat.ts, summary.ts: bit i in bit
   * i & 63 of little-endian u64 word i >> 6, so bit i & 31 of u32 word i >> 5), for set/clear/test in JS: a bit
   * operation is one load and one store, cheaper than the call into the engine, and neither strategy keeps state a
   * lookup would change. A summary bitmap's set that turns a zero u64 word non-zero, or clear that turns one zero,
   * goes to the engine, which climbs the summary levels. null for bmlist and rtree.
   */
  private readonly words: Uint32Array | null;
  /** The words are a summary bitmap's level 0. */
  private readonly summary: boolean;
  private readonly setBit: EngineExports["bmSetBit"];
  private readonly clearBit: EngineExports["bmClearBit"];
  private readonly testBit: EngineExports["bmTestBit"];
  private readonly e: EngineExports;

  /** @internal Made by BitmapArena.create(). */
  constructor(arena: BitmapArena, addr: number, strategy: BitmapStrategy) {
    this.arena = arena;
    this.addr = addr;
    this.strategy = strategy;
    this.limit = arena.pfns;
    this.e = arena.engine;
    this.setBit = this.e.bmSetBit;
    this.clearBit = this.e.bmClearBit;
    this.testBit = this.e.bmTestBit;
    const view = new DataView(arena.memory.buffer);
    const storage = view.getUint32(addr + L.BMD_STORAGE, true);
    const u32s = 2 * Math.ceil(arena.pfns / 64);
    this.summary = strategy === "summary";
    this.words =
      strategy === "flat"
        ? new Uint32Array(arena.memory.buffer, storage, u32s)
        : this.summary
          ? new Uint32Array(arena.memory.buffer, view.getUint32(storage + SUMMARY_HDR_LEVEL, true), u32s)
          : null;
  }

  /** PFNs the bitmap covers: [0, pfns). */
  get pfns(): number {
    return this.arena.pfns;
  }

  /** True once free() has run. */
  get freed(): boolean {
    return this.limit === 0;
  }

  private reject(pfn: unknown, index?: number): never {
    this.alive();
    const where = index === undefined ? "" : ` (index ${index})`;
    const shown = typeof pfn === "number" ? pfn : JSON.stringify(pfn);
    throw new RangeError(`bitmap: PFN ${shown}${where} is outside the bitmap [0, ${this.limit})`);
  }

  private alive(): void {
    if (this.limit === 0) throw new TypeError(`bitmap: this ${this.strategy} bitmap was freed`);
  }

  /**
   * set - kernel/power/snapshot.c: memory_bm_set_bit(): set the bit of @pfn.
   * @throws RangeError when @pfn is not a whole number in [0, pfns); TypeError once freed.
   */
  set(pfn: number): void {
    if (!(pfn < this.limit) || pfn >>> 0 !== pfn) this.reject(pfn);
    const w = this.words;
    if (w === null || (this.summary && (w[pfn >>> 5]! | w[(pfn >>> 5) ^ 1]!) === 0)) this.setBit(this.addr, pfn);
    else w[pfn >>> 5]! |= 1 << (pfn & 31);
  }

  /**
   * clear - kernel/power/snapshot.c: memory_bm_clear_bit(): clear the bit of @pfn.
   * @throws RangeError when @pfn is not a whole number in [0, pfns); TypeError once freed.
   */
  clear(pfn: number): void {
    if (!(pfn < this.limit) || pfn >>> 0 !== pfn) this.reject(pfn);
    const w = this.words;
    if (w === null) {
      this.clearBit(this.addr, pfn);
      return;
    }
    const i = pfn >>> 5;
    const now = w[i]! & ~(1 << (pfn & 31));
    if (this.summary && now === 0 && w[i] !== 0 && w[i ^ 1] === 0) this.clearBit(this.addr, pfn);
    else w[i] = now;
  }

  /**
   * test - kernel/power/snapshot.c: memory_bm_test_bit(): the bit of @pfn. Like every lookup it moves rtree's and
   * bmlist's cursors, as in the kernel.
   * @throws RangeError when @pfn is not a whole number in [0, pfns); TypeError once freed.
   */
  test(pfn: number): boolean {
    if (!(pfn < this.limit) || pfn >>> 0 !== pfn) this.reject(pfn);
    const w = this.words;
    if (w !== null) return ((w[pfn >>> 5]! >>> (pfn & 31)) & 1) === 1;
    return this.testBit(this.addr, pfn);
  }

  /**
   * nextSet - The first set PFN at or after @from, or END_OF_MAP: memoryBmSeek() then memory_bm_next_pfn(). The
   * cursor is left after the PFN returned. @from may be past the map (END_OF_MAP).
   * @throws RangeError when @from is not a whole number from 0 to 2^32 - 1; TypeError once freed.
   */
  nextSet(from: number): number {
    this.alive();
    if (from >>> 0 !== from) this.reject(from);
    this.e.bmSeek(this.addr, from);
    return this.e.bmNextPfn(this.addr);
  }

  /** next - kernel/power/snapshot.c: memory_bm_next_pfn(): the next set PFN after the cursor, or END_OF_MAP. */
  next(): number {
    this.alive();
    return this.e.bmNextPfn(this.addr);
  }

  /** reset - kernel/power/snapshot.c: memory_bm_position_reset(): the cursor before the first bit. */
  reset(): void {
    this.alive();
    this.e.memoryBmPositionReset(this.addr);
  }

  /**
   * seek - memoryBmSeek(): the next next() returns the first set PFN at or after @pfn (END_OF_MAP past the map).
   * @throws RangeError when @pfn is not a whole number from 0 to 2^32 - 1; TypeError once freed.
   */
  seek(pfn: number): void {
    this.alive();
    if (pfn >>> 0 !== pfn) this.reject(pfn);
    this.e.bmSeek(this.addr, pfn);
  }

  /**
   * current - kernel/power/snapshot.c: memory_bm_get_current(): the PFN next() returned last (END_OF_MAP after a reset
   * or seek).
   */
  current(): number {
    this.alive();
    return this.e.bmGetCurrent(this.addr);
  }

  /**
   * clearCurrent - kernel/power/snapshot.c: memory_bm_clear_current(): clear the bit next() returned last (rtree: as
   * the kernel does).
   */
  clearCurrent(): void {
    this.alive();
    this.e.bmClearCurrent(this.addr);
  }

  /** count - The number of set bits (the kernel counts by iterating; the strategies count their words). */
  count(): number {
    this.alive();
    return this.e.memoryBmCount(this.addr);
  }

  /** @internal check - memoryBmCheck(): 0 when the strategy's structure is consistent, else the broken invariant. */
  check(): number {
    this.alive();
    return this.e.memoryBmCheck(this.addr);
  }

  /** storageUsed - Bytes of its slot the bitmap really takes. */
  storageUsed(): number {
    this.alive();
    return this.e.memoryBmStorageUsed(this.addr);
  }

  /**
   * duplicateFrom - kernel/power/snapshot.c: duplicate_memory_bitmap(this, @src): set every bit set in @src (a
   * union), word by word when both are of one strategy, bit by bit otherwise.
   * @throws ConfigError when @src belongs to another arena; TypeError when either is freed.
   */
  duplicateFrom(src: Bitmap): void {
    this.alive();
    src.alive();
    if (src.arena !== this.arena)
      throw new ConfigError("bitmap: duplicateFrom() needs a bitmap of the same arena", {
        kind: "option",
        name: "src",
        value: src.strategy,
      });
    this.e.duplicateMemoryBitmap(this.addr, src.addr);
  }

  /**
   * Checks every PFN of @values[from, from + n), copying them to @to when it is given. An out-of-range PFN is a
   * RangeError naming it and its index; nothing has been changed then for that chunk.
   */
  private checkPfns(values: ArrayLike<number>, from: number, n: number, to: Uint32Array | null): void {
    const limit = this.limit;
    if (values instanceof Uint32Array) {
      let max = 0;
      for (let i = 0; i < n; i++) {
        const v = values[from + i]!;
        if (v > max) max = v;
      }
      if (n > 0 && max >= limit) {
        for (let i = 0; i < n; i++) if (values[from + i]! >= limit) this.reject(values[from + i], from + i);
      }
      if (to !== null) to.set(values.subarray(from, from + n));
      return;
    }
    for (let i = 0; i < n; i++) {
      const v = values[from + i]!;
      if (!(v < limit) || v >>> 0 !== v) this.reject(v, from + i);
      if (to !== null) to[i] = v;
    }
  }

  /** Run @each over @values in chunks that fit half the staging area, or once in place for a pfnArray(). */
  private chunks(values: ArrayLike<number>, each: (addr: number, n: number, from: number) => void): void {
    this.alive();
    const inPlace = this.arena.inArrays(values);
    if (inPlace >= 0) {
      this.checkPfns(values, 0, values.length, null);
      each(inPlace, values.length, 0);
      return;
    }
    const per = Math.floor(this.arena.scratchBytes / 8);
    const at = this.arena.scratch;
    for (let from = 0; from < values.length; from += per) {
      const n = Math.min(per, values.length - from);
      this.checkPfns(values, from, n, new Uint32Array(this.arena.memory.buffer, at, n));
      each(at, n, from);
    }
  }

  /**
   * setMany - memory_bm_set_bits(): memory_bm_set_bit() for each of @pfns, in order, one engine call per chunk.
   * @throws RangeError naming the first PFN outside [0, pfns) and its index (the chunks before it are set).
   */
  setMany(pfns: ArrayLike<number>): void {
    this.chunks(pfns, (addr, n) => this.e.memoryBmSetBits(this.addr, addr, n));
  }

  /** clearMany - memory_bm_clear_bits(): memory_bm_clear_bit() for each of @pfns. @throws as setMany(). */
  clearMany(pfns: ArrayLike<number>): void {
    this.chunks(pfns, (addr, n) => this.e.memoryBmClearBits(this.addr, addr, n));
  }

  /**
   * testCount - memory_bm_test_bits(): how many of @pfns are set; with @out (at least @pfns.length bytes), also each
   * bit (1 set, 0 clear). @throws as setMany(); RangeError when @out is too short.
   */
  testCount(pfns: ArrayLike<number>, out?: Uint8Array): number {
    if (out !== undefined && out.length < pfns.length)
      throw new RangeError(`bitmap: out has ${out.length} bytes for ${pfns.length} PFNs`);
    let hits = 0;
    const outAt = this.arena.scratch + Math.floor(this.arena.scratchBytes / 2);
    const per = Math.floor(this.arena.scratchBytes / 2);
    this.chunks(pfns, (addr, n, from) => {
      if (out === undefined) {
        hits += this.e.memoryBmTestBits(this.addr, addr, n, 0);
        return;
      }
      for (let done = 0; done < n; done += per) {
        const k = Math.min(per, n - done);
        hits += this.e.memoryBmTestBits(this.addr, addr + done * 4, k, outAt);
        out.set(new Uint8Array(this.arena.memory.buffer, outAt, k), from + done);
      }
    });
    return hits;
  }

  /** testMany - memory_bm_test_bits(): how many of @pfns are set, and each bit. @throws as setMany(). */
  testMany(pfns: ArrayLike<number>): { hits: number; bits: Uint8Array } {
    const bits = new Uint8Array(pfns.length);
    const hits = this.testCount(pfns, bits);
    return { hits, bits };
  }

  /** nextMany - memory_bm_next_pfns(): up to @cap PFNs from the cursor (fewer: the end of the map was reached). */
  nextMany(cap: number): Uint32Array {
    this.alive();
    const room = Math.floor(this.arena.scratchBytes / 4);
    if (cap >>> 0 !== cap || cap > room)
      throw new RangeError(`bitmap: nextMany() takes 0 to ${room} PFNs at a time, got ${cap}`);
    const n = this.e.memoryBmNextPfns(this.addr, this.arena.scratch, cap);
    return new Uint32Array(this.arena.memory.buffer, this.arena.scratch, n).slice();
  }

  /**
   * nextInto - memory_bm_next_pfns(): fill @out with the PFNs from the cursor on; returns how many (fewer than
   * @out.length: the end of the map was reached). Written in place when @out is a pfnArray() of the arena.
   */
  nextInto(out: Uint32Array): number {
    this.alive();
    const inPlace = this.arena.inArrays(out);
    if (inPlace >= 0) return this.e.memoryBmNextPfns(this.addr, inPlace, out.length);
    const room = Math.floor(this.arena.scratchBytes / 4);
    const buffer = this.arena.memory.buffer;
    let at = 0;
    while (at < out.length) {
      const want = Math.min(room, out.length - at);
      const n = this.e.memoryBmNextPfns(this.addr, this.arena.scratch, want);
      out.set(new Uint32Array(buffer, this.arena.scratch, n), at);
      at += n;
      if (n < want) break;
    }
    return at;
  }

  /** walk - memory_bm_walk(): every set PFN, ascending (the cursor is reset first and left at the end). */
  walk(): Uint32Array {
    this.alive();
    const room = Math.floor(this.arena.scratchBytes / 4);
    const scratch = this.arena.scratch;
    const count = this.e.memoryBmWalk(this.addr, scratch, room);
    if (count <= room) return new Uint32Array(this.arena.memory.buffer, scratch, count).slice();
    const out = new Uint32Array(count);
    this.e.memoryBmPositionReset(this.addr);
    for (let at = 0; at < count; ) {
      const n = this.e.memoryBmNextPfns(this.addr, scratch, Math.min(room, count - at));
      out.set(new Uint32Array(this.arena.memory.buffer, scratch, n), at);
      at += n;
      if (n === 0) break;
    }
    this.e.memoryBmNextPfns(this.addr, 0, 1);
    return out;
  }

  /** toArray - Every set PFN, ascending: walk(). */
  toArray(): Uint32Array {
    return this.walk();
  }

  /** walkCount - memory_bm_walk() without PFNs: the count of set bits found by iterating. */
  walkCount(): number {
    this.alive();
    return this.e.memoryBmWalk(this.addr, 0, 0);
  }

  /**
   * seekMany - memory_bm_seek_pfns(): for each of @positions, nextSet(position) (END_OF_MAP where none is left).
   * @throws RangeError naming a position that is not a whole number from 0 to 2^32 - 1.
   */
  seekMany(positions: ArrayLike<number>): Uint32Array {
    this.alive();
    for (let i = 0; i < positions.length; i++) {
      const p = positions[i]!;
      if (p >>> 0 !== p) this.reject(p, i);
    }
    const out = new Uint32Array(positions.length);
    const outAt = this.arena.scratch + Math.floor(this.arena.scratchBytes / 2);
    const per = Math.floor(this.arena.scratchBytes / 8);
    const inPlace = this.arena.inArrays(positions);
    for (let from = 0; from < positions.length; from += per) {
      const n = Math.min(per, positions.length - from);
      let addr = inPlace + from * 4;
      if (inPlace < 0) {
        addr = this.arena.scratch;
        const view = new Uint32Array(this.arena.memory.buffer, addr, n);
        for (let i = 0; i < n; i++) view[i] = positions[from + i]!;
      }
      this.e.memoryBmSeekPfns(this.addr, addr, n, outAt);
      out.set(new Uint32Array(this.arena.memory.buffer, outAt, n), from);
    }
    return out;
  }

  /** seekCount - memory_bm_seek_pfns() without results: how many of @positions have a set PFN at or after them. */
  seekCount(positions: Uint32Array): number {
    this.alive();
    const inPlace = this.arena.inArrays(positions);
    if (inPlace >= 0) return this.e.memoryBmSeekPfns(this.addr, inPlace, positions.length, 0);
    let found = 0;
    const per = Math.floor(this.arena.scratchBytes / 4);
    for (let from = 0; from < positions.length; from += per) {
      const n = Math.min(per, positions.length - from);
      new Uint32Array(this.arena.memory.buffer, this.arena.scratch, n).set(positions.subarray(from, from + n));
      found += this.e.memoryBmSeekPfns(this.addr, this.arena.scratch, n, 0);
    }
    return found;
  }

  /**
   * free - kernel/power/snapshot.c: memory_bm_free(): give the slot back. Using the bitmap afterwards is a TypeError;
   * a second free() is not.
   */
  free(): void {
    if (this.limit === 0) return;
    this.e.memoryBmFree(this.addr, L.PG_UNSAFE_KEEP);
    this.limit = 0;
    this.arena.released();
  }

  /** free() for `using`. */
  [Symbol.dispose](): void {
    this.free();
  }
}

/**
 * createBitmap - An empty bitmap of @options.strategy over [0, @options.pfns), in an arena of its own.
 * @throws ConfigError naming the option out of range (see BitmapArena.create()).
 */
export async function createBitmap(options: CreateBitmapOptions): Promise<Bitmap> {
  if (!isBitmapStrategy(options?.strategy))
    throw optionError("strategy", options?.strategy, `is not one of ${BITMAP_STRATEGIES.join(", ")}`);
  const arena = await BitmapArena.create({
    pfns: options.pfns,
    strategies: [options.strategy],
    slots: 1,
    scratchBytes: 256 * 1024,
    ...(options.pageSize !== undefined && { pageSize: options.pageSize }),
    ...(options.zones !== undefined && { zones: options.zones }),
    ...(options.flavour !== undefined && { flavour: options.flavour }),
  });
  return arena.create(options.strategy);
}
