/**
 * openImage - Open an image file read-only and recognise its format: a thaw image (magic "THAWIMG" at byte 0) or a
 * Linux swap area holding a hibernation image (a swap signature at byte 4086 of the header block, kernel/power/swap.c:
 * swsusp_check()). Compressed copies of a device (`.gz`, `.zst`, as the fixtures come) are unpacked to a temporary file
 * first.
 */
import { closeSync, constants, openSync, readSync, statSync } from "node:fs";
import { ioError, ResumeError } from "../errors.js";
import { checkMaxMemory, checkOptions } from "../options.js";
import type { HighmemOption } from "./linux/highmem.js";
import { LinuxSwapSource } from "./linux/linuxImage.js";
import { looksLikeSwapArea } from "./linux/swapHeader.js";
import type { ImageSource } from "./source.js";
import { isThawImage, ThawImageSource } from "./thaw/thawImage.js";
import { type Unpacked, unpackWrapped, wrapperOf } from "./wrapper.js";

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
  /**
   * Refuse an image whose machine needs more than this many bytes (a number or a size such as "256MiB"), before the
   * work its PFN metadata would cause.
   */
  maxMemory?: number | string;
  /** Linux images: resume one whose SF_HW_SIG firmware signature does not match (thaw models no firmware). */
  ignoreHwSig?: boolean;
  /**
   * `.gz`/`.zst` images: most bytes the wrapper may unpack to (default MAX_UNPACKED_BYTES; never more than its header
   * states).
   */
  maxUnpacked?: number;
}

/** readAt - Up to @length bytes at @position of @path (checked a regular file; opened without blocking). */
function readAt(path: string, position: number, length: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw ioError("open", path, error);
  }
  try {
    const buffer = Buffer.alloc(length);
    return buffer.subarray(0, readSync(fd, buffer, 0, length, position));
  } finally {
    closeSync(fd);
  }
}

/**
 * checkImageFile - Refuse @path before it is opened for reading unless it is a regular file (a directory, a FIFO that
 * would block with no writer, a device, a socket), or when it cannot be found.
 * @throws ResumeError (open) with the errno's name: ENOENT, EACCES, EISDIR, or ENXIO for any other special file.
 */
export function checkImageFile(path: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (error) {
    throw ioError("open", path, error);
  }
  if (st.isFile()) return;
  const what = st.isDirectory()
    ? "a directory"
    : st.isFIFO()
      ? "a FIFO"
      : st.isCharacterDevice()
        ? "a character device"
        : st.isBlockDevice()
          ? "a block device (copy it to a file first, e.g. with dd)"
          : st.isSocket()
            ? "a socket"
            : "not a regular file";
  throw new ResumeError(
    "open",
    st.isDirectory() ? "EISDIR" : "ENXIO",
    `${path} is ${what}: thaw reads images from regular files`,
    { kind: "field", name: "path", value: path },
  );
}

/**
 * openImage - The ImageSource for the image at @path.
 * @throws ResumeError (checkHeader) when the file is not an image thaw can read, naming what it found.
 */
export async function openImage(path: string, given: OpenImageOptions = {}): Promise<ImageSource> {
  const options = checkOptions(given, "openImage");
  checkImageFile(path);
  const file: Unpacked | { path: string; cleanup?: undefined } = wrapperOf(path)
    ? await unpackWrapped(path, options.offset ?? 0, options.maxUnpacked)
    : { path };
  try {
    const first = readAt(file.path, 0, 4096);
    let source: ImageSource;
    if (isThawImage(first)) source = new ThawImageSource(file.path);
    else if (looksLikeSwapArea(readAt(file.path, (options.offset ?? 0) * 4096, 4096)))
      source = await LinuxSwapSource.open(file.path, {
        ...options,
        maxMemory: options.maxMemory === undefined ? undefined : checkMaxMemory(options.maxMemory),
      });
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
