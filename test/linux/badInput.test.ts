/**
 * Broken Linux images (kernel/power/swap.c): each one fails with a clear error naming the phase and the offending
 * value, the machine loses nothing, and the device file is never written.
 */

import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inspectImage } from "../../src/inspect.js";
import { ResumeSession } from "../../src/resume.js";
import { pageOf, ZERO } from "../helpers/images.js";
import { type LinuxImageSpec, openFails, resumeFails, writeLinuxImage } from "../helpers/linuxImages.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
let n = 0;

function spec(compression: LinuxImageSpec["compression"], more: Partial<LinuxImageSpec> = {}): LinuxImageSpec {
  const entries: bigint[] = [];
  const data: Uint8Array[] = [];
  for (let pfn = 300; pfn < 460; pfn++) {
    if (pfn % 17 === 0) entries.push(BigInt(pfn) | ZERO);
    else {
      entries.push(BigInt(pfn));
      data.push(pageOf(4096, pfn));
    }
  }
  return { compression, numPhyspages: 1024, entries, data, ...more };
}

function write(s: LinuxImageSpec): string {
  const path = join(dir, `linux-${n++}.img`);
  writeLinuxImage(path, s);
  return path;
}

const random = (pages: number) => Array.from({ length: pages }, () => new Uint8Array(randomBytes(4096)));

describe.each(["none", "lzo", "lz4"] as const)("a %s Linux image written by the test writer", (compression) => {
  it("round-trips: inspect reads it, resume restores every page", async () => {
    const s = spec(compression);
    const path = write(s);
    const report = await inspectImage(path);
    expect(report).toMatchObject({
      format: "linux-swap",
      imagePages: s.data.length,
      dataPages: s.data.length,
      pfns: { count: s.entries.length, min: 300, max: 459 },
    });
    expect(report.crc.ok).toBe(compression === "none" ? null : true);
    const result = (await ResumeSession.open(path)).run();
    expect(result.verify).toMatchObject({ pages: s.entries.length, mismatches: [], untouchedMismatches: [] });
  });
});

describe("broken Linux images", () => {
  it("a plain swap area: no hibernation image", async () => {
    await openFails(
      write(spec("none", { signature: "SWAPSPACE2" })),
      "checkHeader",
      "EINVAL",
      /swap area with no hibernation image \(signature SWAPSPACE2\)/,
    );
  });

  it("a userspace (uswsusp) image is named and refused", async () => {
    await openFails(
      write(spec("none", { signature: "ULSUSPEND\0" })),
      "checkHeader",
      "EINVAL",
      /ULSUSPEND \(userspace suspend image/,
    );
  });

  it("the 2.6.37-era LINHIB0001 signature is read like S1SUSPEND", async () => {
    const report = await inspectImage(write(spec("lzo", { signature: "LINHIB0001" })));
    expect(report).toMatchObject({ signature: "LINHIB0001", crc: { ok: true } });
  });

  it("cmp_len 0 in the chunk holding the PFN pages: refused while modelling the machine", async () => {
    await resumeFails(
      write(spec("lzo", { chunk: (i, c) => (i === 0 ? { ...c, cmpLen: 0 } : c) })),
      "checkHeader",
      "EINVAL",
      /chunk 0 \(map entry 1\): cmp_len 0 is outside 1…139333/,
    );
  });

  it("cmp_len 0 in a data chunk", async () => {
    await resumeFails(
      write(spec("lzo", { chunk: (i, c) => (i === 3 ? { ...c, cmpLen: 0 } : c) })),
      "loadImage",
      "EINVAL",
      /chunk 3 \(map entry \d+\): cmp_len 0 is outside/,
    );
  });

  it("cmp_len beyond bytes_worst_compress(UNC_SIZE)", async () => {
    await resumeFails(
      write(spec("lz4", { chunk: (i, c) => (i === 1 ? { ...c, cmpLen: 139334 } : c) })),
      "loadImage",
      "EINVAL",
      /chunk 1 .*cmp_len 139334 is outside/,
    );
  });

  it("a chunk that decompresses to a size that is not whole pages (unc_len)", async () => {
    await resumeFails(
      write(spec("lzo", { chunkBytes: 32 * 4096 - 100 })),
      "checkHeader",
      "EINVAL",
      /decompresses to 130972 bytes, not 1…32 whole pages/,
    );
  });

  it("a truncated chunk: the map ends inside it", async () => {
    const s = spec("lz4");
    s.data = random(s.data.length);
    await resumeFails(
      write({ ...s, mapEntries: (e) => e.slice(0, e.length - 3) }),
      "loadImage",
      "ENODATA",
      /needs \d+ map entries, only \d+ are left \(truncated chunk\)/,
    );
  });

  it("garbage in a compressed chunk", async () => {
    await resumeFails(
      write(
        spec("lzo", {
          chunk: (i, c) => (i === 1 ? { ...c, bytes: c.bytes.map((b, j) => (j > 10 ? b ^ 0x5a : b)) } : c),
        }),
      ),
      "loadImage",
      "EINVAL",
      /LZO chunk 1 \(map entry \d+\): .* at byte \d+ of \d+/,
    );
  });

  it("a swap map that loops", async () => {
    const many = spec("none");
    many.entries = Array.from({ length: 1100 }, (_, i) => BigInt(i + 100));
    many.data = many.entries.map((_, i) => pageOf(4096, i));
    many.numPhyspages = 2048;
    const loop = {
      ...many,
      mapNext: (index: number, next: number, blocks: number[]) => (index === blocks.length - 2 ? blocks[0]! : next),
    };
    await openFails(write(loop), "checkHeader", "EINVAL", /the swap map loops: map page 2 points back to block 1/);
  });

  it("a map entry beyond the device", async () => {
    await openFails(
      write(spec("none", { mapEntries: (e) => e.map((b, i) => (i === 5 ? 99999 : b)) })),
      "checkHeader",
      "EINVAL",
      /swap map entry 5 points to block 99999, beyond the device's \d+ blocks/,
    );
  });

  it("pages smaller than the metadata pages need", async () => {
    const s = spec("none");
    await openFails(
      write({ ...s, info: { pages: s.data.length + 1 } }),
      "checkHeader",
      "EINVAL",
      /swsusp_info.pages \(\d+\) leaves 0 PFN metadata pages beside \d+ image pages/,
    );
  });

  it("a PFN far beyond num_physpages", async () => {
    const s = spec("lz4");
    s.entries[3] = BigInt(1024 + 2 ** 20 + 5);
    await resumeFails(
      write(s),
      "checkHeader",
      "EFAULT",
      /PFN 1049605 \(entry 3\) lies beyond num_physpages \(1024\) plus the largest hole/,
    );
  });

  it("a stored CRC32 that does not match the stream", async () => {
    await resumeFails(
      write(spec("lzo", { crc32: 0xdeadbeef })),
      "loadImage",
      "ENODATA",
      /CRC32 mismatch: the header says deadbeef/,
    );
  });

  it("a map shorter than the stream (uncompressed)", async () => {
    await resumeFails(
      write(spec("none", { mapEntries: (e) => e.slice(0, 50) })),
      "checkHeader",
      "ENODATA",
      /the swap map lists 50 pages, the image has \d+ \(it is truncated\)/,
    );
  });

  it("a swap file: the header is found at --offset", async () => {
    const path = write(spec("lz4", { offset: 7 }));
    await openFails(path, "checkHeader", "EINVAL", /neither a thaw image .* nor a swap area/);
    const report = await inspectImage(path, { offset: 7 });
    expect(report).toMatchObject({ format: "linux-swap", crc: { ok: true } });
  });
});

describe("a copy of an uncompressed device cut short", () => {
  it("restores the missing blocks as zeros, as a trimmed copy reads, and says so in a warning", async () => {
    const path = write(spec("none"));
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 3 * 4096));
    const session = await ResumeSession.open(path);
    const result = session.run();
    expect(result.verify).toMatchObject({ mismatches: [], untouchedMismatches: [] });
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^3 of the blocks the image's stream uses lie past the end of .* and read as zeros .*carries no CRC/,
      ),
    ]);
    const report = await inspectImage(path);
    expect(report).toMatchObject({ pastEndBlocks: 3 });
  });
});
