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

import { tmpdir } from "node:os";
import * as L from "../../assembly/portable/layout.js";
import { defaultFlavour, type EngineExports, type Flavour, loadModule } from "../engine/load.js";
import { ArenaBuilder, alignUp, EngineMemory, engineCalculator } from "../engine/memory.js";
import { STRATEGY_KIND } from "../engine/strategies.js";
import { ConfigError } from "../errors.js";
import { formatBytes } from "../util/units.js";
import { allocatorOrders } from "./allocatorOrder.js";
import { bootFootprint } from "./boot.js";
import { inRanges, type MachineOptions, type MachineSpec, mergeRanges, resolveMachine } from "./config.js";

/** Bitmap slots per machine: a resume has at most five bitmaps alive at once (kernel/power/snapshot.c: prepare_image()
 * step 5); three spare for tests. */
export const NR_BITMAP_SLOTS = 8;
/** Bitmap slots of a placement-only machine, where each may take hundreds of MiB: exactly the five a resume needs. */
export const NR_PLACEMENT_SLOTS = 5;
/** PFNs of mismatching frames kept for the report (all are counted). */
export const MISMATCH_CAPACITY = 4096;

/**
 * Where a machine's frames hold their contents: in linear memory ("memory": every frame verifiable byte for byte, up
 * to what wasm32 holds), nowhere ("none": placement-only, decisions without data, up to 2^32 - 1 PFNs), or in a
 * contents store outside linear memory ("store": the data pages of an image restored into a machine of any size;
 * src/machine/contentsStore.ts).
 */
export type FrameContents = "memory" | "none" | "store";

/** Destinations planned per engine call (planImage()): one staging batch at the smallest page size, at most. */
export const PLAN_BATCH = 65536;

/**
 * Slots of the read-ahead ring (each half of STAGING, 2 MiB): 128 MiB, as far as a read-ahead thread may run ahead
 * of the phases — through checkHeader, unpackOrigPfns and prepareImage, so that loading finds the stream read.
 */
export const RING_SLOTS = 64;
const RING_SLOT_BYTES = L.STAGING_SIZE / 2;

/** How a machine's arena is laid out beyond its spec. */
export interface ArenaOptions {
  contents: FrameContents;
  /** Without frame memory: the most PFN entries (data and zero pages) an image for this machine may have. */
  maxImagePages?: number;
  /**
   * Without frame memory: lay out the allocator's order arrays and the boot and touched maps as a machine with
   * frames has them (default true), so that both take the same decisions; false for machines too large for a u32 per
   * frame, whose allocator computes its order and whose engine draws the boot kernel.
   */
  arrays?: boolean;
}

/** Addresses of the arena's regions and of the frames. */
export interface ArenaLayout {
  /** False without frame memory (placement-only, contents store). */
  contents: boolean;
  /** True when the allocator's order arrays and the boot and touched maps are laid out (always with frames). */
  arrays: boolean;
  nrSlots: number;
  /** Placement-only: safe_pages_list as a stack of PFNs, and the pages that hold the PBE chain. */
  safeStack: number;
  safeStackCap: number;
  metaArena: number;
  metaEnd: number;
  usedMap: number;
  touchedMap: number;
  /** Frames written since boot (with frame memory only): what the next boot clears. */
  writtenMap: number;
  bootMap: number;
  mapBytes: number;
  orderLow: number;
  orderHigh: number;
  pfnList: number;
  pfnListCapacity: number;
  mismatches: number;
  /**
   * The read-ahead ring: ringSlots slots of half the STAGING region each, that a read-ahead thread fills ahead of the
   * phases (src/phases/stage.ts); 0 slots on a placement-only machine (no page data) or when the machine leaves no
   * room for two (STAGING is used instead).
   */
  ring: number;
  ringSlots: number;
  /** planImage()'s output: PLAN_BATCH destination PFNs, then PLAN_BATCH frames of zero pages. */
  plan: number;
  zeroPlan: number;
  bmSlots: number;
  bmSlotSize: number;
  bmStorageSize: number;
  bmCharge: number;
  framesBase: number;
  totalBytes: number;
}

/** The engine's sizes of one machine's bitmaps (from engineCalculator()). */
export interface BitmapSizes {
  /** Frames charged to each bitmap (bitmapChargePages). */
  charge: number;
  /** Bytes of one bitmap slot (bitmapSlotBytes). */
  slotBytes: number;
  /** Bytes of a slot's storage (bitmapStorageBytes). */
  storageBytes: number;
}

/** bitmapSizes - What the engine says one bitmap of @spec takes. */
export function bitmapSizes(
  calc: EngineExports,
  spec: Pick<MachineSpec, "frames" | "pageSize" | "bitmap">,
): BitmapSizes {
  const kind = STRATEGY_KIND[spec.bitmap];
  const charge = calc.bitmapChargePages(spec.frames, spec.pageSize);
  return {
    charge,
    slotBytes: calc.bitmapSlotBytes(kind, spec.frames, spec.pageSize, charge) >>> 0,
    storageBytes: calc.bitmapStorageBytes(kind, spec.frames, spec.pageSize) >>> 0,
  };
}

/**
 * arenaLayout - Lay out the arena and frames of @spec; pure, so that sizes can be checked before allocating.
 * @options: a machine without frame memory has no frames, and metadata for an image of at most maxImagePages PFNs.
 */
export function arenaLayout(
  spec: MachineSpec,
  sizes: BitmapSizes,
  options: ArenaOptions = { contents: "memory" },
): ArenaLayout {
  const contents = options.contents === "memory";
  const arrays = contents || (options.arrays ?? true);
  const placement = contents ? undefined : { maxImagePages: options.maxImagePages ?? spec.frames };
  const bmCharge = sizes.charge;
  const mapBytes = alignUp(Math.ceil(spec.frames / 64) * 8, 64);
  const arena = new ArenaBuilder();
  const take = (bytes: number, alignment = 64) => arena.take(bytes, alignment);
  const usedMap = take(mapBytes);
  const touchedMap = arrays ? take(mapBytes) : 0;
  const writtenMap = contents ? take(mapBytes) : 0;
  const bootMap = arrays ? take(mapBytes) : 0;
  const orderLow = arrays ? take(spec.highmemStartPfn * 4) : 0;
  const orderHigh = arrays ? take((spec.frames - spec.highmemStartPfn) * 4) : 0;
  const pfnListCapacity = (placement ? placement.maxImagePages : spec.frames) + spec.pageSize / L.PFN_ENTRY_SIZE + 1;
  const pfnList = take(pfnListCapacity * L.PFN_ENTRY_SIZE, 4096);
  const mismatches = take(MISMATCH_CAPACITY * 4);
  const plan = take(PLAN_BATCH * 4);
  const zeroPlan = take(PLAN_BATCH * 4);
  const safeStackCap = placement ? placement.maxImagePages + NR_PLACEMENT_SLOTS * bmCharge + 1024 : 0;
  const safeStack = placement ? take(safeStackCap * 4) : 0;
  const pbesPerPage = Math.floor((spec.pageSize - L.LINKED_PAGE_DATA) / L.PBE_SIZE);
  const metaPages = placement ? Math.ceil(placement.maxImagePages / pbesPerPage) + 64 : 0;
  const metaArena = placement ? take(metaPages * spec.pageSize, 4096) : 0;
  const metaEnd = metaArena + metaPages * spec.pageSize;
  const nrSlots = contents ? NR_BITMAP_SLOTS : NR_PLACEMENT_SLOTS;
  const bmSlotSize = sizes.slotBytes;
  const bmStorageSize = sizes.storageBytes;
  const bmSlots = take(nrSlots * bmSlotSize, 4096);
  const beforeRing = contents ? alignUp(arena.end, L.WASM_PAGE_SIZE) + spec.frames * spec.pageSize : arena.end;
  const room = Math.floor((L.MAX_MEMORY_BYTES - beforeRing - RING_SLOT_BYTES) / RING_SLOT_BYTES);
  const ringSlots = options.contents === "none" ? 0 : Math.max(0, Math.min(RING_SLOTS, room));
  const ring = ringSlots >= 2 ? take(ringSlots * RING_SLOT_BYTES, L.WASM_PAGE_SIZE) : 0;
  const framesBase = contents ? alignUp(arena.end, L.WASM_PAGE_SIZE) : 0;
  const totalBytes = contents ? framesBase + spec.frames * spec.pageSize : arena.end;
  return {
    contents,
    arrays,
    nrSlots,
    safeStack,
    safeStackCap,
    metaArena,
    metaEnd,
    usedMap,
    touchedMap,
    writtenMap,
    bootMap,
    mapBytes,
    orderLow,
    orderHigh,
    pfnList,
    pfnListCapacity,
    mismatches,
    plan,
    zeroPlan,
    ring,
    ringSlots: ring ? ringSlots : 0,
    bmSlots,
    bmSlotSize,
    bmStorageSize,
    bmCharge,
    framesBase,
    totalBytes,
  };
}

/** Options of createMachine() beyond the machine itself. */
export interface CreateMachineOptions {
  /** Engine build: "release" (default) or "debug" (all assertions on). THAW_WASM=debug sets the default. */
  flavour?: Flavour;
  /**
   * Where frames hold their contents (default "memory"). Without frame memory ("none", "store") machines of up to
   * 2^32 - 1 PFNs fit: the bitmaps, the PBE chain and safe_pages_list live in a metadata arena sized for images of at
   * most maxImagePages PFNs.
   */
  contents?: FrameContents;
  /** With contents "none" or "store": the most PFN entries an image may have (default: the machine's frames). */
  maxImagePages?: number;
  /** With contents "store": the folder of the store's page file (default: the system's temporary folder). */
  storeDir?: string;
}

/**
 * Machine - A simulated machine, ready to be suspended or to resume an image.
 */
export class Machine {
  readonly spec: MachineSpec;
  /** Where its frames hold their contents. */
  readonly contents: FrameContents;
  /** The machine's memory and the engine over it. */
  readonly mem: EngineMemory;
  readonly arena: ArenaLayout;
  /** The boot kernel's frames, ascending (empty when the engine drew them: a machine too large to list them). */
  readonly bootPfns: Uint32Array;
  /** With contents "store": the folder of the store's page file. */
  readonly storeDir: string | undefined;
  private readonly orders: { low: Uint32Array; high: Uint32Array };
  /** False from boot() until something may have changed the machine (a suspend, a resume, markUsed()). */
  private used = true;
  private disposed = false;

  private constructor(
    spec: MachineSpec,
    contents: FrameContents,
    mem: EngineMemory,
    arena: ArenaLayout,
    bootPfns: Uint32Array,
    storeDir: string | undefined,
  ) {
    const memory = mem.memory;
    this.spec = spec;
    this.contents = contents;
    this.mem = mem;
    this.arena = arena;
    this.bootPfns = bootPfns;
    this.storeDir = storeDir;
    if (arena.arrays) {
      const usedAtBoot = (pfn: number) =>
        inRanges(spec.holes, pfn) || inRanges(spec.nosave, pfn) || this.isBootFrame(pfn);
      this.writeBootMap();
      this.orders = allocatorOrders(spec, usedAtBoot);
      new Uint32Array(memory.buffer, arena.orderLow, this.orders.low.length).set(this.orders.low);
      new Uint32Array(memory.buffer, arena.orderHigh, this.orders.high.length).set(this.orders.high);
    } else {
      this.orders = { low: new Uint32Array(0), high: new Uint32Array(0) };
    }
  }

  /**
   * dispose - Let go of the machine's linear memory: it is given back for reuse by the next machine of its size
   * (EngineMemory.release()), so that a process resuming image after image stays flat. Idempotent. Nothing may use
   * the machine, its memory or a view of it afterwards; its sessions must be closed first (they stop the threads that
   * share the memory).
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.mem.release();
  }

  /** Symbol.dispose - dispose(), for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** The engine's exports. */
  get engine(): EngineExports {
    return this.mem.exports;
  }

  /** The shared memory. */
  get memory(): WebAssembly.Memory {
    return this.mem.memory;
  }

  /** The compiled engine, for worker threads. */
  get module(): WebAssembly.Module {
    return this.mem.module;
  }

  /** True for a placement-only machine (no frame contents anywhere). */
  get placementOnly(): boolean {
    return this.contents === "none";
  }

  /**
   * create - Build the machine described by @options: check it, lay out and allocate its memory, instantiate the
   * engine, and boot it (see boot()).
   * @throws ConfigError before anything is allocated when the machine cannot be modelled or does not fit in wasm32.
   */
  static async create(options: MachineOptions = {}, createOptions: CreateMachineOptions = {}): Promise<Machine> {
    const { spec, layout, contents } = await Machine.layout(options, createOptions);
    const placement = contents === "memory" ? undefined : true;
    const bootPfns = !layout.arrays && !("pfns" in spec.boot) ? new Uint32Array(0) : bootFootprint(spec);
    let mem: EngineMemory;
    try {
      mem = await EngineMemory.create(layout.totalBytes, createOptions.flavour ?? defaultFlavour());
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new ConfigError(
        `could not allocate ${formatBytes(layout.totalBytes)} of linear memory for the ${placement ? "machine's metadata" : "machine"}: ${error.message}`,
        { kind: "bytes", value: layout.totalBytes },
      );
    }
    const storeDir = contents === "store" ? (createOptions.storeDir ?? tmpdir()) : undefined;
    const machine = new Machine(spec, contents, mem, layout, bootPfns, storeDir);
    machine.boot();
    return machine;
  }

  /**
   * layout - What Machine.create() would lay out for @options, without allocating anything: the resolved spec and the
   * arena (its totalBytes is the linear memory the machine takes).
   * @throws ConfigError when the machine cannot be modelled or does not fit in wasm32.
   */
  static async layout(
    options: MachineOptions = {},
    createOptions: CreateMachineOptions = {},
  ): Promise<{ spec: MachineSpec; layout: ArenaLayout; contents: FrameContents }> {
    const spec = resolveMachine(options);
    const calc = await engineCalculator();
    const contents = createOptions.contents ?? "memory";
    const maxImagePages = Math.min(spec.frames, createOptions.maxImagePages ?? spec.frames);
    const placement = contents === "memory" ? undefined : { maxImagePages };
    const sizes = bitmapSizes(calc, spec);
    let layout = arenaLayout(spec, sizes, { contents, maxImagePages, arrays: contents === "store" });
    if (contents !== "memory" && (!layout.arrays || layout.totalBytes > L.MAX_MEMORY_BYTES)) {
      layout = arenaLayout(spec, sizes, { contents, maxImagePages, arrays: false });
      if (typeof spec.allocator === "object" || spec.allocator === "buddy") {
        throw new ConfigError(
          `a machine of ${spec.frames} frames without frame memory computes its allocator order: use ascending, descending or random (not ${typeof spec.allocator === "object" ? "an explicit order" : spec.allocator})`,
          { kind: "option", name: "allocator", value: String(spec.allocator) },
        );
      }
    }
    if (layout.totalBytes > L.MAX_MEMORY_BYTES) {
      const largest = largestFittingFrames(
        spec,
        (frames) =>
          arenaLayout(
            { ...spec, frames, highmemStartPfn: Math.min(spec.highmemStartPfn, frames) },
            bitmapSizes(calc, { ...spec, frames }),
            { contents, maxImagePages: Math.min(maxImagePages, frames), arrays: layout.arrays },
          ).totalBytes,
      );
      throw new ConfigError(
        `a ${placement ? "placement-only " : ""}machine of ${spec.frames} frames of ${spec.pageSize} bytes (${formatBytes(spec.frames * spec.pageSize)}${placement ? `, images up to ${placement.maxImagePages} pages` : ""}) needs ${formatBytes(layout.totalBytes)} of linear memory, more than wasm32's 4 GiB; the largest that fits with page size ${spec.pageSize} is ${largest} frames (${formatBytes(largest * spec.pageSize)})`,
        { kind: "bytes", value: layout.totalBytes, limit: L.MAX_MEMORY_BYTES },
      );
    }
    return { spec, layout, contents };
  }

  /** ctx - A u32 field of the CTX record. */
  ctx(field: number): number {
    return this.mem.ctx(field);
  }

  /** setCtx - Write a u32 field of the CTX record. */
  setCtx(field: number, value: number): void {
    this.mem.setCtx(field, value);
  }

  /** bytes - A view of @length bytes of linear memory at @addr. */
  bytes(addr: number, length: number): Uint8Array {
    return this.mem.bytes(addr, length);
  }

  /**
   * frame - A view of frame @pfn's memory: its contents once something wrote it since boot; all zero for a frame that
   * still holds its boot pattern implicitly (readFrame() gives the pattern).
   */
  frame(pfn: number): Uint8Array {
    return this.bytes(this.arena.framesBase + pfn * this.spec.pageSize, this.spec.pageSize);
  }

  /** readFrame - Frame @pfn's contents, the boot-time pattern produced for a frame nothing wrote since boot. */
  readFrame(pfn: number): Uint8Array {
    const out = new Uint8Array(this.spec.pageSize);
    this.engine.frameContents(pfn, this.bootSeed, this.arena.zeroPlan);
    out.set(this.bytes(this.arena.zeroPlan, this.spec.pageSize));
    return out;
  }

  /** pfnOfVirt - The frame holding linear-memory address @addr (a PBE's `next`, safe_pages_list entries). */
  pfnOfVirt(addr: number): number {
    return Math.floor((addr - this.arena.framesBase) / this.spec.pageSize);
  }

  /** u64 - A u64 of linear memory at @addr, as a number. */
  u64(addr: number): number {
    return this.mem.u64(addr);
  }

  /** num_physpages - Present frames: the PFN span less the holes, as get_num_physpages() counts them. */
  get numPhyspages(): number {
    return this.spec.frames - this.spec.holes.reduce((n, r) => n + r.end - r.start, 0);
  }

  /** isBootFrame - True if @pfn belongs to the boot kernel's footprint (always false on a placement-only machine). */
  isBootFrame(pfn: number): boolean {
    if (!this.arena.arrays) return false;
    return ((this.bytes(this.arena.bootMap + (pfn >>> 3), 1)[0]! >> (pfn & 7)) & 1) === 1;
  }

  /** freeFrames - Free frames in the page allocator, per allocation class. */
  freeFrames(): { low: number; high: number; total: number } {
    const low = this.ctx(L.CTX_NR_FREE_LOW);
    const high = this.ctx(L.CTX_NR_FREE_HIGH);
    return { low, high, total: low + high };
  }

  /** The seed of the boot-time contents (bigint, as the engine takes it). */
  get bootSeed(): bigint {
    return (BigInt(this.spec.seed) * 0x100000001b3n + 0xcbf29ce484222325n) & 0xffffffffffffffffn;
  }

  private writeBootMap(): void {
    const map = this.bytes(this.arena.bootMap, this.arena.mapBytes);
    map.fill(0);
    for (const pfn of this.bootPfns) map[pfn >>> 3]! |= 1 << (pfn & 7);
  }

  /**
   * boot - (Re)boot the machine: a fresh CTX, an empty page allocator with the holes, nosave regions and boot kernel
   * taken out, no bitmaps, and every frame back to its boot-time contents (the boot kernel's frames with its data,
   * every other frame with leftover contents): lazily, by clearing the frames an earlier suspend or resume wrote, since
   * a frame never written holds its boot pattern implicitly (readFrame() produces it). Whatever an earlier suspend or
   * resume left is gone.
   */
  boot(): void {
    this.used = false;
    const { spec, arena } = this;
    this.bytes(L.CTX_START, L.CTX_SIZE).fill(0);
    this.bytes(arena.usedMap, arena.mapBytes).fill(0);
    if (arena.contents) {
      this.setCtx(L.CTX_WRITTEN_MAP, arena.writtenMap);
      this.setCtx(L.CTX_NR_FRAMES, spec.frames);
      this.setCtx(L.CTX_PAGE_SHIFT, spec.pageShift);
      this.setCtx(L.CTX_PAGE_SIZE, spec.pageSize);
      this.setCtx(L.CTX_FRAMES_BASE, arena.framesBase);
      this.engine.resetWrittenFrames();
    }
    if (arena.arrays) this.bytes(arena.touchedMap, arena.mapBytes).fill(0);
    // Every descriptor but its dirty_end: the slot's storage keeps what an earlier bitmap wrote, and the next
    // memory_bm_create() clears up to there (assembly/bitmap/storage.ts).
    for (let i = 0; i < arena.nrSlots; i++) {
      const descriptor = this.bytes(arena.bmSlots + i * arena.bmSlotSize, L.BMD_SIZE);
      descriptor.fill(0, 0, L.BMD_DIRTY_END);
      descriptor.fill(0, L.BMD_DIRTY_END + 4);
    }
    const set = (field: number, value: number) => this.setCtx(field, value);
    set(L.CTX_PAGE_SHIFT, spec.pageShift);
    set(L.CTX_PAGE_SIZE, spec.pageSize);
    set(L.CTX_NR_FRAMES, spec.frames);
    set(L.CTX_FRAMES_BASE, arena.framesBase);
    set(L.CTX_DMA_END_PFN, spec.dmaEndPfn);
    set(L.CTX_HIGHMEM_START_PFN, spec.highmemStartPfn);
    set(L.CTX_HAS_CONTENTS, arena.contents ? 1 : 0);
    const writeRanges = (table: number, ranges: readonly { start: number; end: number }[]) => {
      ranges.forEach((r, i) => {
        this.mem.setU32(table + i * L.RANGE_SIZE, r.start);
        this.mem.setU32(table + i * L.RANGE_SIZE + 4, r.end);
      });
    };
    writeRanges(L.HOLES_START, spec.holes);
    writeRanges(L.NOSAVE_START, spec.nosave);
    set(L.CTX_NR_HOLES, spec.holes.length);
    set(L.CTX_NR_NOSAVE, spec.nosave.length);
    set(L.CTX_USED_MAP, arena.usedMap);
    set(L.CTX_TOUCHED_MAP, arena.touchedMap);
    set(L.CTX_WRITTEN_MAP, arena.writtenMap);
    set(L.CTX_BOOT_MAP, arena.bootMap);
    set(L.CTX_ORDER_LOW, arena.orderLow);
    set(L.CTX_ORDER_LOW_LEN, this.orders.low.length);
    set(L.CTX_ORDER_HIGH, arena.orderHigh);
    set(L.CTX_ORDER_HIGH_LEN, this.orders.high.length);
    set(L.CTX_NR_FREE_LOW, spec.highmemStartPfn);
    set(L.CTX_NR_FREE_HIGH, spec.frames - spec.highmemStartPfn);
    set(L.CTX_BM_KIND, STRATEGY_KIND[spec.bitmap]);
    set(L.CTX_BM_SLOTS, arena.bmSlots);
    set(L.CTX_BM_NR_SLOTS, arena.nrSlots);
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
    if (!arena.contents) this.metadataBoot();
    if (arena.arrays) this.engine.markBootMapUsed();
    else this.computedBoot();
    set(L.CTX_START_FREE_LOW, this.ctx(L.CTX_NR_FREE_LOW));
    set(L.CTX_START_FREE_HIGH, this.ctx(L.CTX_NR_FREE_HIGH));
  }

  /**
   * metadataBoot - Without frame memory, what would live in frames lives in the metadata arena: safe_pages_list as a
   * stack of PFNs, and the pages of the PBE chain.
   */
  private metadataBoot(): void {
    const { arena } = this;
    const set = (field: number, value: number) => this.setCtx(field, value);
    set(L.CTX_SAFE_STACK, arena.safeStack);
    set(L.CTX_SAFE_STACK_CAP, arena.safeStackCap);
    set(L.CTX_META_START, arena.metaArena);
    set(L.CTX_META_NEXT, arena.metaArena);
    set(L.CTX_META_END, arena.metaEnd);
  }

  /**
   * computedBoot - The allocator and boot footprint of a machine too large for a u32 per frame: computed orders, and
   * the boot kernel drawn by the engine (a block for `low`, each frame or run with probability `share` for
   * `scattered` and `clustered`), since a list of billions of PFNs cannot be built here.
   */
  private computedBoot(): void {
    const { spec } = this;
    const set = (field: number, value: number) => this.setCtx(field, value);
    const kinds: Record<string, number> = {
      ascending: L.ORDER_ASCENDING,
      descending: L.ORDER_DESCENDING,
      random: L.ORDER_RANDOM,
    };
    set(L.CTX_ORDER_KIND, kinds[spec.allocator as string]!);
    set(L.CTX_ORDER_SEED, Math.imul(spec.seed + 1, 0x9e3779b1));
    set(L.CTX_ORDER_LOW_LEN, spec.highmemStartPfn);
    set(L.CTX_ORDER_HIGH_LEN, spec.frames - spec.highmemStartPfn);
    set(L.CTX_TOUCHED_MAP, 0);
    set(L.CTX_BOOT_MAP, 0);
    const boot = spec.boot;
    if ("pfns" in boot) {
      for (const pfn of this.bootPfns) this.engine.markRangeUsed(pfn, pfn + 1);
      return;
    }
    const p16 = Math.round(boot.share * 65536);
    if (boot.profile === "low") {
      let left = Math.round(boot.share * this.numPhyspages);
      let pfn = Math.floor(2 ** 20 / spec.pageSize);
      const excluded = mergeRanges([...spec.holes, ...spec.nosave]);
      while (left > 0 && pfn < spec.frames) {
        const barrier = excluded.find((r) => r.end > pfn);
        if (barrier && barrier.start <= pfn) {
          pfn = barrier.end;
          continue;
        }
        const end = Math.min(spec.frames, barrier ? barrier.start : spec.frames, pfn + left);
        this.engine.markRangeUsed(pfn, end);
        left -= end - pfn;
        pfn = end;
      }
    } else {
      const run =
        boot.profile === "clustered" ? Math.max(1, boot.clusterPages ?? Math.floor(2 ** 21 / spec.pageSize)) : 1;
      this.engine.scatterBootFootprint(p16, run, BigInt(spec.seed) + 0x5eedn);
    }
  }

  /** True once anything may have changed the machine since it last booted. */
  get usedSinceBoot(): boolean {
    return this.used;
  }

  /** markUsed - Note that the machine is about to change (the next resume boots it again first). */
  markUsed(): void {
    this.used = true;
  }

  /** bootIfUsed - Boot again unless the machine is exactly as it booted (booting a 16 TiB model takes seconds). */
  bootIfUsed(): void {
    if (this.used) this.boot();
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
export function createMachine(
  options: MachineOptions = {},
  createOptions: CreateMachineOptions = {},
): Promise<Machine> {
  return Machine.create(options, createOptions);
}

/** preloadEngine - Compile the engine ahead of time (optional; the first machine does it otherwise). */
export async function preloadEngine(flavour: Flavour = defaultFlavour()): Promise<void> {
  await loadModule(flavour);
}
