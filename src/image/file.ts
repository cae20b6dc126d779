/**
 * Image and device files are opened read-only: thaw reads images and never writes them.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** ReadOnlyFile - A file opened with "r", read at absolute offsets. */
export class ReadOnlyFile {
  readonly path: string;
  /** Bytes in the file. */
  readonly size: number;
  private fd: number | undefined;

  constructor(path: string) {
    this.path = path;
    this.fd = openSync(path, "r");
    this.size = fstatSync(this.fd).size;
  }

  /** read - Read @length bytes at file offset @position into @target; returns the bytes read (short at EOF). */
  read(target: Uint8Array, position: number, length = target.length): number {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, target, done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  /** close - Close the file (idempotent). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
