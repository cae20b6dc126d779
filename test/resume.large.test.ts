/**
 * Machines above what wasm32 holds: a Linux image of a 12 GiB machine (PFNs above 4 GiB, a hole below) restores
 * through a contents store, every page verified, with linear memory and RSS that follow the image, not the machine.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeEntry } from "../src/image/pfnEntry.js";
import { ResumeSession } from "../src/resume.js";
import { writeLinuxImage } from "./helpers/linuxImages.js";
import { tempDir } from "./helpers/tmp.js";

const dir = tempDir("thaw-large-");
const GIB = 2 ** 30 / 4096;

/** page - A data page that says which PFN it belongs to, so that a page in the wrong frame shows. */
function page(pfn: number): Uint8Array {
  const bytes = new Uint8Array(4096);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4096; i += 8) view.setBigUint64(i, BigInt(pfn) * 0x9e3779b97f4a7c15n + BigInt(i), true);
  return bytes;
}

describe("a 12 GiB machine", () => {
  it.each(["none", "lzo", "lz4"] as const)(
    "restores a %s image whose PFNs lie above 4 GiB through a contents store, every page where the atomic copy leaves it",
    async (compression) => {
      const pfns = [
        ...Array.from({ length: 300 }, (_, i) => 256 + i),
        ...Array.from({ length: 1200 }, (_, i) => 4 * GIB + 17 + 3 * i),
        ...Array.from({ length: 500 }, (_, i) => 11 * GIB + 5000 + i),
      ];
      const zero = new Set(pfns.filter((_, i) => i % 9 === 4));
      const entries = pfns.map((pfn) => encodeEntry(pfn, zero.has(pfn)));
      const data = pfns.filter((pfn) => !zero.has(pfn)).map(page);
      const path = join(dir, `12gib-${compression}.img`);
      writeLinuxImage(path, { compression, numPhyspages: 12 * GIB - GIB, entries, data });
      const session = await ResumeSession.open(path, { storeDir: dir, workers: 0 });
      try {
        const result = session.run();
        expect(result.contents).toBe("store");
        expect(result.counts.imagePages).toBe(pfns.length);
        expect(result.verify?.mismatches).toEqual([]);
        expect(result.verify?.chains?.violations).toEqual([]);
        expect(result.verify?.pages).toBe(pfns.length);
        expect(session.machine.spec.frames).toBeGreaterThan(2 ** 20);
        expect(session.machine.memory.buffer.byteLength).toBeLessThan(256 * 2 ** 20);
        const frame = new Uint8Array(4096);
        for (const pfn of [256, 4 * GIB + 17, 4 * GIB + 17 + 3 * 1199, 11 * GIB + 5499]) {
          expect(session.readFrame(pfn, frame)).toBe(true);
          expect(Buffer.from(frame).equals(Buffer.from(zero.has(pfn) ? new Uint8Array(4096) : page(pfn)))).toBe(true);
        }
      } finally {
        session.close();
      }
    },
  );

  it("is refused in frame memory, which wasm32 cannot hold, and fits a contents store", async () => {
    const path = join(dir, "12gib-none.img");
    await expect(ResumeSession.open(path, { contents: "memory" })).rejects.toMatchObject({
      phase: "checkHeader",
      code: "ENOMEM",
    });
  });
});
