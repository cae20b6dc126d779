/**
 * A drawn image: the saveable pages of an image kernel drawn straight into a machine's PFN list (each usable frame
 * with a given probability, or given PFNs), never written to a file. It has PFN metadata pages and no data: an image
 * for a machine without frame contents, where machines of up to 2^32 - 1 PFNs — the 2014 case's 12 TB — run every
 * resume phase through the same session as a real image.
 */
import * as L from "../../assembly/portable/layout.js";
import { ConfigError, ResumeError } from "../errors.js";
import type { Machine } from "../machine/machine.js";
import { parseShare } from "../util/units.js";
import { ENTRY_END, encodeEntry, entriesPerPage, entryIsZero, metaPagesFor } from "./pfnEntry.js";
import type { ImageSource, StreamReader } from "./source.js";

/** What a drawn image saves. */
export interface DrawImageOptions {
  /** Share of usable frames saved (default 0.5 %). Ignored when `pfns` is given. */
  image?: number | string;
  /** Share of saved pages that are zero pages (default 5 %). Ignored when `pfns` is given. */
  zero?: number | string;
  /** Exact image PFNs instead of drawn ones, and which of them are zero pages. */
  pfns?: readonly number[];
  zeroPfns?: readonly number[];
}

/**
 * maxDrawnPages - The most PFN entries drawing @options on a machine of @frames frames can give: the expected count
 * and eight standard deviations (a machine laid out for this many never overflows in practice; drawing more fails
 * cleanly with -ENOSPC).
 */
export function maxDrawnPages(frames: number, options: DrawImageOptions): number {
  const expected = options.pfns ? options.pfns.length : parseShare(options.image ?? 0.005) * frames;
  return Math.min(frames, Math.ceil(expected + 8 * Math.sqrt(expected) + 1024));
}

/**
 * DrawnImageSource - A drawn image as an ImageSource. Its stream is the metadata pages packed from the machine's PFN
 * list; it has no data pages to read (imagePages counts the data entries the phases place).
 */
export class DrawnImageSource implements ImageSource {
  readonly format = "drawn";
  readonly pfnEntryBytes = 8;
  readonly path: string;
  readonly pageSize: number;
  readonly numPhyspages: number;
  readonly imagePages: number;
  readonly metaPages: number;
  readonly pages: number;
  readonly crc32 = undefined;
  readonly machine: ImageSource["machine"];
  /** PFN entries drawn (data and zero pages). */
  readonly entries: number;
  private readonly list: number;
  private readonly host: Machine;

  private constructor(machine: Machine, entries: number, zero: number) {
    const { spec } = machine;
    this.host = machine;
    this.path = `(drawn on a ${spec.frames}-frame machine)`;
    this.pageSize = spec.pageSize;
    this.numPhyspages = machine.numPhyspages;
    this.entries = entries;
    this.imagePages = entries - zero;
    this.metaPages = Math.max(1, metaPagesFor(entries, spec.pageSize));
    this.pages = 1 + this.metaPages + this.imagePages;
    this.list = machine.arena.pfnList;
    this.machine = {
      frames: spec.frames,
      zones: { dmaEndPfn: spec.dmaEndPfn, highmemStartPfn: spec.highmemStartPfn },
      holes: spec.holes,
      nosave: spec.nosave,
    };
  }

  /**
   * draw - Draw an image into @machine's PFN list (it must have booted: drawing skips its holes and nosave regions).
   * @throws ConfigError for PFNs that cannot be saved; ResumeError (checkHeader, ENOSPC) when more pages are drawn
   *   than the machine was laid out for.
   */
  static draw(machine: Machine, options: DrawImageOptions = {}): DrawnImageSource {
    const { spec, arena, engine } = machine;
    const capacity = arena.pfnListCapacity - entriesPerPage(spec.pageSize);
    let entries: number;
    if (options.pfns) {
      const zeros = new Set(options.zeroPfns ?? []);
      const pfns = Float64Array.from(options.pfns).sort();
      for (let i = 0; i < pfns.length; i++) {
        const pfn = pfns[i]!;
        if (!Number.isInteger(pfn) || pfn < 0 || pfn >= spec.frames) {
          throw new ConfigError(`image PFN ${pfn} is not a frame of the machine's ${spec.frames}`, {
            kind: "pfn",
            value: pfn,
            limit: spec.frames,
          });
        }
        if (i > 0 && pfns[i - 1] === pfn)
          throw new ConfigError(`image PFN ${pfn} is listed twice`, { kind: "pfn", value: pfn });
      }
      if (pfns.length > capacity) {
        throw new ConfigError(`${pfns.length} image PFNs, more than the ${capacity} this machine was laid out for`, {
          kind: "pages",
          value: pfns.length,
          limit: capacity,
        });
      }
      const list = machine.mem.u64s(arena.pfnList, pfns.length);
      pfns.forEach((pfn, i) => {
        list[i] = encodeEntry(pfn, zeros.has(pfn));
      });
      entries = pfns.length;
    } else {
      const share = parseShare(options.image ?? 0.005);
      const zeroShare = parseShare(options.zero ?? 0.05);
      entries = engine.drawImagePfns(arena.pfnList, capacity, share, zeroShare, BigInt(spec.seed) + 0x1a6en);
      if (entries < 0) {
        throw new ResumeError(
          "checkHeader",
          "ENOSPC",
          `more than ${capacity} image pages were drawn (the machine was laid out for that many)`,
          { kind: "pages", value: capacity + 1, limit: capacity },
        );
      }
    }
    const view = machine.mem.u64s(arena.pfnList, entries + 1);
    let zero = 0;
    for (let i = 0; i < entries; i++) if (entryIsZero(view[i]!)) zero++;
    return new DrawnImageSource(machine, entries, zero);
  }

  get headerFields(): Record<string, unknown> {
    return { entries: this.entries, imagePages: this.imagePages, metaPages: this.metaPages };
  }

  check(): void {}

  stream(): StreamReader {
    const { pageSize, metaPages, entries, list, host } = this;
    const perPage = entriesPerPage(pageSize);
    let position = 0;
    return {
      get position() {
        return position;
      },
      read(target: Uint8Array): number {
        const want = Math.min(Math.floor(target.length / pageSize), metaPages - position);
        if (want <= 0) return 0;
        const first = position * perPage;
        const count = Math.min(entries - first, want * perPage);
        target.set(host.bytes(list + first * L.PFN_ENTRY_SIZE, count * L.PFN_ENTRY_SIZE));
        const rest = new BigUint64Array(
          target.buffer,
          target.byteOffset + count * L.PFN_ENTRY_SIZE,
          want * perPage - count,
        );
        rest.fill(0n);
        if (rest.length > 0) rest[0] = ENTRY_END;
        position += want;
        return want;
      },
    };
  }

  close(): void {}
}
