/**
 * software_resume() / load_image_and_restore() (kernel/power/hibernate.c): open an image, build or take the machine,
 * and run the phases in order — all at once (run) or one at a time (step), for research use. The one driver of every
 * resume: a file (thaw or Linux) into a machine with frame memory, into one whose frames live in a contents store
 * (machines above what wasm32 holds), or a drawn image on a placement-only machine.
 *
 * Any failure before atomicCopy runs swsusp_free() and free_basic_memory_bitmaps(): every frame the restore
 * allocated goes back to the allocator, and the boot kernel's frames are as they were. atomicCopy is the commit point.
 * The image file is opened read-only and never written.
 */
import * as L from "../assembly/portable/layout.js";
import { checkDumpOutput, type DumpOptions, type DumpResult, dumpMemory } from "./dump/dump.js";
import { ConfigError, errnoNamed, ImageFormatError, ioError, ResumeError } from "./errors.js";
import { type OpenImageOptions, openImage } from "./image/open.js";
import { entriesPerPage } from "./image/pfnEntry.js";
import { ReadAheadThread } from "./image/readAhead.js";
import type { ImageSource, StreamReader } from "./image/source.js";
import type { BitmapStrategy, MachineOptions } from "./machine/config.js";
import { ContentsStore, FrameTable } from "./machine/contentsStore.js";
import { type CreateMachineOptions, type FrameContents, Machine } from "./machine/machine.js";
import { checkMaxMemory, checkOptions } from "./options.js";
import { PHASES, type PhaseName } from "./phaseNames.js";
import { atomicCopy } from "./phases/atomicCopy.js";
import { checkHeader } from "./phases/checkHeader.js";
import { loadImage } from "./phases/loadImage.js";
import { markUnsafePages } from "./phases/markUnsafePages.js";
import { forEachPbe } from "./phases/pbePairs.js";
import { prepareImage } from "./phases/prepareImage.js";
import { restoreHighmem } from "./phases/restoreHighmem.js";
import { StreamStage } from "./phases/stage.js";
import type { LoadMode, ResumeState, VerifyReport } from "./phases/state.js";
import { unpackOrigPfns } from "./phases/unpackOrigPfns.js";
import { verify } from "./phases/verify.js";
import type { ProgressListener } from "./progress.js";
import { formatBytes } from "./util/units.js";

/**
 * Streams smaller than this are read and checksummed on the calling thread: starting the read-ahead thread costs more
 * than it saves on them.
 */
export const READ_AHEAD_MIN_BYTES = 32 * 2 ** 20;

/**
 * What a machine built from an image with a contents store may take for its model (linear memory for the bitmaps,
 * allocator and PBE chain, and the store's frame table) unless maxMemory says otherwise: every machine up to a few
 * TiB fits, and a small image that claims a machine of 16 TiB cannot make thaw take gigabytes unasked.
 */
export const DEFAULT_STORE_MODEL_BYTES = 2 ** 30;

/** The machine the image is resumed into: the boot kernel, allocator, bitmap strategy and seed come from here. */
export type ResumeMachineOptions = Pick<MachineOptions, "boot" | "allocator" | "bitmap" | "seed">;

/** Options of a resume (and of opening its image: highmem, ignoreHwSig, … for Linux images). */
export interface ResumeOptions extends OpenImageOptions {
  /** Resume into this machine (it is booted first). Default: a machine built from the image header. */
  machine?: Machine;
  /**
   * Where the frames of a machine built here hold their contents: "memory" (linear memory; up to ~3.98 GiB of RAM),
   * "store" (a contents store outside linear memory: machines of any size), or "auto" (default: memory when it
   * fits, else store).
   */
  contents?: "memory" | "store" | "auto";
  /** With a contents store: the folder of its page file (default: the system's temporary folder). */
  storeDir?: string;
  /** Boot kernel, allocator, bitmap and seed of the machine built from the header. */
  machineOptions?: ResumeMachineOptions;
  /**
   * Refuse an image whose machine would need more than this many bytes of memory: a number of bytes or a size such as
   * "256MiB" (default: what wasm32 holds).
   */
  maxMemory?: number | string;
  /** Engine build for a machine built here. */
  flavour?: CreateMachineOptions["flavour"];
  /**
   * How loadImage places pages: "planned" (default: plan every destination, then copy or read straight into frames)
   * or "faithful" (the kernel's page-by-page order with the highmem bounce page). Counts, PBEs and memory are the same.
   */
  mode?: LoadMode;
  /**
   * The CRC thread: a worker that checksums the stream while loading goes on — and, for a stream stored
   * uncompressed, reads it ahead into the other staging half too. Default: on for streams of READ_AHEAD_MIN_BYTES or
   * more; true forces it on, false off (this thread then reads and checksums).
   */
  crcThread?: boolean;
  /** Run the verify phase after the atomic copy (default true). */
  verify?: boolean;
  /** For a Linux swap file: resume_offset, the block of its swap header. */
  offset?: number;
  /** Decompression workers for a compressed Linux image (0: on the main thread). */
  workers?: number;
  /** Fault injection: make the k-th page allocation of the resume fail (0: none). */
  failAllocationAt?: number;
  /** Fault injection: make the k-th read of the image stream fail (EIO; 0: none). */
  failReadAt?: number;
  /** Fault injection: make the k-th read of the image stream come back one page short (0: none). */
  shortReadAt?: number;
  onProgress?: ProgressListener;
  /** resumeImage: write the restored memory to this file once the resume is complete (src/dump/dump.ts). */
  out?: ResumeOutOptions;
}

/** Where resumeImage writes the restored memory: the file, its format, whether it may replace one. */
export type ResumeOutOptions = Pick<DumpOptions, "path" | "format" | "force">;

/** The counts of a resume (the JSON contract's `counts`). */
export interface ResumeCounts {
  /** Image PFNs: data pages plus zero pages (C + Z). */
  imagePages: number;
  /** Zero-flagged PFNs (Z). */
  zeroPages: number;
  /** Image PFNs in HighMem. */
  highmemPages: number;
  /** Image PFNs whose frames the restore allocated (owned original frames), counted after loading. */
  ownedFrames: number;
  /** Pages written straight into their original frame (lowmem in place, highmem through the bounce page). */
  directPages: number;
  /** Safe frames on safe_pages_list after prepare_image: the reserve plus the safe preallocated frames. */
  safePages: number;
  /** Pages of the restore's chain allocator (PBEs and highmem PBEs). */
  chainPages: number;
  /** PBEs on restore_pblist. */
  pbes: number;
  /** Entries on highmem_pblist. */
  highmemPbes: number;
  /** allocated_unsafe_pages: image frames get_image_page(PG_SAFE) kept while looking for safe pages. */
  allocatedUnsafePages: number;
  /** Frames charged to bitmaps during the resume (thaw's figure; see assembly/bitmap/bitmap.ts). */
  bitmapPages: number;
}

/** One phase as it ran. */
export interface PhaseRecord {
  name: PhaseName;
  /** The kernel function it simulates. */
  kernel: string;
  ms: number;
  /** Pages the phase handled (stream pages read, pages copied or checked). */
  pages: number;
  /** Bytes of page contents the phase moved, for GB/s (0 for phases that only decide, such as prepareImage). */
  bytes: number;
}

/** A PBE of restore_pblist, by PFN, in chain order. */
export interface PbeEntry {
  address: number;
  origAddress: number;
}

/** The outcome of a whole resume. */
export interface ResumeResult {
  ok: true;
  bitmap: BitmapStrategy;
  /** Where the machine's frames held their contents. */
  contents: FrameContents;
  mode: LoadMode;
  /** What the image's reader noted that is not an error (e.g. blocks read as zeros past the end of a device copy). */
  warnings: string[];
  pageSize: number;
  counts: ResumeCounts;
  phases: PhaseRecord[];
  verify: VerifyReport | undefined;
  /** The dump resumeImage wrote when given `out`. */
  dump?: DumpResult;
}

const RUN: Record<PhaseName, (state: ResumeState) => unknown> = {
  checkHeader,
  unpackOrigPfns,
  markUnsafePages,
  prepareImage,
  loadImage,
  restoreHighmem,
  atomicCopy,
  verify,
};

/**
 * ResumeSession - One resume of one image into one machine, phase by phase.
 */
export class ResumeSession {
  readonly machine: Machine;
  readonly source: ImageSource;
  readonly phases: PhaseRecord[] = [];
  private readonly state: ResumeState;
  private readonly runVerify: boolean;
  private next = 0;
  private failed: ResumeError | undefined;
  /** True when open() built the machine (no options.machine): dispose() then disposes of it too. */
  private ownsMachine = false;

  private constructor(state: ResumeState, runVerify: boolean) {
    this.state = state;
    this.machine = state.machine;
    this.source = state.source;
    this.runVerify = runVerify;
  }

  /**
   * open - Open @path read-only, read its header, and boot the machine it will be resumed into.
   * @throws ResumeError (checkHeader) when the header is not a valid thaw image header.
   */
  static async open(image: string | ImageSource, given: ResumeOptions = {}): Promise<ResumeSession> {
    const options = checkOptions(given, "ResumeSession.open");
    const source = typeof image === "string" ? await openImage(image, options) : image;
    let store: ContentsStore | undefined;
    let built: Machine | undefined;
    let readAhead: ReadAheadThread | undefined;
    try {
      const machine = options.machine ?? (built = await machineFor(source, options));
      machine.bootIfUsed();
      machine.markUsed();
      const mode = options.mode ?? "planned";
      if (mode === "faithful" && machine.contents !== "memory") {
        throw new ConfigError(
          `the faithful loading mode copies through the bounce page in frame memory; a machine whose frames are ${machine.contents === "none" ? "not modelled" : "in a contents store"} loads planned`,
          { kind: "option", name: "mode", value: mode },
        );
      }
      machine.setCtx(L.CTX_DEFER_ZERO, mode === "planned" ? 1 : 0);
      if (machine.contents === "store") {
        try {
          store = new ContentsStore(machine.storeDir!, machine.spec.pageSize, machine.arena.pfnListCapacity);
        } catch (error) {
          throw ioError("checkHeader", `contents store in ${machine.storeDir}`, error);
        }
      }
      if (options.failAllocationAt) machine.failAllocationAt(options.failAllocationAt);
      const reader = faulty(source.stream(), source.pageSize, options);
      const large = (source.pages - 1) * source.pageSize >= READ_AHEAD_MIN_BYTES;
      const extents =
        (options.crcThread ?? large) && !options.failReadAt && !options.shortReadAt
          ? source.fileExtents?.()
          : undefined;
      const { ring, ringSlots } = machine.arena;
      const slots = Math.max(ringSlots, 2);
      const base = ringSlots >= 2 ? ring : L.STAGING_START;
      readAhead = extents ? await ReadAheadThread.start(machine.memory, extents, source.pageSize, slots) : undefined;
      const stage = new StreamStage(machine, source, reader, readAhead && { thread: readAhead, base, slots });
      const session = new ResumeSession(
        { machine, source, stage, readAhead, onProgress: options.onProgress, mode, store },
        options.verify ?? true,
      );
      session.ownsMachine = options.machine === undefined;
      return session;
    } catch (error) {
      readAhead?.stop();
      store?.close();
      source.close();
      built?.dispose();
      throw error;
    }
  }

  /** nextPhase - The phase step() would run, or undefined when the resume is over. */
  get nextPhase(): PhaseName | undefined {
    if (this.failed) return undefined;
    const phase = PHASES[this.next];
    if (!phase || (phase.name === "verify" && !this.runVerify)) return undefined;
    return phase.name;
  }

  /**
   * step - Run the next phase and return its record.
   * @throws ResumeError; before atomicCopy everything the restore allocated has been freed by then.
   */
  step(): PhaseRecord {
    const name = this.nextPhase;
    if (!name) throw new Error(this.failed ? `the resume failed in ${this.failed.phase}` : "the resume is complete");
    const t0 = performance.now();
    const before = this.machine.ctx(L.CTX_NR_COPIED);
    try {
      RUN[name](this.state);
      if (name === "loadImage" || name === "verify") this.source.checkUnchanged?.();
    } catch (error) {
      if (PHASES.findIndex((p) => p.name === name) < PHASES.findIndex((p) => p.name === "atomicCopy")) this.undo();
      this.failed =
        error instanceof ResumeError
          ? error
          : error instanceof ImageFormatError
            ? error.inPhase(name)
            : new ResumeError(
                name,
                errnoNamed((error as NodeJS.ErrnoException).code) ?? "EIO",
                (error as Error).message,
                undefined,
                error,
              );
      this.close();
      throw this.failed;
    }
    const record: PhaseRecord = {
      name,
      kernel: PHASES[this.next]!.kernel,
      ms: performance.now() - t0,
      ...this.volume(name, before),
    };
    this.phases.push(record);
    this.next++;
    if (!this.nextPhase) this.release();
    return record;
  }

  /** run - Run every remaining phase. @throws ResumeError as step() does. */
  run(): ResumeResult {
    while (this.nextPhase) this.step();
    return this.result();
  }

  /** result - The outcome so far. */
  result(): ResumeResult {
    return {
      ok: true,
      bitmap: this.machine.spec.bitmap,
      contents: this.machine.contents,
      mode: this.state.mode,
      warnings: this.source.warnings?.() ?? [],
      pageSize: this.machine.spec.pageSize,
      counts: this.counts(),
      phases: [...this.phases],
      verify: this.state.verify,
    };
  }

  /** counts - The resume's counts, read from the engine's CTX record. */
  counts(): ResumeCounts {
    const c = (field: number) => this.machine.ctx(field);
    return {
      imagePages: c(L.CTX_NR_PFN_ENTRIES),
      zeroPages: c(L.CTX_NR_ZERO_PAGES),
      highmemPages: c(L.CTX_NR_IMAGE_HIGHMEM),
      ownedFrames: c(L.CTX_NR_OWNED),
      directPages: c(L.CTX_NR_DIRECT),
      safePages: c(L.CTX_NR_SAFE_PAGES),
      chainPages: c(L.CTX_NR_CHAIN_PAGES),
      pbes: c(L.CTX_NR_PBES),
      highmemPbes: c(L.CTX_NR_HIGHMEM_PBES),
      allocatedUnsafePages: c(L.CTX_ALLOCATED_UNSAFE_PAGES),
      bitmapPages: c(L.CTX_NR_BITMAP_PAGES),
    };
  }

  /** restorePblist - restore_pblist in chain order, walked by following `next` in the machine's memory. */
  restorePblist(): PbeEntry[] {
    return this.pbeList(L.CTX_RESTORE_PBLIST);
  }

  /** highmemPblist - highmem_pblist in chain order (copy_page as address, orig_page as origAddress). */
  highmemPblist(): PbeEntry[] {
    return this.pbeList(L.CTX_HIGHMEM_PBLIST);
  }

  private pbeList(head: number): PbeEntry[] {
    const out: PbeEntry[] = [];
    forEachPbe(this.state, head, (copy, orig) => {
      out.push({ address: copy, origAddress: orig });
    });
    return out;
  }

  /** The contents store of a machine whose frames live in one (undefined otherwise). */
  get store(): ContentsStore | undefined {
    return this.state.store;
  }

  /**
   * readFrame - Frame @pfn's contents into @target (one page): from linear memory, or through the contents store.
   * Returns false when the machine keeps no contents for it (placement-only, or a frame the image gave nothing in a
   * contents store).
   */
  readFrame(pfn: number, target: Uint8Array): boolean {
    const { machine, store } = this.state;
    if (machine.contents === "memory") {
      target.set(machine.frame(pfn));
      return true;
    }
    return store ? store.readFrame(pfn, target) !== undefined : false;
  }

  /**
   * dump - Write the memory this resume restored to @options.path (raw, ELF core or LiME): every frame the image
   * holds, where the atomic copy left it. Progress goes to the session's listener unless @options gives one.
   * @throws ConfigError before writing (output refused, resume not complete, placement-only machine); ResumeError in
   * phase "dump" naming the file and errno when writing fails, leaving nothing behind.
   */
  dump(options: DumpOptions): DumpResult {
    return dumpMemory(this, { onProgress: this.state.onProgress, ...options });
  }

  /** release - Let go of the image file and the read-ahead thread once the last phase ran (idempotent). */
  private release(): void {
    this.state.readAhead?.stop();
    this.state.readAhead = undefined;
    this.state.source.close();
  }

  /**
   * close - Release everything the session holds: the image file, the read-ahead thread, the contents store and its
   * page file (idempotent). The machine stays as the resume left it.
   */
  close(): void {
    this.release();
    this.state.store?.close();
  }

  /**
   * dispose - close(), and when the session built its machine, dispose of the machine too (Machine.dispose(): its
   * memory is given back for reuse). Nothing may use session.machine afterwards. Idempotent.
   */
  dispose(): void {
    this.close();
    if (this.ownsMachine) this.machine.dispose();
  }

  /** Symbol.dispose - dispose(), for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  private undo(): void {
    this.machine.engine.swsuspFree();
    this.machine.engine.freeBasicMemoryBitmaps();
  }

  private volume(name: PhaseName, copiedBefore: number): { pages: number; bytes: number } {
    const { pageSize } = this.machine.spec;
    const pages = (() => {
      switch (name) {
        case "unpackOrigPfns":
          return this.source.metaPages;
        case "loadImage":
          return this.source.imagePages;
        case "restoreHighmem":
          return this.machine.ctx(L.CTX_NR_HIGHMEM_SWAPPED);
        case "atomicCopy":
          return this.machine.ctx(L.CTX_NR_COPIED) - copiedBefore;
        case "verify":
          return this.state.verify?.pages ?? 0;
        case "prepareImage":
          return this.machine.ctx(L.CTX_NR_PREALLOCATED);
        default:
          return 0;
      }
    })();
    const factor = name === "restoreHighmem" ? 3 : name === "prepareImage" ? 0 : 1;
    return { pages, bytes: pages * pageSize * factor };
  }
}

/**
 * machineFor - The machine @source describes: with frame memory when it fits wasm32 (or options.contents says so),
 * else with a contents store. A header that describes a machine thaw cannot build, or one larger than maxMemory allows,
 * fails here, in checkHeader, before any of its memory is allocated.
 */
async function machineFor(source: ImageSource, options: ResumeOptions): Promise<Machine> {
  const wanted = machineOf(source, options.machineOptions);
  const maxImagePages = source.metaPages * entriesPerPage(source.pageSize, source.pfnEntryBytes);
  const base = { flavour: options.flavour, maxImagePages, ...(options.storeDir && { storeDir: options.storeDir }) };
  const plan = async (contents: "memory" | "store") => {
    try {
      return await Machine.layout(wanted, { ...base, contents });
    } catch (error) {
      if (error instanceof ConfigError && error.offending?.kind === "bytes") {
        throw new ResumeError(
          "checkHeader",
          "ENOMEM",
          `the image describes a machine thaw cannot build: ${error.message}`,
          error.offending,
        );
      }
      throw error;
    }
  };
  const choice = options.contents ?? "auto";
  let planned = await plan(choice === "store" ? "store" : "memory").catch((error: unknown) => {
    if (choice === "auto" && error instanceof ResumeError && error.code === "ENOMEM") return undefined;
    throw error;
  });
  planned ??= await plan("store");
  const { layout, contents } = planned;
  const bytes = layout.totalBytes + (contents === "store" ? FrameTable.bytesFor(2 * maxImagePages) : 0);
  const maxMemory = options.maxMemory === undefined ? undefined : checkMaxMemory(options.maxMemory);
  const limit = maxMemory ?? (contents === "store" ? DEFAULT_STORE_MODEL_BYTES : L.MAX_MEMORY_BYTES);
  if (bytes > limit) {
    const machine = formatBytes(planned.spec.frames * planned.spec.pageSize);
    const model = contents === "store" ? "metadata and contents store need" : "model needs";
    const allowed =
      maxMemory === undefined
        ? `the ${formatBytes(limit)} thaw allows by default for a model without frame memory (give maxMemory, --max-memory, to allow more)`
        : `the ${formatBytes(limit)} allowed (maxMemory)`;
    throw new ResumeError(
      "checkHeader",
      "ENOMEM",
      `the image describes a machine of ${machine} whose ${model} ${formatBytes(bytes)}, more than ${allowed}`,
      { kind: "bytes", value: bytes, limit },
    );
  }
  return Machine.create(wanted, { ...base, contents: planned.contents });
}

/** faulty - @reader, failing or coming back short at the read the fault-injection options name. */
function faulty(reader: StreamReader, pageSize: number, options: ResumeOptions): StreamReader {
  const { failReadAt, shortReadAt } = options;
  if (!failReadAt && !shortReadAt) return reader;
  let calls = 0;
  return {
    get position() {
      return reader.position;
    },
    get crc32() {
      return reader.crc32;
    },
    read(target: Uint8Array): number {
      calls++;
      if (calls === failReadAt)
        throw new ImageFormatError("EIO", `read ${calls} of the image failed (injected fault)`, {
          kind: "page",
          value: reader.position,
        });
      if (calls === shortReadAt && target.length > pageSize)
        return reader.read(target.subarray(0, target.length - pageSize));
      return reader.read(target);
    },
  };
}

/** machineOf - The machine an image was taken on, with the resume side's boot kernel, allocator and bitmap. */
export function machineOf(source: ImageSource, options: ResumeMachineOptions = {}): MachineOptions {
  return { ...options, ...source.machine, pageSize: source.pageSize };
}

/**
 * resumeImage - Resume the image at @path: open, run every phase, verify; with @options.out, write the restored
 * memory to that file (refused before the resume starts if it exists without force, or is the image).
 * @throws ResumeError naming the phase, errno and offending value.
 */
export async function resumeImage(path: string, options: ResumeOptions = {}): Promise<ResumeResult> {
  const checked = checkOptions(options, "resumeImage");
  const out = checked.out && { ...checked.out, inputs: [path] };
  if (out) checkDumpOutput(out);
  using session = await ResumeSession.open(path, checked);
  const result = session.run();
  return out ? { ...result, dump: session.dump(out) } : result;
}
