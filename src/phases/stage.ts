/**
 * The staging ring: where stream pages wait between the image file and the engine, a batch per slot.
 *
 * The stream after the header is cut into batches of at most one slot each — the PFN metadata pages first, then the
 * data pages, never mixed in one batch — and the phases take them in that order (unpackOrigPfns the metadata batches,
 * loadImage the data batches). With a read-ahead thread (a stream stored uncompressed in its file) every slot of the
 * ring is given a batch to read as soon as the session opens, and a slot is given the next batch as soon as the phase
 * that took its last one is done with it: the thread reads and checksums while the machine is checked, prepared and
 * loaded. Without one, each batch is read (and checksummed) when it is taken, into the two halves of STAGING.
 *
 * ╒══════════ ring (the arena's read-ahead ring, or STAGING) ══════════╕
 * │ slot 0   SLOT_BYTES: batch 0, slots, 2 × slots, …                  │ base
 * │ slot 1   batch 1, slots + 1, …                                      │ base + SLOT_BYTES
 * │ …                                                                   │
 * └─────────────────────────────────────────────────────────────────────┘
 */
import * as L from "../../assembly/portable/layout.js";
import { ImageFormatError, ResumeError } from "../errors.js";
import type { ReadAheadThread } from "../image/readAhead.js";
import type { ImageSource, StreamReader } from "../image/source.js";
import type { Machine } from "../machine/machine.js";
import type { PhaseName } from "../phaseNames.js";
import { crc32Le } from "../util/crc32.js";

/** Bytes of one slot: half the STAGING region. */
export const SLOT_BYTES = L.STAGING_SIZE / 2;

/** What a batch is for, in an error ("PFN metadata page", "data page"), and where its pages are counted from. */
export interface BatchLabel {
  phase: PhaseName;
  what: string;
  /** The number of the batch's first page in @what's own count (1 for the first metadata page, 0 for data pages). */
  first: number;
  /** How many pages of @what there are. */
  total: number;
}

/**
 * StreamStage - The ring of one resume and, when there is one, the read-ahead thread that fills it.
 */
export class StreamStage {
  /** Pages per batch: one slot. */
  readonly batch: number;
  private readonly machine: Machine;
  private readonly reader: StreamReader;
  private readonly base: number;
  private readonly slots: number;
  private readonly sizes: number[];
  private readonly ahead: ReadAheadThread | undefined;
  private taken = 0;
  private posted = 0;
  private half = 0;
  private crc = 0;

  /**
   * @ring: the read-ahead ring (address and slots) when @ahead reads the stream; otherwise the two STAGING halves.
   */
  constructor(
    machine: Machine,
    source: ImageSource,
    reader: StreamReader,
    ahead?: { thread: ReadAheadThread; base: number; slots: number },
  ) {
    this.machine = machine;
    this.reader = reader;
    this.batch = SLOT_BYTES / source.pageSize;
    this.sizes = [];
    for (const pages of [source.metaPages, source.imagePages]) {
      for (let p = 0; p < pages; p += this.batch) this.sizes.push(Math.min(this.batch, pages - p));
    }
    this.ahead = ahead?.thread;
    this.base = ahead ? ahead.base : L.STAGING_START;
    this.slots = ahead ? ahead.slots : 2;
    if (this.ahead) while (this.posted < Math.min(this.slots, this.sizes.length)) this.post();
  }

  /** True when a read-ahead thread fills the ring (batches must then be taken whole, in order). */
  get readsAhead(): boolean {
    return this.ahead !== undefined;
  }

  private slotAddr(job: number): number {
    return this.base + (job % this.slots) * SLOT_BYTES;
  }

  private post(): void {
    const job = this.posted++;
    this.ahead!.post(this.slotAddr(job), this.sizes[job]!);
  }

  /**
   * take - The next batch of @count pages (the batch the schedule has next, when reading ahead), in its slot.
   * @throws ResumeError (ENODATA) in @label's phase when the stream ends first, naming the page.
   */
  take(count: number, label: BatchLabel): Uint8Array {
    const pageSize = this.machine.spec.pageSize;
    if (!this.ahead) {
      const view = this.machine.bytes(L.STAGING_START + this.half * SLOT_BYTES, count * pageSize);
      this.half ^= 1;
      return this.read(view, label);
    }
    const job = this.taken;
    if (count !== this.sizes[job]) {
      throw new Error(`staging: batch ${job} has ${this.sizes[job]} pages, ${count} were asked for`);
    }
    if (job > 0 && this.posted < this.sizes.length) this.post();
    const got = this.ahead.waitFor(job);
    this.taken++;
    if (got < count) throw ended(label, got);
    return this.machine.bytes(this.slotAddr(job), count * pageSize);
  }

  /**
   * read - Read the next whole pages of the stream straight into @view (a run of frames, or a slot); checksums them
   * unless the reader does. Only without a read-ahead thread. @throws ResumeError (ENODATA) when the stream ends first.
   */
  read(view: Uint8Array, label: BatchLabel): Uint8Array {
    if (this.ahead) throw new Error("staging: a stream read ahead is taken a batch at a time");
    const count = view.length / this.machine.spec.pageSize;
    let got: number;
    try {
      got = this.reader.read(view);
    } catch (error) {
      throw error instanceof ImageFormatError ? error.inPhase(label.phase) : error;
    }
    if (got < count) throw ended(label, got);
    if (this.reader.crc32 === undefined) this.crc = crc32Le(view, this.crc);
    return view;
  }

  /** crc32 - crc32_le of the stream taken so far: the reader's own, the read-ahead thread's, or this thread's. */
  crc32(): number {
    return this.reader.crc32 ?? this.ahead?.crc() ?? this.crc;
  }
}

function ended(label: BatchLabel, got: number): ResumeError {
  return new ResumeError(label.phase, "ENODATA", `image ends at ${label.what} ${label.first + got} of ${label.total}`, {
    kind: "page",
    value: label.first + got,
    limit: label.total,
  });
}
