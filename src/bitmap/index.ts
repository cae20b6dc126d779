/**
 * The bitmap lab: memory bitmaps of any strategy over any number of PFNs, without a machine.
 *
 * A lab is one shared WebAssembly.Memory with the engine instantiated over it and the CTX record holding only what
 * the bitmap code reads: the page size, the PFN count, the zone boundaries and the bitmap slots. No slot is charged
 * frames (CTX_BM_CHARGE = 0), so memory_bm_create() goes down the machine's own code path and takes no frame. The
 * conformance and property tests and the benchmark lab drive the bitmaps through it.
 *
 * ╒═══════════════ lab memory ═══════════════╕
 * │ AS_RESERVED, CTX, RANGES, STAGING          │ 0 (layout.ts; STAGING unused)
 * │ bitmap slots   slots × slot size           │ ARENA_START
 * │ scratch        PFN arrays in and out       │ 4 KiB aligned
 * └────────────────────────────────────────────┘
 */
import * as L from "../../assembly/portable/layout.js";
import { defaultFlavour, type EngineExports, type Flavour } from "../engine/load.js";
import { ArenaBuilder, alignUp, EngineMemory, engineCalculator } from "../engine/memory.js";
import { BITMAP_STRATEGIES, type BitmapStrategy, STRATEGY_KIND } from "../engine/strategies.js";

/** What a lab holds. */
export interface BitmapLabOptions {
  /** PFNs every bitmap covers: [0, pfns). */
  pfns: number;
  /** Bytes per page: the block and node size of bmlist and rtree. Default 4096. */
  pageSize?: number;
  /** Zone boundaries (bmlist keeps one block list per zone). Default: DMA up to 16 MiB, no HighMem. */
  zones?: { dmaEndPfn?: number; highmemStartPfn?: number };
  /** Strategies whose bitmaps the lab can hold at once (each slot fits the largest). Default: all four. */
  strategies?: readonly BitmapStrategy[];
  /** Bitmaps alive at once. Default 2. */
  slots?: number;
  /** Bytes for PFN arrays passed to and from the bulk calls. Default 4 MiB. */
  scratchBytes?: number;
  /** Engine build; THAW_WASM=debug selects the debug build by default. */
  flavour?: Flavour;
}

interface LabGeometry {
  pfns: number;
  pageSize: number;
  dmaEndPfn: number;
  highmemStartPfn: number;
  scratch: number;
  scratchBytes: number;
  slotSize: number;
  slots: number;
}

/**
 * BitmapLab - A memory holding bitmap slots and a scratch area, with the engine over it.
 */
export class BitmapLab {
  readonly memory: WebAssembly.Memory;
  readonly engine: EngineExports;
  readonly pfns: number;
  readonly pageSize: number;
  readonly dmaEndPfn: number;
  readonly highmemStartPfn: number;
  /** Address and size of the scratch area. */
  readonly scratch: number;
  readonly scratchBytes: number;
  readonly slotSize: number;
  readonly slots: number;

  private constructor(memory: WebAssembly.Memory, engine: EngineExports, fields: LabGeometry) {
    this.memory = memory;
    this.engine = engine;
    this.pfns = fields.pfns;
    this.pageSize = fields.pageSize;
    this.dmaEndPfn = fields.dmaEndPfn;
    this.highmemStartPfn = fields.highmemStartPfn;
    this.scratch = fields.scratch;
    this.scratchBytes = fields.scratchBytes;
    this.slotSize = fields.slotSize;
    this.slots = fields.slots;
  }

  /**
   * create - Lay out and instantiate a lab.
   * @throws RangeError when the PFN count or page size is out of the model's range or the lab exceeds 4 GiB.
   */
  static async create(options: BitmapLabOptions): Promise<BitmapLab> {
    const { pfns } = options;
    const pageSize = options.pageSize ?? 4096;
    const pageShift = Math.log2(pageSize);
    if (!Number.isInteger(pfns) || pfns < 1 || pfns >= L.BM_END_OF_MAP)
      throw new RangeError(`a bitmap covers 1 to ${L.BM_END_OF_MAP - 1} PFNs, got ${pfns}`);
    if (!Number.isInteger(pageShift) || pageShift < L.MIN_PAGE_SHIFT || pageShift > L.MAX_PAGE_SHIFT)
      throw new RangeError(`page size must be a power of two from 64 to 65536, got ${pageSize}`);
    const highmemStartPfn = Math.min(pfns, options.zones?.highmemStartPfn ?? pfns);
    const dmaEndPfn = Math.min(highmemStartPfn, options.zones?.dmaEndPfn ?? Math.ceil((16 * 2 ** 20) / pageSize));
    const strategies = options.strategies ?? BITMAP_STRATEGIES;
    const slots = options.slots ?? 2;
    const scratchBytes = alignUp(options.scratchBytes ?? 4 * 2 ** 20, 4096);
    const calc = await engineCalculator();
    const slotSize = Math.max(
      ...strategies.map((s) => calc.bitmapSlotBytes(STRATEGY_KIND[s], pfns, pageSize, 0) >>> 0),
    );
    const arena = new ArenaBuilder();
    const slotsAt = arena.take(slots * slotSize, 4096);
    const scratch = arena.take(scratchBytes, 4096);
    if (arena.end > L.MAX_MEMORY_BYTES)
      throw new RangeError(
        `a lab of ${slots} × ${slotSize} bytes of bitmaps and ${scratchBytes} bytes of scratch needs more than 4 GiB`,
      );
    const mem = await EngineMemory.create(arena.end, options.flavour ?? defaultFlavour());
    const { memory, exports } = mem;
    const lab = new BitmapLab(memory, exports, {
      pfns,
      pageSize,
      dmaEndPfn,
      highmemStartPfn,
      scratch,
      scratchBytes,
      slotSize,
      slots,
    });
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
    return lab;
  }

  /**
   * create - memory_bm_create(PG_ANY) of @strategy in a free slot.
   * @throws Error when every slot is in use.
   */
  create(strategy: BitmapStrategy): LabBitmap {
    new DataView(this.memory.buffer).setUint32(L.CTX_START + L.CTX_BM_KIND, STRATEGY_KIND[strategy], true);
    const addr = this.engine.memoryBmCreate(L.PG_ANY);
    if (addr === 0) throw new Error(`bitmap lab: all ${this.slots} slots are in use`);
    return new LabBitmap(this, addr, strategy);
  }

  /** stage - Copy @values into the scratch area at byte @offset; returns their address. */
  stage(values: ArrayLike<number>, offset = 0): number {
    if (offset + values.length * 4 > this.scratchBytes)
      throw new RangeError(`bitmap lab: ${values.length} PFNs do not fit the scratch area`);
    new Uint32Array(this.memory.buffer, this.scratch + offset, values.length).set(values);
    return this.scratch + offset;
  }

  /** u32 - A view of @n u32 of linear memory at @addr. */
  u32(addr: number, n: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, addr, n);
  }

  /** u8 - A view of @n bytes of linear memory at @addr. */
  u8(addr: number, n: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, addr, n);
  }

  /** storageBytes - Bytes a bitmap of @strategy over this lab's PFNs takes (bitmapStorageBytes). */
  storageBytes(strategy: BitmapStrategy): number {
    return this.engine.bitmapStorageBytes(STRATEGY_KIND[strategy], this.pfns, this.pageSize);
  }
}

/**
 * LabBitmap - One bitmap of a lab: the kernel's operations one call at a time, and the bulk calls over JS arrays
 * (staged through the scratch area, in chunks when they do not fit).
 */
export class LabBitmap {
  readonly lab: BitmapLab;
  /** The descriptor's address. */
  readonly addr: number;
  readonly strategy: BitmapStrategy;

  constructor(lab: BitmapLab, addr: number, strategy: BitmapStrategy) {
    this.lab = lab;
    this.addr = addr;
    this.strategy = strategy;
  }

  private get e(): EngineExports {
    return this.lab.engine;
  }

  /** memory_bm_set_bit */
  set(pfn: number): void {
    this.e.bmSetBit(this.addr, pfn);
  }

  /** memory_bm_clear_bit */
  clear(pfn: number): void {
    this.e.bmClearBit(this.addr, pfn);
  }

  /** memory_bm_test_bit */
  test(pfn: number): boolean {
    return this.e.bmTestBit(this.addr, pfn);
  }

  /** memory_bm_next_pfn: a PFN, or BM_END_OF_MAP (0xffffffff). */
  next(): number {
    return this.e.bmNextPfn(this.addr);
  }

  /** memory_bm_position_reset */
  reset(): void {
    this.e.memoryBmPositionReset(this.addr);
  }

  /** memoryBmSeek: the next next() returns the first set bit at or after @pfn. */
  seek(pfn: number): void {
    this.e.bmSeek(this.addr, pfn);
  }

  /** memory_bm_get_current */
  current(): number {
    return this.e.bmGetCurrent(this.addr);
  }

  /** memory_bm_clear_current */
  clearCurrent(): void {
    this.e.bmClearCurrent(this.addr);
  }

  /** memoryBmCount */
  count(): number {
    return this.e.memoryBmCount(this.addr);
  }

  /** memoryBmCheck: 0 when the strategy's structure is consistent, else the code of the first broken invariant. */
  check(): number {
    return this.e.memoryBmCheck(this.addr);
  }

  /** Bytes of its slot's storage the bitmap really takes. */
  storageUsed(): number {
    return this.e.memoryBmStorageUsed(this.addr);
  }

  /** memory_bm_free (no frames are charged in a lab). */
  free(): void {
    this.e.memoryBmFree(this.addr, L.PG_UNSAFE_KEEP);
  }

  /** duplicate_memory_bitmap(this, @src) */
  duplicateFrom(src: LabBitmap): void {
    this.e.duplicateMemoryBitmap(this.addr, src.addr);
  }

  private chunks(values: ArrayLike<number>, each: (addr: number, n: number, from: number) => void): void {
    const per = Math.floor(this.lab.scratchBytes / 8);
    for (let from = 0; from < values.length; from += per) {
      const n = Math.min(per, values.length - from);
      const view = this.lab.u32(this.lab.scratch, n);
      for (let i = 0; i < n; i++) view[i] = values[from + i]!;
      each(this.lab.scratch, n, from);
    }
  }

  /** memory_bm_set_bits over @pfns. */
  setMany(pfns: ArrayLike<number>): void {
    this.chunks(pfns, (addr, n) => this.e.memoryBmSetBits(this.addr, addr, n));
  }

  /** memory_bm_clear_bits over @pfns. */
  clearMany(pfns: ArrayLike<number>): void {
    this.chunks(pfns, (addr, n) => this.e.memoryBmClearBits(this.addr, addr, n));
  }

  /** memory_bm_test_bits over @pfns: how many are set, and each bit. */
  testMany(pfns: ArrayLike<number>): { hits: number; bits: Uint8Array } {
    const bits = new Uint8Array(pfns.length);
    let hits = 0;
    const outAt = this.lab.scratch + Math.floor(this.lab.scratchBytes / 2);
    this.chunks(pfns, (addr, n, from) => {
      hits += this.e.memoryBmTestBits(this.addr, addr, n, outAt);
      bits.set(this.lab.u8(outAt, n), from);
    });
    return { hits, bits };
  }

  /** memory_bm_next_pfns: up to @cap PFNs from the cursor (fewer: the end of the map was reached). */
  nextMany(cap: number): Uint32Array {
    const room = Math.floor(this.lab.scratchBytes / 4);
    if (cap > room) throw new RangeError(`bitmap lab: ${cap} PFNs do not fit the scratch area`);
    const n = this.e.memoryBmNextPfns(this.addr, this.lab.scratch, cap);
    return this.lab.u32(this.lab.scratch, n).slice();
  }

  /** memory_bm_walk: every set PFN, ascending (reset first). */
  walk(): Uint32Array {
    const room = Math.floor(this.lab.scratchBytes / 4);
    const count = this.e.memoryBmWalk(this.addr, this.lab.scratch, room);
    if (count <= room) return this.lab.u32(this.lab.scratch, count).slice();
    const out = new Uint32Array(count);
    this.reset();
    for (let at = 0; at < count; ) {
      const n = this.e.memoryBmNextPfns(this.addr, this.lab.scratch, Math.min(room, count - at));
      out.set(this.lab.u32(this.lab.scratch, n), at);
      at += n;
      if (n === 0) break;
    }
    this.e.memoryBmNextPfns(this.addr, 0, 1);
    return out;
  }

  /** memory_bm_walk without PFNs: the count of set bits found by iterating. */
  walkCount(): number {
    return this.e.memoryBmWalk(this.addr, 0, 0);
  }

  /** memory_bm_seek_pfns: for each position, the first set PFN at or after it (BM_END_OF_MAP if none). */
  seekMany(positions: ArrayLike<number>): Uint32Array {
    const out = new Uint32Array(positions.length);
    const outAt = this.lab.scratch + Math.floor(this.lab.scratchBytes / 2);
    this.chunks(positions, (addr, n, from) => {
      this.e.memoryBmSeekPfns(this.addr, addr, n, outAt);
      out.set(this.lab.u32(outAt, n), from);
    });
    return out;
  }
}
