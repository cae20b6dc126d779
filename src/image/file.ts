/**
 * Image and device files are opened read-only: thaw reads images and never writes them. The file is opened without
 * blocking (a FIFO swapped in for the checked path cannot hang the open) and must be a regular file; its identity
 * (device, inode, size, mtime) is taken at open so that a file changed under a restore is noticed: on a read that
 * comes back short inside the size seen at open, and when a phase asks (checkUnchanged) at the end of loading and
 * verifying.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from "node:fs";
import { ImageFormatError, ioError } from "../errors.js";

/** What identifies a file's contents: where it is, how long it is, when it was last written. */
interface Identity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

/** ReadOnlyFile - A file opened with O_RDONLY | O_NONBLOCK, read at absolute offsets. */
export class ReadOnlyFile {
  readonly path: string;
  /** Bytes in the file. */
  readonly size: number;
  private readonly identity: Identity;
  private fd: number | undefined;

  /** @throws ResumeError (open) with the errno's name when @path cannot be opened or is not a regular file. */
  constructor(path: string) {
    this.path = path;
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      throw ioError("open", path, error);
    }
    const st = fstatSync(fd);
    if (!st.isFile()) {
      closeSync(fd);
      throw ioError("open", path, Object.assign(new Error("not a regular file"), { code: "ENXIO" }));
    }
    this.fd = fd;
    this.size = st.size;
    this.identity = { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  }

  /**
   * read - Read @length bytes at file offset @position into @target; returns the bytes read (short at EOF).
   * @throws ImageFormatError (ESTALE) when the read ends before the size the file had at open: it shrank.
   */
  read(target: Uint8Array, position: number, length = target.length): number {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, target, done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    if (done < length && position + done < this.size) this.checkUnchanged();
    return done;
  }

  /**
   * checkUnchanged - Compare the file with what it was at open: the open file's size and mtime, and the device and
   * inode its path names now.
   * @throws ImageFormatError (ESTALE) naming what changed.
   */
  checkUnchanged(): void {
    if (this.fd === undefined) return;
    const now = fstatSync(this.fd);
    let named: { dev: number; ino: number } | undefined;
    try {
      named = statSync(this.path);
    } catch {
      named = undefined;
    }
    const was = this.identity;
    const change =
      now.size !== was.size
        ? `its size went from ${was.size} to ${now.size} bytes`
        : now.mtimeMs !== was.mtimeMs
          ? "it was written to (its mtime changed)"
          : named === undefined
            ? "its path no longer names a file"
            : named.dev !== was.dev || named.ino !== was.ino
              ? `its path now names another file (device ${named.dev}, inode ${named.ino}, was ${was.dev}, ${was.ino})`
              : undefined;
    if (change) {
      throw new ImageFormatError("ESTALE", `${this.path} changed while it was being read: ${change}`, {
        kind: "bytes",
        value: now.size,
        limit: was.size,
      });
    }
  }

  /** close - Close the file (idempotent). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
