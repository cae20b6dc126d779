/**
 * An image as the resume phases see it: the kernel's snapshot stream (kernel/power/snapshot.c: snapshot_read_next())
 * behind a read-only source.
 *
 * Stream page 0 is the header (already parsed into these fields); stream pages 1 … metaPages are the PFN metadata
 * pages; then imagePages data pages. A source hands the stream out sequentially, a batch of whole pages at a time,
 * straight into the caller's memory (a view of the engine's staging region): swap_read_page()'s role in swap.c. A
 * compressed format decompresses behind the same interface. The phases compute the CRC over what they receive.
 */
import type { MachineOptions } from "../machine/config.js";
import type { PfnEntryBytes } from "./pfnEntry.js";

/** Formats thaw reads. */
export type ImageFormat = "thaw" | "linux-swap" | "drawn";

/** Where a stream stored uncompressed lies in its file: stream pages 1, 2, … in (offset, bytes) extents. */
export interface FileExtents {
  path: string;
  /** Pairs of file offset and length in bytes, in stream order. */
  extents: Float64Array;
  /** Reads past the end of the file give zeros (a trimmed copy of a device), rather than a short stream. */
  zeroFill: boolean;
}

/** A sequential reader of stream pages, starting at stream page 1. */
export interface StreamReader {
  /**
   * read - Fill @target with the next whole pages of the stream (at most target.length / pageSize).
   * Returns the number of pages delivered; fewer than asked means the stream ended early (a truncated image).
   * @throws ResumeError for a corrupt stream (e.g. a bad compressed chunk), naming the phase and offending value.
   */
  read(target: Uint8Array): number;
  /** Stream pages delivered so far. */
  readonly position: number;
  /**
   * crc32_le of the stream delivered so far, when the reader computes it itself (the compressed reader does, on its
   * worker threads); otherwise undefined and the caller checksums what it receives.
   */
  readonly crc32?: number;
}

/** An opened image. */
export interface ImageSource {
  readonly format: ImageFormat;
  readonly path: string;
  readonly pageSize: number;
  /** Present frames (outside holes) of the machine the image was taken on (num_physpages). */
  readonly numPhyspages: number;
  /** Data pages in the stream (image_pages, nr_copy_pages). */
  readonly imagePages: number;
  /** PFN metadata pages: pages - image_pages - 1. */
  readonly metaPages: number;
  /** Bytes of one stored PFN entry: the word size of the kernel that wrote the image (pfnEntry.ts). */
  readonly pfnEntryBytes: PfnEntryBytes;
  /** Stream pages including the header. */
  readonly pages: number;
  /** The CRC32 (crc32_le, kernel/power/swap.c: crc32_threadfn()) the image carries over its stream after the header, if
   * any. */
  readonly crc32: number | undefined;
  /** The header's fields by name, for `thaw inspect`. */
  readonly headerFields: Record<string, unknown>;
  /** What a reader of the image should know that is not an error (e.g. pages read past the end of a device copy). */
  warnings?(): string[];
  /** Format-specific top-level fields of `thaw inspect` (signature, flags, compression…), after a full read. */
  summaryFields?(): Record<string, unknown>;
  /** The machine the image came from, as far as the image tells: PFN span, zones, holes, nosave regions. */
  readonly machine: Pick<MachineOptions, "frames" | "zones" | "holes" | "nosave">;
  /**
   * check - Structural checks that need no machine: the image holds as many bytes as its header says, and so on.
   * @throws ResumeError (checkHeader).
   */
  check(): void;
  /**
   * fileExtents - Where the stream lies in the file, for a source stored uncompressed, so that a read-ahead thread can
   * read it by itself; undefined when the stream must be decoded (compressed images).
   */
  fileExtents?(): FileExtents | undefined;
  /** stream - A new reader at stream page 1 (verification reads the stream a second time). */
  stream(): StreamReader;
  /**
   * checkUnchanged - The file is still the one opened: same size, mtime, device and inode (ReadOnlyFile).
   * @throws ImageFormatError (ESTALE) naming what changed.
   */
  checkUnchanged?(): void;
  /** close - Release the file; idempotent. The image is never written. */
  close(): void;
}
