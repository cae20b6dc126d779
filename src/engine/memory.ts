/**
 * The host's one adapter to an engine: a shared WebAssembly.Memory laid out by assembly/portable/layout.ts, the engine
 * instantiated over it, typed access to the CTX record and views of any region. A machine, a bitmap space, the chunk
 * pool, the tests and the benches each hold one; nothing else instantiates the engine or reads CTX by offset.
 *
 * ╒═══════════════════ linear memory (layout.ts) ═══════════════════╕
 * │ AS_RESERVED  engine static data                                  │ 0
 * │ CTX          the kernel's globals, one record (CTX_* fields)     │ CTX_START
 * │ RANGES       holes and nosave regions                            │ RANGES_START
 * │ STAGING      image pages on their way from the file              │ STAGING_START
 * │ ARENA        laid out per user with an ArenaBuilder              │ ARENA_START
 * └──────────────────────────────────────────────────────────────────┘
 */
import * as L from "../../assembly/portable/layout.js";
import { defaultFlavour, type EngineExports, type Flavour, instantiateEngine } from "./load.js";

/** alignUp - @value rounded up to a multiple of @to. */
export function alignUp(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

/**
 * ArenaBuilder - Hands out the regions of the arena one after another, each aligned, from ARENA_START; the end is
 * known before any memory is allocated, so sizes can be checked first.
 */
export class ArenaBuilder {
  private at: number;

  constructor(start: number = L.ARENA_START) {
    this.at = start;
  }

  /** take - The start of a region of @bytes bytes aligned to @alignment (64: a cache line). */
  take(bytes: number, alignment = 64): number {
    const start = alignUp(this.at, alignment);
    this.at = start + bytes;
    return start;
  }

  /** The first byte after the regions taken so far. */
  get end(): number {
    return this.at;
  }
}

/** What an engine failure recorded (CTX_ERR_*): what the value is, the value, and the bound it broke. */
export interface EngineFailure {
  what: number;
  value: bigint;
  limit: bigint;
}

let calculator: Promise<EngineExports> | undefined;

/**
 * engineCalculator - An engine over a tiny memory of its own, for its pure functions (bitmap sizes and frame charges)
 * before the memory they size exists.
 */
export function engineCalculator(): Promise<EngineExports> {
  calculator ??= instantiateEngine(new WebAssembly.Memory({ initial: 2, maximum: 2, shared: true }), "release").then(
    (e) => e.exports,
  );
  return calculator;
}

/**
 * Released memories kept for the next memory of the same size. A shared WebAssembly.Memory is freed only when the
 * garbage collector finds it unreachable, and V8 does not count it as pressure that makes the collector run: a process
 * resuming image after image grows by a whole memory per resume. Reusing the memories released (Machine.dispose())
 * keeps it flat. Only memories up to POOLED_MEMORY_MAX_BYTES are kept, at most POOLED_MEMORIES of them.
 */
const pooled: WebAssembly.Memory[] = [];

/** Largest memory kept for reuse: it is zeroed before reuse, which touches every page of it. */
export const POOLED_MEMORY_MAX_BYTES = 512 * 2 ** 20;

/** Most memories kept for reuse. */
export const POOLED_MEMORIES = 2;

/** Threads that may still write into a memory (a read-ahead thread being terminated): it is pooled after they exit. */
const holds = new WeakMap<WebAssembly.Memory, Promise<unknown>[]>();

/**
 * holdMemory - Keep @memory out of the pool until @until settles (a thread over it exits: a blocking read it was in
 * still lands in the memory after terminate() is called).
 */
export function holdMemory(memory: WebAssembly.Memory, until: Promise<unknown>): void {
  const list = holds.get(memory) ?? [];
  list.push(until);
  holds.set(memory, list);
}

function pool(memory: WebAssembly.Memory): void {
  if (pooled.includes(memory)) return;
  pooled.push(memory);
  if (pooled.length > POOLED_MEMORIES) pooled.shift();
}

/** takePooled - A released memory of exactly @pages pages, zeroed as a fresh one is, or undefined. */
function takePooled(pages: number): WebAssembly.Memory | undefined {
  const i = pooled.findIndex((m) => m.buffer.byteLength === pages * L.WASM_PAGE_SIZE);
  if (i < 0) return undefined;
  const [memory] = pooled.splice(i, 1);
  new Uint8Array(memory!.buffer).fill(0);
  return memory;
}

/**
 * EngineMemory - One shared memory with the engine instantiated over it.
 */
export class EngineMemory {
  readonly memory: WebAssembly.Memory;
  readonly exports: EngineExports;
  /** The compiled module, for worker threads that instantiate it over the same memory. */
  readonly module: WebAssembly.Module;
  readonly flavour: Flavour;
  private view: DataView;

  private constructor(
    memory: WebAssembly.Memory,
    exports: EngineExports,
    module: WebAssembly.Module,
    flavour: Flavour,
  ) {
    this.memory = memory;
    this.exports = exports;
    this.module = module;
    this.flavour = flavour;
    this.view = new DataView(memory.buffer);
  }

  /**
   * create - A memory of at least @bytes bytes (whole 64 KiB pages; fixed size) and the engine over it.
   * @throws RangeError when @bytes exceeds wasm32's 4 GiB or the memory cannot be had; Error when the engine's static
   *   data does not fit AS_RESERVED (a build that breaks the layout).
   */
  static async create(bytes: number, flavour: Flavour = defaultFlavour()): Promise<EngineMemory> {
    const pages = Math.ceil(Math.max(bytes, L.ARENA_START) / L.WASM_PAGE_SIZE);
    if (pages > L.MAX_MEMORY_BYTES / L.WASM_PAGE_SIZE) {
      throw new RangeError(`${bytes} bytes of linear memory is more than wasm32's 4 GiB`);
    }
    const memory = takePooled(pages) ?? new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const { exports, module } = await instantiateEngine(memory, flavour);
    if (exports.layoutHeapBase() > L.AS_RESERVED_START + L.AS_RESERVED_SIZE) {
      throw new Error(
        `thaw engine: static data ends at ${exports.layoutHeapBase()}, past AS_RESERVED (${L.AS_RESERVED_SIZE})`,
      );
    }
    return new EngineMemory(memory, exports, module, flavour);
  }

  /**
   * release - Give the memory back for reuse by the next EngineMemory of its size (small memories only; larger ones
   * are left to the garbage collector), once every thread held over it (holdMemory) has exited. Nothing may use this
   * EngineMemory, its engine or a view of it afterwards, and no thread may still run over it.
   */
  release(): void {
    const memory = this.memory;
    if (memory.buffer.byteLength > POOLED_MEMORY_MAX_BYTES) return;
    const pending = holds.get(memory);
    holds.delete(memory);
    if (!pending) pool(memory);
    else void Promise.allSettled(pending).then(() => pool(memory));
  }

  /** Bytes of linear memory. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** ctx - A u32 field of the CTX record. */
  ctx(field: number): number {
    return this.view.getUint32(L.CTX_START + field, true);
  }

  /** setCtx - Write a u32 field of the CTX record. */
  setCtx(field: number, value: number): void {
    this.view.setUint32(L.CTX_START + field, value >>> 0, true);
  }

  /** ctx64 - A u64 field of the CTX record. */
  ctx64(field: number): bigint {
    return this.view.getBigUint64(L.CTX_START + field, true);
  }

  /** clearCtx - Zero the whole CTX record. */
  clearCtx(): void {
    this.bytes(L.CTX_START, L.CTX_SIZE).fill(0);
  }

  /** failure - What the last failing engine call recorded (CTX_ERR_*). */
  failure(): EngineFailure {
    return { what: this.ctx(L.CTX_ERR_WHAT), value: this.ctx64(L.CTX_ERR_VALUE), limit: this.ctx64(L.CTX_ERR_LIMIT) };
  }

  /** bytes - A view of @length bytes at @addr. */
  bytes(addr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, addr, length);
  }

  /** u32s - A view of @count u32 at @addr (4-byte aligned). */
  u32s(addr: number, count: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, addr, count);
  }

  /** u64s - A view of @count u64 at @addr (8-byte aligned). */
  u64s(addr: number, count: number): BigUint64Array {
    return new BigUint64Array(this.memory.buffer, addr, count);
  }

  /** u32 - The u32 at @addr. */
  u32(addr: number): number {
    return this.view.getUint32(addr, true);
  }

  /** u64 - The u64 at @addr, as a number (addresses and PFNs: exact below 2^53). */
  u64(addr: number): number {
    return Number(this.view.getBigUint64(addr, true));
  }

  /** setU32 - Write the u32 at @addr. */
  setU32(addr: number, value: number): void {
    this.view.setUint32(addr, value >>> 0, true);
  }
}
