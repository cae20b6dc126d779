// Types for the two compressors the tests use to write images (they ship none).

declare module "lzo" {
  /** lzo1x_1_compress of @input (raw LZO1X, no framing). */
  export function compress(input: Buffer): Buffer;
  /** lzo1x_decompress_safe of @input into at most @length bytes. */
  export function decompress(input: Buffer, length: number): Buffer;
  const lzo: { compress: typeof compress; decompress: typeof decompress };
  export default lzo;
}

declare module "lz4" {
  /** Worst-case size of a raw LZ4 block for @length input bytes. */
  export function encodeBound(length: number): number;
  /** Compress @input into @output as one raw LZ4 block; returns the block's size (0 if incompressible). */
  export function encodeBlock(input: Buffer, output: Buffer): number;
  /** Decompress one raw LZ4 block; returns the bytes written (negative on error). */
  export function decodeBlock(input: Buffer, output: Buffer): number;
  const lz4: { encodeBound: typeof encodeBound; encodeBlock: typeof encodeBlock; decodeBlock: typeof decodeBlock };
  export default lz4;
}
