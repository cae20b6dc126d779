/**
 * The restored memory as a file: after the atomic copy, every frame the image holds — its data pages and its zero
 * pages, where core_restore_code left them — streamed into a raw, ELF core or LiME file, a batch of consecutive pages
 * at a time (never the whole image in memory). Frames the image does not hold are not part of it.
 *
 * The file is written under a temporary name beside its final path and renamed into place when complete
 * (src/util/outputFile.ts): an existing file is refused unless overwriting was asked for, the image being read is
 * refused always, and a failure (disk full, an I/O error, a signal) removes the temporary file, leaving nothing.
 */
import { accessSync, constants, ftruncateSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError, errnoNamed, ResumeError } from "../errors.js";
import type { ImageSource } from "../image/source.js";
import { type ContentsStore, ZERO_PAGE } from "../machine/contentsStore.js";
import type { Machine } from "../machine/machine.js";
import type { ProgressListener } from "../progress.js";
import { checkOutputPath, OutputFile, type OutputFileOptions } from "../util/outputFile.js";
import { planElf } from "./elf.js";
import { type DumpFormat, type DumpPlan, formatOf, type Planner } from "./format.js";
import { type DumpLayout, imageLayout } from "./layout.js";
import { planLime } from "./lime.js";
import { planRaw } from "./raw.js";

/** Bytes of page data per write: the batch a dump streams. */
export const DUMP_BATCH_BYTES = 4 * 2 ** 20;

const PLANNERS: Record<DumpFormat, Planner> = { raw: planRaw, elf: planElf, lime: planLime };

/** Where and how to write a dump. */
export interface DumpOptions {
  /** The file to write. */
  path: string;
  /** raw, elf or lime (default: from the extension — .elf/.core/.vmcore, .lime — else raw). */
  format?: DumpFormat;
  /** Replace an existing file at @path (never the image being read). Default false. */
  force?: boolean;
  /** Files that must not be overwritten besides the image source's own path (e.g. the image as the user named it). */
  inputs?: readonly string[];
  onProgress?: ProgressListener;
  /** Fault injection: make the k-th write of the dump fail as a full disk does (ENOSPC). */
  failWriteAt?: number;
}

/** What a dump wrote. */
export interface DumpResult {
  path: string;
  format: DumpFormat;
  /** The format's own description (ELF class and machine, LiME version). */
  description: string;
  /** The file's size (holes included). */
  bytes: number;
  /** Bytes of page data and headers written (zero pages are holes and not written). */
  written: number;
  /** Image frames in the dump: data pages and zero pages. */
  pages: number;
  zeroPages: number;
  /** Runs of consecutive PFNs (PT_LOADs, LiME ranges). */
  runs: number;
  ms: number;
  /** written / ms, in GB/s. */
  gbps: number;
}

/** What the dump reads: a finished resume (a ResumeSession is one). */
export interface DumpInput {
  readonly machine: Machine;
  readonly source: ImageSource;
  readonly store: ContentsStore | undefined;
  readonly phases: readonly { name: string }[];
}

/**
 * checkDumpOutput - Refuse @options.path before a resume starts: it is the image (by device and inode), or it exists
 * and force was not given, or it is not a regular file, or its format is unknown; or its folder takes no new file.
 * @throws ConfigError naming the option and the file; ResumeError (dump) with the errno for the folder.
 */
export function checkDumpOutput(options: DumpOptions): DumpFormat {
  const format = checkDumpOptions(options);
  checkOutputPath(options.path, outputOptions(options, []));
  writableFolder(options.path);
  return format;
}

/**
 * checkDumpOptions - @options as a library caller may give them: an object with a non-empty path, a known format (or
 * none), force and failWriteAt of their types. Returns the format.
 * @throws ConfigError naming the option, the value and what is allowed.
 */
function checkDumpOptions(options: DumpOptions): DumpFormat {
  const refuse = (name: string, value: unknown, allowed: string) =>
    new ConfigError(`${name} is ${JSON.stringify(value) ?? String(value)}; it must be ${allowed}`, {
      kind: "option",
      name,
      value: String(value),
    });
  if (typeof options !== "object" || options === null)
    throw refuse("out", options, "an object { path, format, force }");
  const { path, force, failWriteAt } = options;
  if (typeof path !== "string" || path === "") throw refuse("out.path", path, "a file name");
  if (force !== undefined && typeof force !== "boolean") throw refuse("out.force", force, "true or false");
  if (failWriteAt !== undefined && !(Number.isSafeInteger(failWriteAt) && failWriteAt >= 0)) {
    throw refuse("out.failWriteAt", failWriteAt, "an integer ≥ 0 (0: never)");
  }
  return formatOf(path, options.format);
}

function outputOptions(options: DumpOptions, inputs: readonly string[]): OutputFileOptions {
  return { option: "out", overwrite: options.force ?? false, inputs: [...(options.inputs ?? []), ...inputs] };
}

/**
 * dumpMemory - Write the memory @input restored to @options.path.
 * @throws ConfigError before anything is written (the output is refused, the machine keeps no contents, the resume
 * did not reach the atomic copy); ResumeError in phase "dump" naming the file and the errno when writing fails, after
 * removing the temporary file.
 */
export function dumpMemory(input: DumpInput, options: DumpOptions): DumpResult {
  const { machine, source, store } = input;
  const format = checkDumpOptions(options);
  if (!input.phases.some((p) => p.name === "atomicCopy")) {
    throw new ConfigError(
      `out ${options.path}: the resume has not run its atomic copy, so the memory is not restored yet`,
      { kind: "option", name: "out", value: options.path },
    );
  }
  if (machine.contents === "none" || (machine.contents === "store" && !store)) {
    throw new ConfigError(
      `out ${options.path}: a placement-only machine keeps no page contents to dump (resume into a machine with frame memory or a contents store)`,
      { kind: "option", name: "out", value: options.path },
    );
  }
  if (store?.closed) {
    throw new ConfigError(
      `out ${options.path}: the session was closed, and with it the contents store that held the restored pages (dump before close())`,
      { kind: "option", name: "out", value: options.path },
    );
  }
  const t0 = performance.now();
  const { pageSize } = machine.spec;
  const layout = imageLayout(machine);
  const plan = PLANNERS[format](layout, { pageSize, wordBytes: source.pfnEntryBytes });
  const outputs = outputOptions(options, [source.path]);
  checkOutputPath(options.path, outputs);
  writableFolder(options.path);
  const file = OutputFile.create(options.path, outputs);
  const writer = new DumpWriter(file, options);
  try {
    for (const chunk of plan.headers()) writer.write(chunk.bytes, chunk.position);
    writePages(writer, input, layout, plan, options.onProgress);
    writer.run("extend", () => ftruncateSync(file.descriptor, plan.fileSize), plan.fileSize);
    writer.run("rename", () => file.commit(), plan.fileSize);
  } catch (error) {
    file.abort();
    throw error;
  }
  const ms = performance.now() - t0;
  return {
    path: options.path,
    format,
    description: plan.description,
    bytes: plan.fileSize,
    written: writer.written,
    pages: layout.pfns.length,
    zeroPages: layout.zeroPages,
    runs: layout.runs,
    ms,
    gbps: writer.written / ms / 1e6,
  };
}

/** writableFolder - The folder of @path takes new files. @throws ResumeError (dump) with the errno otherwise. */
function writableFolder(path: string): void {
  const folder = dirname(path);
  try {
    if (!statSync(folder).isDirectory()) {
      throw Object.assign(new Error(`${folder} is not a folder`), { code: "ENOTDIR" });
    }
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw dumpError(error, `cannot create ${path} in ${folder}`, 0);
  }
}

/** dumpError - @error (an fs error) as a ResumeError of phase "dump", its errno named. */
function dumpError(error: unknown, what: string, position: number): ResumeError {
  const code = (error as NodeJS.ErrnoException).code;
  const name = errnoNamed(code) ?? "EIO";
  const detail = name === code ? "" : ` (${code ?? (error as Error).message})`;
  return new ResumeError("dump", name, `${what}${detail}`, { kind: "bytes", value: position }, error);
}

/** The writes of one dump, counted, failing where fault injection says. */
class DumpWriter {
  written = 0;
  private writes = 0;
  private readonly file: OutputFile;
  private readonly options: DumpOptions;

  constructor(file: OutputFile, options: DumpOptions) {
    this.file = file;
    this.options = options;
  }

  /** write - @bytes at @position of the temporary file. */
  write(bytes: Uint8Array, position: number): void {
    this.run(
      `write ${bytes.length} bytes at offset ${position} of`,
      () => {
        if (++this.writes === this.options.failWriteAt) {
          throw Object.assign(new Error("ENOSPC: no space left on device, write (injected fault)"), {
            code: "ENOSPC",
            syscall: "write",
          });
        }
        this.file.write(bytes, position);
      },
      position,
    );
    this.written += bytes.length;
  }

  /** run - @body, an fs operation on the dump; its failure becomes a ResumeError naming @what, the file and errno. */
  run(what: string, body: () => void, position: number): void {
    try {
      body();
    } catch (error) {
      const target = what === "rename" ? `${this.file.tempPath} to ${this.file.path}` : this.file.tempPath;
      throw dumpError(error, `${what} ${target} failed, writing ${this.file.path}`, position);
    }
  }
}

/**
 * writePages - Every data page of @layout at its place in @plan, a batch of consecutive frames per write: straight
 * from linear memory for a machine with frame memory, through the contents store's references otherwise. Zero pages
 * are not written: they are holes, and the file is extended to its full size last.
 */
function writePages(
  writer: DumpWriter,
  input: DumpInput,
  layout: DumpLayout,
  plan: DumpPlan,
  onProgress: ProgressListener | undefined,
): void {
  const { machine, store } = input;
  const { pageSize } = machine.spec;
  const batch = Math.max(1, Math.floor(DUMP_BATCH_BYTES / pageSize));
  const buffer = store ? new Uint8Array(batch * pageSize) : undefined;
  const { pfns, zero } = layout;
  const total = pfns.length;
  for (let r = 0; r < layout.runs; r++) {
    const first = layout.first[r]!;
    const end = first + layout.count[r]!;
    const base = plan.runOffset(r);
    for (let i = first; i < end; ) {
      if (zero[i]) {
        i++;
        continue;
      }
      let n = 1;
      while (n < batch && i + n < end && !zero[i + n]) n++;
      const bytes = buffer
        ? fromStore(store!, pfns, i, n, buffer)
        : machine.bytes(machine.arena.framesBase + pfns[i]! * pageSize, n * pageSize);
      writer.write(bytes, base + (i - first) * pageSize);
      i += n;
      onProgress?.({ phase: "dump", done: i, total });
    }
  }
  onProgress?.({ phase: "dump", done: total, total });
}

/**
 * fromStore - Frames @pfns[at … at+n) from @store into @buffer, consecutive page-file slots in one read.
 * @throws ResumeError (dump, EIO) for an image frame that holds nothing, which a finished resume never leaves.
 */
function fromStore(store: ContentsStore, pfns: Uint32Array, at: number, n: number, buffer: Uint8Array): Uint8Array {
  const { pageSize } = store;
  for (let k = 0; k < n; ) {
    const ref = store.frames.get(pfns[at + k]!);
    if (ref === undefined) {
      throw new ResumeError("dump", "EIO", `image frame ${pfns[at + k]} holds nothing in the contents store`, {
        kind: "pfn",
        value: pfns[at + k]!,
      });
    }
    if (ref === ZERO_PAGE) {
      buffer.fill(0, k * pageSize, (k + 1) * pageSize);
      k++;
      continue;
    }
    let m = 1;
    while (k + m < n && store.frames.get(pfns[at + k + m]!) === ref + m) m++;
    store.readSlots(ref, m, buffer.subarray(k * pageSize, (k + m) * pageSize));
    k += m;
  }
  return buffer.subarray(0, n * pageSize);
}
