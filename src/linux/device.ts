/**
 * A swap device (or a copy of one) opened read-only, addressed in PAGE_SIZE blocks as the kernel's swap code
 * addresses it (§5.3: byte offset = block × 4096). Reads past the end of the file return zeros: trimmed copies of a
 * device (such as the fixtures) end after their last non-zero page.
 */
import { openSync, readSync, closeSync, fstatSync } from "node:fs";

/** Bytes per swap block: the x86_64 PAGE_SIZE (§0.1). */
export const SWAP_BLOCK_SIZE = 4096;

/** A device file, read-only. */
export class SwapDevice {
  readonly path: string;
  /** Bytes in the file. */
  readonly size: number;
  private fd: number | undefined;

  constructor(path: string) {
    this.path = path;
    this.fd = openSync(path, "r");
    this.size = fstatSync(this.fd).size;
  }

  /** Whole blocks the file holds. */
  get blocks(): number {
    return Math.ceil(this.size / SWAP_BLOCK_SIZE);
  }

  /**
   * readBlocks - Read @count consecutive blocks from @block into @target (at @offset); zeros past the end of file.
   */
  readBlocks(block: number, count: number, target: Uint8Array, offset = 0): void {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    const length = count * SWAP_BLOCK_SIZE;
    const position = block * SWAP_BLOCK_SIZE;
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, target, offset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    if (done < length) target.fill(0, offset + done, offset + length);
  }

  /** readBlock - One block as a fresh Buffer. */
  readBlock(block: number): Buffer {
    const buffer = Buffer.alloc(SWAP_BLOCK_SIZE);
    this.readBlocks(block, 1, buffer);
    return buffer;
  }

  /** close - Release the file (idempotent). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
