/**
 * A swap device (or a copy of one) opened read-only, addressed in PAGE_SIZE blocks as the kernel's swap code
 * addresses it (kernel/power/swap.c: swap_read_page(), byte offset = block × 4096). Reads past the end of the file
 * return zeros: trimmed copies of a device (such as the fixtures) end after their last non-zero page.
 */
import { ReadOnlyFile } from "../file.js";

/** Bytes per swap block: PAGE_SIZE of x86_64 and i386. */
export const SWAP_BLOCK_SIZE = 4096;

/** A device file, read-only. */
export class SwapDevice {
  private readonly file: ReadOnlyFile;

  constructor(path: string) {
    this.file = new ReadOnlyFile(path);
  }

  get path(): string {
    return this.file.path;
  }

  /** checkUnchanged - ReadOnlyFile.checkUnchanged(). @throws ImageFormatError (ESTALE). */
  checkUnchanged(): void {
    this.file.checkUnchanged();
  }

  /** Bytes in the file. */
  get size(): number {
    return this.file.size;
  }

  /** Whole blocks the file holds. */
  get blocks(): number {
    return Math.ceil(this.size / SWAP_BLOCK_SIZE);
  }

  /**
   * readBlocks - Read @count consecutive blocks from @block into @target (at @offset); zeros past the end of file.
   */
  readBlocks(block: number, count: number, target: Uint8Array, offset = 0): void {
    const length = count * SWAP_BLOCK_SIZE;
    const done = this.file.read(target.subarray(offset, offset + length), block * SWAP_BLOCK_SIZE);
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
    this.file.close();
  }
}
