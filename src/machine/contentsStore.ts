/**
 * The contents store: the frame contents of a machine whose frames do not live in linear memory (contents "store",
 * machines of any size up to 2^32 - 1 PFNs). The engine keeps the bitmaps, the allocator, the PBE chains and every
 * placement decision in linear memory as for any machine; the page data goes through the engine's staging window and
 * lands here.
 *
 * How it models the kernel's copies. Every data page of the image is kept once, in stream order, in a page file (slot
 * i = data page i, written sequentially as it streams in). A frame's contents are a reference: to a slot, to the zero
 * page, or to nothing (whatever the boot kernel left there, which the store does not model). Loading sets the
 * reference of the frame get_buffer() chose for each page — the original frame, or a safe page that a PBE will copy
 * from — and a zero page's frame to the zero page; restore_highmem() swaps the references of each highmem PBE's copy
 * and original; the atomic copy gives each PBE's original the reference of its copy, as core_restore_code copies the
 * page. A copy thus shares its bytes instead of moving them: the page file is written once, and a frame's contents
 * are read through its reference (a dump, a verification) wherever the model's atomic copy left them.
 *
 * ╒════ frame table (open addressing, linear probing) ════╕
 * │ keys    u32 PFN per bucket, EMPTY = 0xffffffff       │
 * │ values  u32 reference: a slot, or ZERO_PAGE           │
 * └────────────────────────────────────────────────────────┘
 * Buckets: a power of two at least twice the references the image can make (its frames, and one original per PBE),
 * so the table's size follows the image, not the machine.
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { trackTemp } from "../util/tempFiles.js";

const EMPTY = 0xffffffff;
/** The reference of a frame cleared for a zero page. */
export const ZERO_PAGE = 0xfffffffe;

/**
 * FrameTable - PFN → reference, for the frames that received contents from the image.
 */
export class FrameTable {
  private keys: Uint32Array;
  private values: Uint32Array;
  private mask: number;
  private used = 0;

  /** @capacity: the most references the table will hold. */
  constructor(capacity: number) {
    let buckets = 16;
    while (buckets < capacity * 2) buckets *= 2;
    this.keys = new Uint32Array(buckets).fill(EMPTY);
    this.values = new Uint32Array(buckets);
    this.mask = buckets - 1;
  }

  /** bytesFor - Bytes a table for @capacity references starts with. */
  static bytesFor(capacity: number): number {
    let buckets = 16;
    while (buckets < capacity * 2) buckets *= 2;
    return buckets * 8;
  }

  /** Frames holding a reference. */
  get size(): number {
    return this.used;
  }

  private bucket(pfn: number): number {
    let at = (Math.imul(pfn, 0x9e3779b1) >>> 0) & this.mask;
    const keys = this.keys;
    while (keys[at] !== EMPTY && keys[at] !== pfn) at = (at + 1) & this.mask;
    return at;
  }

  /** get - The reference of frame @pfn, or undefined when the image gave it nothing. */
  get(pfn: number): number | undefined {
    const at = this.bucket(pfn);
    return this.keys[at] === EMPTY ? undefined : this.values[at];
  }

  /** set - Give frame @pfn the reference @ref (undefined: nothing from the image). */
  set(pfn: number, ref: number | undefined): void {
    if (ref === undefined) {
      this.delete(pfn);
      return;
    }
    const at = this.bucket(pfn);
    if (this.keys[at] === EMPTY) {
      if ((this.used + 1) * 2 > this.keys.length) {
        this.grow();
        this.set(pfn, ref);
        return;
      }
      this.keys[at] = pfn;
      this.used++;
    }
    this.values[at] = ref;
  }

  private delete(pfn: number): void {
    const at = this.bucket(pfn);
    if (this.keys[at] === EMPTY) return;
    this.keys[at] = EMPTY;
    this.used--;
    // Re-seat the probe run after the hole (backward-shift deletion).
    for (let next = (at + 1) & this.mask; this.keys[next] !== EMPTY; next = (next + 1) & this.mask) {
      const key = this.keys[next]!;
      const value = this.values[next]!;
      this.keys[next] = EMPTY;
      this.used--;
      this.set(key, value);
    }
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Uint32Array(keys.length * 2).fill(EMPTY);
    this.values = new Uint32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    this.used = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) this.set(keys[i]!, values[i]!);
  }
}

/**
 * ContentsStore - The page file and the frame table of one restore.
 */
export class ContentsStore {
  readonly pageSize: number;
  readonly path: string;
  readonly frames: FrameTable;
  private fd: number | undefined;
  private slots = 0;
  private readonly release: () => void;

  /**
   * @dir: the folder of the page file (a temporary file, removed by close()).
   * @maxEntries: the image's PFN entries at most: the table makes room for twice as many references.
   */
  constructor(dir: string, pageSize: number, maxEntries: number) {
    this.pageSize = pageSize;
    this.path = join(dir, `.thaw-contents-${process.pid}-${Date.now().toString(36)}.pages`);
    this.fd = openSync(this.path, "wx+", 0o600);
    this.release = trackTemp(this.path);
    this.frames = new FrameTable(Math.max(16, 2 * maxEntries));
  }

  /** Data pages kept so far. */
  get pages(): number {
    return this.slots;
  }

  /** True once close() removed the page file. */
  get closed(): boolean {
    return this.fd === undefined;
  }

  private get descriptor(): number {
    if (this.fd === undefined) throw new Error(`contents store ${this.path} is closed`);
    return this.fd;
  }

  /**
   * putPages - Keep @count data pages (@bytes, in stream order) as the next slots, and give frame @dest[i] the
   * reference of page i (the frames get_buffer() chose for them).
   */
  putPages(bytes: Uint8Array, dest: Uint32Array, count: number): void {
    const length = count * this.pageSize;
    const position = this.slots * this.pageSize;
    try {
      for (let done = 0; done < length; ) {
        done += writeSync(this.descriptor, bytes, done, length - done, position + done);
      }
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      e.message = `contents store ${this.path}: ${e.message}`;
      throw e;
    }
    for (let i = 0; i < count; i++) this.frames.set(dest[i]!, this.slots + i);
    this.slots += count;
  }

  /** zeroPages - Frames @pfns[0…count) were cleared for zero pages. */
  zeroPages(pfns: Uint32Array, count: number): void {
    for (let i = 0; i < count; i++) this.frames.set(pfns[i]!, ZERO_PAGE);
  }

  /** copy - core_restore_code for one PBE: frame @orig gets the contents of frame @copy. */
  copy(copy: number, orig: number): void {
    this.frames.set(orig, this.frames.get(copy));
  }

  /** swap - restore_highmem() for one highmem PBE: frames @copy and @orig exchange their contents. */
  swap(copy: number, orig: number): void {
    const a = this.frames.get(copy);
    this.frames.set(copy, this.frames.get(orig));
    this.frames.set(orig, a);
  }

  /**
   * readFrame - Fill @target (one page) with frame @pfn's contents from the image; returns its reference, or
   * undefined (target untouched) when the image gave the frame nothing.
   */
  readFrame(pfn: number, target: Uint8Array): number | undefined {
    const ref = this.frames.get(pfn);
    if (ref === undefined) return undefined;
    if (ref === ZERO_PAGE) target.fill(0, 0, this.pageSize);
    else this.readSlot(ref, target);
    return ref;
  }

  /** readSlot - Data page @slot into @target. */
  readSlot(slot: number, target: Uint8Array): void {
    this.readSlots(slot, 1, target);
  }

  /** readSlots - Data pages @slot … @slot + @count - 1 into @target, in one read. */
  readSlots(slot: number, count: number, target: Uint8Array): void {
    const position = slot * this.pageSize;
    const length = count * this.pageSize;
    for (let done = 0; done < length; ) {
      const n = readSync(this.descriptor, target, done, length - done, position + done);
      if (n === 0)
        throw new Error(`contents store ${this.path}: page ${slot + Math.floor(done / this.pageSize)} is missing`);
      done += n;
    }
  }

  /** close - Remove the page file (idempotent). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.release();
  }
}
