import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { LZ4_E_OUTPUT_OVERRUN, LZO_E_OUTPUT_OVERRUN, UNC_SIZE } from "../../assembly/portable/compress.js";
import { packageRoot } from "../../src/engine/load.js";
import { createDecompressBench, type DecompressBench } from "./harness.js";
import { fixtureImagePath, type KernelStream, kernelCrc32, kernelStream, loadSwapImage } from "./kernelStream.js";

const root = packageRoot();
const PAGE = 4096;

interface Case {
  name: string;
  algo: "lzo" | "lz4";
  /** Where the image is: committed (tiny cases) or only in the shared fixtures (large ones). */
  image: string | undefined;
  truth: string;
}

const committed = (name: string): Case => ({
  name,
  algo: name.endsWith("lzo") ? "lzo" : "lz4",
  image: join(root, "test/fixtures/linux-6.12", name, "swap.img.gz"),
  truth: join(root, "test/fixtures/linux-6.12", name, "truth.json"),
});
const shared = (kernel: string, name: string): Case => {
  const dir = join(root, "../shared/fixtures", kernel, name);
  return {
    name: `${kernel}/${name}`,
    algo: name.endsWith("lzo") ? "lzo" : "lz4",
    image: fixtureImagePath(join(dir, "swap.img.gz"), join(dir, "swap.img.zst")),
    truth: join(dir, "truth.json"),
  };
};

const cases: Case[] = [
  committed("e-tiny-lzo"),
  committed("f-tiny-lz4"),
  shared("linux-6.1", "b-lzo"),
  shared("linux-6.12", "c-lz4"),
];

describe.each(cases)("kernel-written image $name", (c) => {
  let bench: DecompressBench;
  let stream: KernelStream;
  let truth: Record<string, unknown>;

  beforeAll(async () => {
    if (!c.image) return;
    bench = await createDecompressBench();
    stream = kernelStream(loadSwapImage(c.image));
    truth = JSON.parse(readFileSync(c.truth, "utf8")) as Record<string, unknown>;
  });

  it.skipIf(!c.image)("decompresses every chunk to the stream whose sha256 and CRC32 the truth records", () => {
    expect(stream.algo).toBe(c.algo);
    const sha = createHash("sha256");
    let crc = 0;
    let pages = 0;
    for (const chunk of stream.chunks) {
      const r = bench.run(c.algo, chunk.data, UNC_SIZE);
      if (r.ret < 0) throw new Error(`chunk at entry ${chunk.entry}: ${r.ret} at input byte ${r.inPos}`);
      expect(r.ret % PAGE, `chunk at entry ${chunk.entry}`).toBe(0);
      expect(r.ret).toBeGreaterThan(0);
      sha.update(r.output);
      crc = kernelCrc32(crc, r.output);
      pages += r.ret / PAGE;
    }
    const info = truth.swsusp_info as { pages: number };
    expect(pages).toBe(info.pages - 1);
    expect(sha.digest("hex")).toBe(truth["sha256_uncompressed_stream (meta+data pages)"]);
    expect(crc).toBe(stream.crc32);
  });

  it.skipIf(!c.image)("decodes each chunk into a buffer of exactly its size, and fails one byte short", () => {
    const overrun = c.algo === "lzo" ? LZO_E_OUTPUT_OVERRUN : LZ4_E_OUTPUT_OVERRUN;
    const step = Math.max(1, Math.floor(stream.chunks.length / 40));
    for (let i = 0; i < stream.chunks.length; i += step) {
      const chunk = stream.chunks[i]!;
      const full = bench.run(c.algo, chunk.data, UNC_SIZE, 0xa5);
      const exact = bench.run(c.algo, chunk.data, full.ret, 0x5a);
      expect(exact.ret).toBe(full.ret);
      expect(Buffer.from(exact.output).equals(Buffer.from(full.output))).toBe(true);
      const short = bench.run(c.algo, chunk.data, full.ret - 1);
      expect(short.ret).toBe(overrun);
      expect(short.outPos).toBeLessThanOrEqual(full.ret - 1);
    }
  });
});

const missing = cases.filter((c) => !c.image).map((c) => c.name);
if (missing.length > 0)
  console.warn(`kernel image fixtures absent, their tests skipped: ${missing.join(", ")} (../shared/fixtures)`);
