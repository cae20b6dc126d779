/**
 * The compressors the fuzzer writes Linux images with: the npm packages `lzo` (liblzo2's lzo1x_1_compress, what the
 * kernel's "lzo" crypto driver runs) and `lz4` (the reference block encoder). They are development dependencies, so
 * they are loaded when a campaign starts, not when thaw is imported.
 */
import type { Compressors } from "./linuxWriter.js";

interface LzoModule {
  compress(input: Buffer): Buffer;
}
interface Lz4Module {
  encodeBound(length: number): number;
  encodeBlock(input: Buffer, output: Buffer): number;
}

let loaded: Promise<Compressors> | undefined;

/**
 * literalLz4 - @input as one LZ4 block of literals only (valid for any input; what a block encoder falls back to
 * when it finds no match).
 */
export function literalLz4(input: Uint8Array): Uint8Array {
  const n = input.length;
  const out: number[] = [];
  out.push((Math.min(n, 15) << 4) & 0xff);
  if (n >= 15) {
    let left = n - 15;
    while (left >= 255) {
      out.push(255);
      left -= 255;
    }
    out.push(left);
  }
  const block = new Uint8Array(out.length + n);
  block.set(out, 0);
  block.set(input, out.length);
  return block;
}

/**
 * loadCompressors - The LZO1X and LZ4 block compressors.
 * @throws Error when the development dependencies `lzo` and `lz4` are not installed.
 */
export function loadCompressors(): Promise<Compressors> {
  loaded ??= (async () => {
    const names = ["lzo", "lz4"];
    try {
      const [lzoModule, lz4Module] = (await Promise.all(names.map((name) => import(name)))) as [
        { default: LzoModule },
        { default: Lz4Module },
      ];
      const lzo = lzoModule.default;
      const lz4 = lz4Module.default;
      return {
        lzo: (input) => new Uint8Array(lzo.compress(Buffer.from(input.buffer, input.byteOffset, input.byteLength))),
        lz4: (input) => {
          const output = Buffer.alloc(lz4.encodeBound(input.length));
          const n = lz4.encodeBlock(Buffer.from(input.buffer, input.byteOffset, input.byteLength), output);
          return n > 0 ? new Uint8Array(output.subarray(0, n)) : literalLz4(input);
        },
      };
    } catch (error) {
      throw new Error(
        `the fuzzer writes LZO and LZ4 images with the npm packages "lzo" and "lz4" (development dependencies; run npm ci): ${(error as Error).message}`,
      );
    }
  })();
  return loaded;
}
