/**
 * openImage - Open an image file read-only and recognise its format.
 */
import { ThawImageSource } from "./thawImage.js";
import type { ImageSource } from "./source.js";

/**
 * openImage - The ImageSource for the image at @path.
 * @throws ResumeError (checkHeader) when the file is not an image thaw can read, naming what it found.
 */
export function openImage(path: string): ImageSource {
  return new ThawImageSource(path);
}
