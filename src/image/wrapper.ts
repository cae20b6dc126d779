/**
 * Compressed copies of a device (`.gz`, `.zst`, as the fixtures come): unpacked as a stream into a temporary file that
 * is removed on every exit path (trackTemp: release, process exit, SIGINT, SIGTERM, SIGHUP), never whole in memory.
 * Runs of zero blocks become holes (a sparse file), so a stream of zeros costs no disk. The unpacked size is bounded
 * before it is written: by the header the stream starts with (a swap header's last_page at block resume_offset, or a
 * thaw header's page count), and by MAX_UNPACKED_BYTES or the caller's limit. A stream that starts with neither header
 * is unpacked only as far as the headers, so that openImage() refuses it by what it found. A wrapper that does not
 * decode is a ResumeError of phase "open" (EBADMSG), one that unpacks to more than its bound EFBIG.
 */
import { closeSync, createReadStream, ftruncateSync, mkdtempSync, openSync, readSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import * as L from "../../assembly/portable/layout.js";
import { ResumeError } from "../errors.js";
import { trackTemp } from "../util/tempFiles.js";
import { formatBytes } from "../util/units.js";
import { looksLikeSwapArea } from "./linux/swapHeader.js";
import { isThawImage } from "./thaw/thawImage.js";

/** Most bytes a wrapped image unpacks to unless the caller allows more: a 64 GiB device copy. */
export const MAX_UNPACKED_BYTES = 64 * 2 ** 30;

const BLOCK = 4096;
/** Byte of a swap header's last_page (struct swap_header.info.last_page). */
const SWAP_LAST_PAGE = 1024 + 4;

/** Wrappers thaw unpacks, by file name. */
export function wrapperOf(path: string): "gz" | "zst" | undefined {
  const m = /\.(gz|zst)$/.exec(path);
  return m ? (m[1] as "gz" | "zst") : undefined;
}

/** An unpacked image: its path, and the function that removes it. */
export interface Unpacked {
  path: string;
  cleanup: () => void;
}

/** statedSize - The bytes the headers in @head (the first blocks, up to block @offset) say the device holds. */
function statedSize(head: Buffer, offset: number): number | undefined {
  const first = head.subarray(0, BLOCK);
  if (isThawImage(first) && first.length >= L.HDR_BLOCK_SIZE) {
    const pages = first.readBigUInt64LE(L.HDR_PAGES);
    const pageSize = first.readUInt32LE(L.HDR_PAGE_SIZE);
    return L.HDR_BLOCK_SIZE + Number(pages) * pageSize;
  }
  const swap = head.subarray(offset * BLOCK, (offset + 1) * BLOCK);
  if (looksLikeSwapArea(swap)) return (offset + swap.readUInt32LE(SWAP_LAST_PAGE) + 1) * BLOCK;
  return undefined;
}

/** Thrown by the sink to end the pipeline once it has all it needs of a stream with no image header. */
const STOP = new Error("no image header: unpacked as far as the headers");

/**
 * SparseSink - Writes what it is given at increasing offsets, skipping all-zero blocks, and refuses to grow past its
 * bound: the limit until the headers are in, then the size they state (or only the headers, for a stream that has
 * none).
 */
class SparseSink {
  written = 0;
  private head: Buffer[] = [];
  private headBytes = 0;
  private bound: number;
  private decided = false;
  /** Set when the stream holds no image header: unpacking stopped after the headers. */
  stoppedEarly = false;

  constructor(
    private readonly fd: number,
    private readonly source: string,
    private readonly offset: number,
    private readonly limit: number,
  ) {
    this.bound = limit;
  }

  /** take - Write @chunk, the next bytes of the stream. @throws STOP, or ResumeError (EFBIG) past the bound. */
  take(chunk: Buffer): void {
    if (!this.decided) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      const need = (this.offset + 1) * BLOCK;
      if (this.headBytes < need) return;
      const head = Buffer.concat(this.head);
      this.head = [];
      this.decided = true;
      const stated = statedSize(head, this.offset);
      if (stated === undefined) {
        this.bound = need;
        this.stoppedEarly = true;
        this.put(head.subarray(0, need));
        throw STOP;
      }
      this.bound = Math.min(this.limit, stated);
      if (stated > this.limit) throw this.tooLarge(stated, "its header states");
      this.put(head);
      return;
    }
    this.put(chunk);
  }

  /** finish - The stream ended: write what is held back and give the file its length (holes at the end included). */
  finish(): void {
    if (!this.decided) this.put(Buffer.concat(this.head));
    ftruncateSync(this.fd, this.written);
  }

  /** writable - This sink as a Writable, for a pipeline. */
  writable(): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        try {
          this.take(chunk);
          done();
        } catch (error) {
          done(error as Error);
        }
      },
      final: (done) => {
        try {
          this.finish();
          done();
        } catch (error) {
          done(error as Error);
        }
      },
    });
  }

  private tooLarge(bytes: number, what: string): ResumeError {
    return new ResumeError(
      "open",
      "EFBIG",
      `${this.source}: ${what} ${formatBytes(bytes)} unpacked, more than the ${formatBytes(this.bound)} allowed (the size its header states, at most ${formatBytes(this.limit)})`,
      { kind: "bytes", value: bytes, limit: this.bound },
    );
  }

  private put(bytes: Buffer): void {
    if (this.written + bytes.length > this.bound) {
      if (this.stoppedEarly) bytes = bytes.subarray(0, this.bound - this.written);
      else throw this.tooLarge(this.written + bytes.length, "it unpacks to at least");
    }
    for (let at = 0; at < bytes.length; ) {
      const position = this.written + at;
      const end = Math.min(bytes.length, at + BLOCK - (position % BLOCK));
      const piece = bytes.subarray(at, end);
      if (!isZero(piece)) {
        for (let done = 0; done < piece.length; ) {
          done += writeSync(this.fd, piece, done, piece.length - done, position + done);
        }
      }
      at = end;
    }
    this.written += bytes.length;
  }
}

function isZero(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * unzstd - Decode the zstd file at @path into @sink: fzstd's streaming decoder hands each block (at most 128 KiB) to
 * the sink as it is decoded, synchronously, so a block that breaks the bound stops the decoder at once — no decoded
 * bytes queue up in memory.
 */
async function unzstd(path: string, sink: SparseSink): Promise<void> {
  const { Decompress } = await import("fzstd");
  const decoder = new Decompress((block) => sink.take(Buffer.from(block.buffer, block.byteOffset, block.byteLength)));
  const fd = openSync(path, "r");
  try {
    for (;;) {
      const input = Buffer.alloc(1 << 16);
      const n = readSync(fd, input, 0, input.length, null);
      decoder.push(input.subarray(0, n), n === 0);
      if (n === 0) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    closeSync(fd);
  }
  sink.finish();
}

/**
 * unpackWrapped - Unpack the `.gz` or `.zst` at @path into a temporary file, at most @limit bytes (and no more than
 * its header states); @offset is resume_offset, the block of a swap file's header.
 * @throws ResumeError (open): EBADMSG for a wrapper that does not decode or ends early, EFBIG for one that unpacks to
 * more than its bound.
 */
export async function unpackWrapped(path: string, offset = 0, limit = MAX_UNPACKED_BYTES): Promise<Unpacked> {
  const kind = wrapperOf(path);
  const dir = mkdtempSync(join(tmpdir(), "thaw-image-"));
  const release = trackTemp(dir);
  const out = join(dir, basename(path).replace(/\.(gz|zst)$/, ""));
  let fd: number | undefined = openSync(out, "wx", 0o600);
  const sink = new SparseSink(fd, path, offset, limit);
  try {
    const unpack =
      kind === "gz"
        ? pipeline(
            createReadStream(path, { highWaterMark: 1 << 20 }),
            createGunzip({ chunkSize: 1 << 16 }),
            sink.writable(),
          )
        : unzstd(path, sink);
    await unpack.catch((error: unknown) => {
      if (error instanceof ResumeError) throw error;
      if (error === STOP) return ftruncateSync(fd!, sink.written);
      const message = (error as Error)?.message ?? String(error);
      const truncated = /unexpected end|end of file|unexpected EOF/i.test(message);
      throw new ResumeError(
        "open",
        "EBADMSG",
        `${path}: ${truncated ? `the ${kind === "gz" ? "gzip" : "zstd"} stream ends early (a truncated file)` : `not a valid ${kind === "gz" ? "gzip" : "zstd"} stream (${message})`}`,
        { kind: "bytes", value: sink.written },
        error,
      );
    });
    closeSync(fd);
    fd = undefined;
    return { path: out, cleanup: () => release() };
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    release();
    throw error;
  }
}
