/**
 * Writing Linux swap areas for tests: fuzz/linuxWriter.ts with the compressors of the npm packages that wrap
 * liblzo2 (`lzo`) and the reference LZ4 block encoder (`lz4`) — never thaw's own decoders' twins.
 */
import { writeFileSync } from "node:fs";
import lz4 from "lz4";
import lzo from "lzo";
import { type Compressors, type LinuxImageSpec, writeLinuxImage as layOut } from "../../fuzz/linuxWriter.js";

export type { LinuxImageSpec };

/** The reference compressors. */
export const COMPRESSORS: Compressors = {
  lzo: (input) => lzo.compress(Buffer.from(input.buffer, input.byteOffset, input.byteLength)),
  lz4: (input) => {
    const out = Buffer.alloc(lz4.encodeBound(input.length));
    const n = lz4.encodeBlock(Buffer.from(input.buffer, input.byteOffset, input.byteLength), out);
    return out.subarray(0, n);
  },
};

/** writeLinuxImage - Write the swap area described by @spec to @path; returns its layout (stream CRC, blocks…). */
export function writeLinuxImage(path: string, spec: LinuxImageSpec) {
  const { device, layout } = layOut(spec, COMPRESSORS);
  writeFileSync(path, device);
  return layout;
}
