/**
 * Files thaw writes (a restore map, a digest, a kept image, a memory dump): never the image it reads, never an
 * existing file unless told, and never half-written. Each output is written under a temporary name in its own folder
 * and renamed into place only when complete (commit); a failure, an exception or a signal removes it (abort).
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { ConfigError } from "../errors.js";

/** How an output may be opened. */
export interface OutputFileOptions {
  /** The option that named the file ("--map", "out", …), for messages. */
  option: string;
  /** Replace an existing file (never one of @inputs). Default false. */
  overwrite?: boolean;
  /** Files the run reads (the image): the output must not be any of them, by path or by device and inode. */
  inputs?: readonly string[];
}

/** identity - "device:inode" of @path, or undefined when it does not exist. */
function identity(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * checkOutputPath - Refuse @path as an output before any work starts: it is one of the inputs, or it exists and
 * overwriting was not asked for, or it is not a regular file.
 * @throws ConfigError naming the option and the file.
 */
export function checkOutputPath(path: string, options: OutputFileOptions): void {
  if ((options.inputs ?? []).some((input) => resolve(input) === resolve(path))) {
    throw new ConfigError(`${options.option} ${path} is the image being read: thaw never writes its input`, {
      kind: "option",
      name: options.option,
      value: path,
    });
  }
  const target = identity(path);
  if (target !== undefined) {
    for (const input of options.inputs ?? []) {
      if (identity(input) === target) {
        throw new ConfigError(`${options.option} ${path} is the image being read: thaw never writes its input`, {
          kind: "option",
          name: options.option,
          value: path,
        });
      }
    }
    const st = lstatSync(path);
    if (!st.isFile()) {
      throw new ConfigError(`${options.option} ${path} exists and is not a regular file`, {
        kind: "option",
        name: options.option,
        value: path,
      });
    }
    if (!options.overwrite) {
      throw new ConfigError(`${options.option} ${path} exists; refusing to overwrite it (--force to replace it)`, {
        kind: "option",
        name: options.option,
        value: path,
      });
    }
  }
}

const pending = new Set<OutputFile>();
let hooked = false;

/** Remove every output still being written when the process is interrupted, then die of the same signal. */
function hookSignals(): void {
  if (hooked) return;
  hooked = true;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      for (const file of pending) file.abort();
      process.kill(process.pid, signal);
    });
  }
  process.once("exit", () => {
    for (const file of pending) file.abort();
  });
}

/**
 * OutputFile - An output being written under a temporary name beside its final path.
 */
export class OutputFile {
  /** Where it ends up. */
  readonly path: string;
  /** Where it is written meanwhile. */
  readonly tempPath: string;
  private fd: number | undefined;

  private constructor(path: string, tempPath: string, fd: number) {
    this.path = path;
    this.tempPath = tempPath;
    this.fd = fd;
    pending.add(this);
    hookSignals();
  }

  /**
   * create - Check @path (checkOutputPath) and open a fresh temporary file beside it.
   * @throws ConfigError as checkOutputPath does, or when the folder cannot be written.
   */
  static create(path: string, options: OutputFileOptions): OutputFile {
    checkOutputPath(path, options);
    const tempPath = join(dirname(path), `.${basename(path)}.thaw-${process.pid}-${Date.now().toString(36)}.tmp`);
    let fd: number;
    try {
      fd = openSync(tempPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    } catch (error) {
      throw new ConfigError(
        `${options.option} ${path}: cannot write there (${(error as NodeJS.ErrnoException).code})`,
        {
          kind: "option",
          name: options.option,
          value: path,
        },
      );
    }
    return new OutputFile(path, tempPath, fd);
  }

  /** The open file descriptor of the temporary file. */
  get descriptor(): number {
    if (this.fd === undefined) throw new Error(`${this.path}: already committed or aborted`);
    return this.fd;
  }

  /** write - Write all of @bytes at file offset @position (the whole of it: short writes are continued). */
  write(bytes: Uint8Array, position: number): void {
    const fd = this.descriptor;
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
  }

  /** size - Bytes written so far (the file's size). */
  size(): number {
    return fstatSync(this.descriptor).size;
  }

  /** commit - Close the temporary file and rename it to its final path. */
  commit(): void {
    closeSync(this.descriptor);
    this.fd = undefined;
    renameSync(this.tempPath, this.path);
    pending.delete(this);
  }

  /** abort - Close and remove the temporary file (idempotent; the final path is never touched). */
  abort(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
    rmSync(this.tempPath, { force: true });
    pending.delete(this);
  }
}

/**
 * writeOutputFile - Write @contents to @path through an OutputFile: all or nothing.
 * @throws ConfigError as OutputFile.create does; any write error after removing the temporary file.
 */
export function writeOutputFile(path: string, contents: string | Uint8Array, options: OutputFileOptions): void {
  const file = OutputFile.create(path, options);
  try {
    file.write(typeof contents === "string" ? Buffer.from(contents) : contents, 0);
    file.commit();
  } catch (error) {
    file.abort();
    throw error;
  }
}
