/**
 * openImage - Open an image file read-only and recognise its format: a thaw image (magic "THAWIMG" at byte 0) or a
 * Linux swap area holding a hibernation image (a swap signature at byte 4086 of the header block, kernel/power/swap.c:
 * swsusp_check()). Compressed copies of a device (`.gz`, `.zst`, as the fixtures come) are unpacked to a temporary file
 * first.
 */
import {
  closeSync,
  createReadStream,
  createWriteStream,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { ResumeError } from "../errors.js";
import type { HighmemOption } from "./linux/highmem.js";
import { LinuxSwapSource } from "./linux/linuxImage.js";
import { looksLikeSwapArea } from "./linux/swapHeader.js";
import type { ImageSource } from "./source.js";
import { isThawImage, ThawImageSource } from "./thaw/thawImage.js";

/** Options of opening an image. */
export interface OpenImageOptions {
  /** For swap files: resume_offset, the block (4 KiB page) of the swap header within the device. */
  offset?: number;
  /** Decompression workers for compressed Linux images (0: on the calling thread; default as the kernel). */
  workers?: number;
  /**
   * Linux images: where HighMem starts in the machine the image came from — bytes (880MiB, 0x375fe000: the
   * "low ram: 0 - X" line of the writing kernel's boot log), "pfn:N", or false / "none". The image does not say;
   * default: none for x86_64, thaw's estimate for i386 (with a warning). A thaw image's header gives its own.
   */
  highmem?: HighmemOption;
  /** Refuse an image whose machine needs more than this many bytes, before the work its PFN metadata would cause. */
  maxMemory?: number;
  /** Linux images: resume one whose SF_HW_SIG firmware signature does not match (thaw models no firmware). */
  ignoreHwSig?: boolean;
}

function readAt(path: string, position: number, length: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    const n = readSync(fd, buffer, 0, length, position);
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

async function unpacked(path: string): Promise<{ path: string; cleanup?: () => void }> {
  if (!/\.(gz|zst)$/.test(path)) return { path };
  const dir = mkdtempSync(join(tmpdir(), "thaw-image-"));
  const out = join(dir, basename(path).replace(/\.(gz|zst)$/, ""));
  if (path.endsWith(".gz")) await pipeline(createReadStream(path), createGunzip(), createWriteStream(out));
  else {
    const { decompress } = await import("fzstd");
    writeFileSync(out, decompress(readFileSync(path)));
  }
  return { path: out, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * openImage - The ImageSource for the image at @path.
 * @throws ResumeError (checkHeader) when the file is not an image thaw can read, naming what it found.
 */
export async function openImage(path: string, options: OpenImageOptions = {}): Promise<ImageSource> {
  const file = await unpacked(path);
  try {
    const first = readAt(file.path, 0, 4096);
    let source: ImageSource;
    if (isThawImage(first)) source = new ThawImageSource(file.path);
    else if (looksLikeSwapArea(readAt(file.path, (options.offset ?? 0) * 4096, 4096)))
      source = await LinuxSwapSource.open(file.path, options);
    else {
      const magic = first
        .subarray(0, 8)
        .toString("latin1")
        .replace(/[^\x20-\x7e]/g, ".");
      throw new ResumeError(
        "checkHeader",
        "EINVAL",
        `${path} is neither a thaw image (magic "THAWIMG", found "${magic}") nor a swap area (no swap signature at byte ${(options.offset ?? 0) * 4096 + 4086})`,
        { kind: "field", name: "magic", value: magic },
      );
    }
    if (file.cleanup) {
      const close = source.close.bind(source);
      source.close = () => {
        close();
        file.cleanup!();
      };
    }
    return source;
  } catch (error) {
    file.cleanup?.();
    throw error;
  }
}
