/**
 * A simulated machine: one shared WebAssembly.Memory laid out by assembly/portable/layout.ts, the engine instantiated
 * over it, the CTX record filled in, the boot kernel's footprint taken out of the page allocator.
 *
 * ╒═══════════════ ARENA (laid out here, per machine; addresses kept in CTX) ═══════════════╕
 * │ used map       1 bit per frame: not free in the page allocator                         │ CTX_USED_MAP
 * │ touched map    1 bit per frame: handed out since boot                                  │ CTX_TOUCHED_MAP
 * │ boot map       1 bit per frame: the boot kernel's footprint                            │ CTX_BOOT_MAP
 * │ lowmem order   u32 per lowmem frame: the allocator's order                             │ CTX_ORDER_LOW
 * │ highmem order  u32 per HighMem frame                                                   │ CTX_ORDER_HIGH
 * │ PFN list       u64 per frame (+ one page): image PFN entries for suspend and verify    │ CTX_VERIFY_PFNS
 * │ mismatches     u32 × MISMATCH_CAPACITY: PFNs that failed verification                  │ CTX_MISMATCHES
 * │ plan           u32 per frame: each data page's destination (planned loading)           │ (host only)
 * │ bitmap slots   NR_BITMAP_SLOTS × slot size (assembly/bitmap/bitmap.ts)                  │ CTX_BM_SLOTS
 * └──────────────────────────────────────────────────────────────────────────────────────────┘
 * then FRAMES at the next 64 KiB boundary.
 */
import * as L from "../../assembly/portable/layout.js";
import { instantiateEngine, loadModule, type EngineExports, type Flavour, defaultFlavour } from "../wasm/engine.js";
import { resolveMachine, inRanges, type MachineOptions, type MachineSpec, type BitmapStrategy } from "./config.js";
import { bootFootprint } from "./boot.js";
import { allocatorOrders } from "./allocatorOrder.js";
import { ConfigError } from "../errors.js";
import { formatBytes } from "../util/units.js";

/** Bitmap slots per machine: a resume has at most five bitmaps alive at once (§4.5 step 5). */
export const NR_BITMAP_SLOTS = 8;
/** PFNs of mismatching frames kept for the report (all are counted). */
export const MISMATCH_CAPACITY = 4096;

const STRATEGY_KIND: Record<BitmapStrategy, number> = {
  flat: L.BM_FLAT, bmlist: L.BM_BMLIST, rtree: L.BM_RTREE, summary: L.BM_SUMMARY,
};

/** Addresses of the arena's regions and of the frames. */
export interface ArenaLayout {
  usedMap: number;
  touchedMap: number;
  bootMap: number;
  mapBytes: number;
  orderLow: number;
  orderHigh: number;
  pfnList: number;
  pfnListCapacity: number;
  mismatches: number;
  plan: number;
  bmSlots: number;
  bmSlotSize: number;
  bmStorageSize: number;
  bmCharge: number;
  framesBase: number;
  totalBytes: number;
}

const align = (value: number, to: number) => Math.ceil(value / to) * to;

let calculator: Promise<EngineExports> | undefined;

/** engineCalculator - An engine over a tiny memory, for its pure functions (bitmap sizes) before a machine exists. */
function engineCalculator(): Promise<EngineExports> {
  calculator ??= instantiateEngine(new WebAssembly.Memory({ initial: 2, maximum: 2, shared: true }), "release").then((e) => e.exports);
  return calculator;
}

/** arenaLayout - Lay out the arena and frames of @spec; pure, so that sizes can be checked before allocating. */
export function arenaLayout(spec: MachineSpec, bmCharge: number, bmStorageSize: number): ArenaLayout {
  const mapBytes = align(Math.ceil(spec.frames / 64) * 8, 64);
  let at = L.ARENA_START;
  const take = (bytes: number, alignment = 64) => {
    const start = align(at, alignment);
    at = start + bytes;
    return start;
  };
  const usedMap = take(mapBytes);
  const touchedMap = take(mapBytes);
  const bootMap = take(mapBytes);
  const orderLow = take(spec.highmemStartPfn * 4);
  const orderHigh = take((spec.frames - spec.highmemStartPfn) * 4);
  const pfnListCapacity = spec.frames + spec.pageSize / L.PFN_ENTRY_SIZE + 1;
  const pfnList = take(pfnListCapacity * L.PFN_ENTRY_SIZE, 4096);
  const mismatches = take(MISMATCH_CAPACITY * 4);
  const plan = take(spec.frames * 4);
  const bmSlotSize = align(align(L.BMD_SIZE + bmCharge * 4, 8) + bmStorageSize, 64);
  const bmSlots = take(NR_BITMAP_SLOTS * bmSlotSize, 4096);
  const framesBase = align(at, L.WASM_PAGE_SIZE);
  const totalBytes = framesBase + spec.frames * spec.pageSize;
  return {
    usedMap, touchedMap, bootMap, mapBytes, orderLow, orderHigh, pfnList, pfnListCapacity, mismatches, plan, bmSlots,
    bmSlotSize, bmStorageSize, bmCharge, framesBase, totalBytes,
  };
}

/** Options of createMachine() beyond the machine itself. */
export interface CreateMachineOptions {
  /** Engine build: "release" (default) or "debug" (all assertions on). THAW_WASM=debug sets the default. */
  flavour?: Flavour;
}

/**
 * Machine - A simulated machine with frame contents, ready to be suspended or to resume an image.
 */
export class Machine {
  readonly spec: MachineSpec;
  readonly memory: WebAssembly.Memory;
  readonly engine: EngineExports;
  readonly module: WebAssembly.Module;
  readonly arena: ArenaLayout;
  /** The boot kernel's frames, ascending. */
  readonly bootPfns: Uint32Array;
  private readonly view: DataView;
  private readonly orders: { low: Uint32Array; high: Uint32Array };

  private constructor(spec: MachineSpec, memory: WebAssembly.Memory, engine: EngineExports, module: WebAssembly.Module, arena: ArenaLayout, bootPfns: Uint32Array) {
    this.spec = spec;
    this.memory = memory;
    this.engine = engine;
    this.module = module;
    this.arena = arena;
    this.bootPfns = bootPfns;
    this.view = new DataView(memory.buffer);
    const usedAtBoot = (pfn: number) => inRanges(spec.holes, pfn) || inRanges(spec.nosave, pfn) || this.isBootFrame(pfn);
    this.writeBootMap();
    this.orders = allocatorOrders(spec, usedAtBoot);
    new Uint32Array(memory.buffer, arena.orderLow, this.orders.low.length).set(this.orders.low);
    new Uint32Array(memory.buffer, arena.orderHigh, this.orders.high.length).set(this.orders.high);
  }

  /**
   * create - Build the machine described by @options: check it, lay out and allocate its memory, instantiate the
   * engine, and boot it (see boot()).
   * @throws ConfigError before anything is allocated when the machine cannot be modelled or does not fit in wasm32.
   */
  static async create(options: MachineOptions = {}, createOptions: CreateMachineOptions = {}): Promise<Machine> {
    const spec = resolveMachine(options);
    const calc = await engineCalculator();
    const kind = STRATEGY_KIND[spec.bitmap];
    const charge = calc.bitmapChargePages(spec.frames, spec.pageSize);
    const layout = arenaLayout(spec, charge, calc.bitmapStorageSize(kind, spec.frames));
    if (layout.totalBytes > L.MAX_MEMORY_BYTES) {
      const largest = largestFittingFrames(spec, (frames) => arenaLayout({ ...spec, frames, highmemStartPfn: Math.min(spec.highmemStartPfn, frames) }, calc.bitmapChargePages(frames, spec.pageSize), calc.bitmapStorageSize(kind, frames)).totalBytes);
      throw new ConfigError(
        `a machine of ${spec.frames} frames of ${spec.pageSize} bytes (${formatBytes(spec.frames * spec.pageSize)}) needs ${formatBytes(layout.totalBytes)} of linear memory, more than wasm32's 4 GiB; the largest that fits with page size ${spec.pageSize} is ${largest} frames (${formatBytes(largest * spec.pageSize)})`,
        { kind: "bytes", value: layout.totalBytes, limit: L.MAX_MEMORY_BYTES },
      );
    }
    const bootPfns = bootFootprint(spec);
    const pages = Math.ceil(layout.totalBytes / L.WASM_PAGE_SIZE);
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    } catch (error) {
      throw new ConfigError(`could not allocate ${formatBytes(pages * L.WASM_PAGE_SIZE)} of linear memory for the machine: ${(error as Error).message}`, { kind: "bytes", value: pages * L.WASM_PAGE_SIZE });
    }
    const { exports, module } = await instantiateEngine(memory, createOptions.flavour ?? defaultFlavour());
    if (exports.layoutHeapBase() > L.AS_RESERVED_START + L.AS_RESERVED_SIZE) {
      throw new Error(`thaw engine: static data ends at ${exports.layoutHeapBase()}, past AS_RESERVED (${L.AS_RESERVED_SIZE})`);
    }
    const machine = new Machine(spec, memory, exports, module, layout, bootPfns);
    machine.boot();
    return machine;
  }

  /** ctx - A u32 field of the CTX record. */
  ctx(field: number): number {
    return this.view.getUint32(L.CTX_START + field, true);
  }

  /** setCtx - Write a u32 field of the CTX record. */
  setCtx(field: number, value: number): void {
    this.view.setUint32(L.CTX_START + field, value >>> 0, true);
  }

  /** ctx64 - A u64 field of the CTX record, as a number. */
  ctx64(field: number): number {
    return Number(this.view.getBigUint64(L.CTX_START + field, true));
  }

  /** bytes - A view of @length bytes of linear memory at @addr. */
  bytes(addr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, addr, length);
  }

  /** frame - A view of frame @pfn's contents. */
  frame(pfn: number): Uint8Array {
    return this.bytes(this.arena.framesBase + pfn * this.spec.pageSize, this.spec.pageSize);
  }

  /** pfnOfVirt - The frame holding linear-memory address @addr (a PBE's `next`, safe_pages_list entries). */
  pfnOfVirt(addr: number): number {
    return Math.floor((addr - this.arena.framesBase) / this.spec.pageSize);
  }

  /** u64 - A u64 of linear memory at @addr, as a number. */
  u64(addr: number): number {
    return Number(this.view.getBigUint64(addr, true));
  }

  /** num_physpages - Present frames: the PFN span less the holes, as get_num_physpages() counts them. */
  get numPhyspages(): number {
    return this.spec.frames - this.spec.holes.reduce((n, r) => n + r.end - r.start, 0);
  }

  /** isBootFrame - True if @pfn belongs to the boot kernel's footprint. */
  isBootFrame(pfn: number): boolean {
    return (this.view.getUint8(this.arena.bootMap + (pfn >>> 3)) >> (pfn & 7)) & 1 ? true : false;
  }

  /** freeFrames - Free frames in the page allocator, per allocation class. */
  freeFrames(): { low: number; high: number; total: number } {
    const low = this.ctx(L.CTX_NR_FREE_LOW);
    const high = this.ctx(L.CTX_NR_FREE_HIGH);
    return { low, high, total: low + high };
  }

  /** The seed of the boot-time contents (bigint, as the engine takes it). */
  get bootSeed(): bigint {
    return BigInt(this.spec.seed) * 0x100000001b3n + 0xcbf29ce484222325n & 0xffffffffffffffffn;
  }

  private writeBootMap(): void {
    const map = this.bytes(this.arena.bootMap, this.arena.mapBytes);
    map.fill(0);
    for (const pfn of this.bootPfns) map[pfn >>> 3]! |= 1 << (pfn & 7);
  }

  /**
   * boot - (Re)boot the machine: a fresh CTX, an empty page allocator with the holes, nosave regions and boot kernel
   * taken out, no bitmaps, and every frame filled with its boot-time pattern (the boot kernel's frames with its
   * data, every other frame with leftover contents). Whatever an earlier suspend or resume left is gone.
   */
  boot(): void {
    const { spec, arena } = this;
    this.bytes(L.CTX_START, L.CTX_SIZE).fill(0);
    this.bytes(arena.usedMap, arena.mapBytes).fill(0);
    this.bytes(arena.touchedMap, arena.mapBytes).fill(0);
    this.bytes(arena.bmSlots, arena.bmSlotSize * NR_BITMAP_SLOTS).fill(0);
    const set = (field: number, value: number) => this.setCtx(field, value);
    set(L.CTX_PAGE_SHIFT, spec.pageShift);
    set(L.CTX_PAGE_SIZE, spec.pageSize);
    set(L.CTX_NR_FRAMES, spec.frames);
    set(L.CTX_FRAMES_BASE, arena.framesBase);
    set(L.CTX_DMA_END_PFN, spec.dmaEndPfn);
    set(L.CTX_HIGHMEM_START_PFN, spec.highmemStartPfn);
    set(L.CTX_HAS_CONTENTS, 1);
    const writeRanges = (table: number, ranges: readonly { start: number; end: number }[]) => {
      ranges.forEach((r, i) => {
        this.view.setUint32(table + i * L.RANGE_SIZE, r.start, true);
        this.view.setUint32(table + i * L.RANGE_SIZE + 4, r.end, true);
      });
    };
    writeRanges(L.HOLES_START, spec.holes);
    writeRanges(L.NOSAVE_START, spec.nosave);
    set(L.CTX_NR_HOLES, spec.holes.length);
    set(L.CTX_NR_NOSAVE, spec.nosave.length);
    set(L.CTX_USED_MAP, arena.usedMap);
    set(L.CTX_TOUCHED_MAP, arena.touchedMap);
    set(L.CTX_BOOT_MAP, arena.bootMap);
    set(L.CTX_ORDER_LOW, arena.orderLow);
    set(L.CTX_ORDER_LOW_LEN, this.orders.low.length);
    set(L.CTX_ORDER_HIGH, arena.orderHigh);
    set(L.CTX_ORDER_HIGH_LEN, this.orders.high.length);
    set(L.CTX_NR_FREE_LOW, spec.highmemStartPfn);
    set(L.CTX_NR_FREE_HIGH, spec.frames - spec.highmemStartPfn);
    set(L.CTX_BM_KIND, STRATEGY_KIND[spec.bitmap]);
    set(L.CTX_BM_SLOTS, arena.bmSlots);
    set(L.CTX_BM_NR_SLOTS, NR_BITMAP_SLOTS);
    set(L.CTX_BM_SLOT_SIZE, arena.bmSlotSize);
    set(L.CTX_BM_STORAGE_SIZE, arena.bmStorageSize);
    set(L.CTX_BM_CHARGE, arena.bmCharge);
    set(L.CTX_VERIFY_PFNS, arena.pfnList);
    set(L.CTX_VERIFY_CAPACITY, arena.pfnListCapacity);
    set(L.CTX_MISMATCHES, arena.mismatches);
    set(L.CTX_MISMATCH_CAPACITY, MISMATCH_CAPACITY);
    set(L.CTX_BUFFER, L.NO_PFN);
    set(L.CTX_LAST_HIGHMEM_PAGE, L.NO_PFN);
    for (const r of [...spec.holes, ...spec.nosave]) this.engine.markRangeUsed(r.start, r.end);
    this.engine.markBootMapUsed();
    set(L.CTX_START_FREE_LOW, this.ctx(L.CTX_NR_FREE_LOW));
    set(L.CTX_START_FREE_HIGH, this.ctx(L.CTX_NR_FREE_HIGH));
    this.engine.fillBootFrames(this.bootSeed);
  }

  /** failAllocationAt - Make the @k-th page allocation from now fail (fault injection); 0 turns it off. */
  failAllocationAt(k: number): void {
    this.setCtx(L.CTX_ALLOC_FAIL_AT, k === 0 ? 0 : this.ctx(L.CTX_ALLOC_COUNT) + k);
  }

  /** allocations - Page allocations attempted since boot. */
  allocations(): number {
    return this.ctx(L.CTX_ALLOC_COUNT);
  }
}

function largestFittingFrames(spec: MachineSpec, bytesFor: (frames: number) => number): number {
  let lo = 0;
  let hi = spec.frames;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (bytesFor(mid) <= L.MAX_MEMORY_BYTES) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * createMachine - Build a simulated machine (see Machine.create).
 */
export function createMachine(options: MachineOptions = {}, createOptions: CreateMachineOptions = {}): Promise<Machine> {
  return Machine.create(options, createOptions);
}

/** preloadEngine - Compile the engine ahead of time (optional; the first machine does it otherwise). */
export async function preloadEngine(flavour: Flavour = defaultFlavour()): Promise<void> {
  await loadModule(flavour);
}
