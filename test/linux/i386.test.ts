/**
 * Images of 32-bit (i386) kernels from the test writer: u32 PFN entries with the v6.6+ zero flag in bit 31 (no
 * kernel-written fixture has it), a u32 cmp_len, the 32-bit swsusp_info and restore record, HighMem pages. They
 * round-trip through inspect and resume; each broken one fails with the phase, errno and offending value, the
 * machine loses nothing and the file is never written.
 */

import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as C from "../../assembly/portable/compress.js";
import { INFO_LAYOUT } from "../../fuzz/linuxWriter.js";
import { openImage } from "../../src/image/open.js";
import { encodeEntry } from "../../src/image/pfnEntry.js";
import { inspectImage } from "../../src/inspect.js";
import { createMachine } from "../../src/machine/machine.js";
import { machineOf, ResumeSession } from "../../src/resume.js";
import { pageOf } from "../helpers/images.js";
import { type LinuxImageSpec, openFails, resumeFails, writeLinuxImage } from "../helpers/linuxImages.js";
import { expectCleanFailure, resumeInto } from "../helpers/resume.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
let n = 0;
/** HighMem from PFN 768 in a machine of 1024 page frames. */
const HIGHMEM = { highmem: "pfn:768" };

/** A 32-bit image: PFNs 300–459 (lowmem) and 800–899 (HighMem), every 17th a zero page (bit 31). */
function spec(compression: LinuxImageSpec["compression"], more: Partial<LinuxImageSpec> = {}): LinuxImageSpec {
  const entries: bigint[] = [];
  const data: Uint8Array[] = [];
  for (const pfn of [
    ...Array.from({ length: 160 }, (_, i) => 300 + i),
    ...Array.from({ length: 100 }, (_, i) => 800 + i),
  ]) {
    entries.push(encodeEntry(pfn, pfn % 17 === 0));
    if (pfn % 17 !== 0) data.push(pageOf(4096, pfn));
  }
  return { compression, arch: "i386", numPhyspages: 1024, entries, data, ...more };
}

function write(s: LinuxImageSpec): string {
  const path = join(dir, `i386-${n++}.img`);
  writeLinuxImage(path, s);
  return path;
}

/** engineFails - Resume @path into the machine the valid image @good describes: the engine's checks, rolled back. */
async function engineFails(good: string, path: string, phase: string, code: string, message: RegExp) {
  const source = await openImage(good, HIGHMEM);
  const machine = await createMachine(machineOf(source));
  source.close();
  expectCleanFailure(await resumeInto(machine, path, HIGHMEM), phase, code, message);
}

describe.each(["none", "lzo", "lz4"] as const)("a %s image of an i386 kernel", (compression) => {
  it("round-trips: inspect reads u32 entries and the zero flag, resume restores HighMem through highmem_pblist", async () => {
    const s = spec(compression);
    const path = write(s);
    const zero = s.entries.length - s.data.length;
    const report = await inspectImage(path, HIGHMEM);
    expect(report).toMatchObject({
      format: "linux-swap",
      arch: "i386",
      wordSize: 4,
      highmem: { startPfn: 768, source: "given" },
      imagePages: s.data.length,
      dataPages: s.data.length,
      metaPages: 1,
      pfns: { count: 260, zero, min: 300, max: 899, perZone: { dma: 260 - 100, normal: 0, highmem: 100 } },
      refusals: [],
      warnings: [],
    });
    expect(report.crc.ok).toBe(compression === "none" ? null : true);
    const result = (await ResumeSession.open(path, HIGHMEM)).run();
    expect(result.verify).toMatchObject({ pages: 260, mismatches: [], untouchedMismatches: [] });
    expect(result.counts).toMatchObject({ imagePages: 260, zeroPages: zero, highmemPages: 100 });
    expect(result.counts.highmemPbes).toBeGreaterThan(0);
  });
});

describe("images of i386 kernels", () => {
  it("without --highmem the estimate (PFN 225278) leaves a small machine without HighMem, and says so", async () => {
    const path = write(spec("lzo"));
    const report = await inspectImage(path);
    expect(report).toMatchObject({ highmem: { startPfn: 225278, source: "estimate" } });
    expect(report.pfns.perZone).toMatchObject({ highmem: 0 });
    expect(report.warnings).toEqual([expect.stringMatching(/thaw estimates PFN 225278 .*--highmem/)]);
    const result = (await ResumeSession.open(path)).run();
    expect(result.counts.highmemPages).toBe(0);
    expect(result.warnings).toEqual([expect.stringMatching(/HighMem boundary not in the image/)]);
  });

  it("incompressible pages: cmp_len above the 131072 bytes it decodes to, a chunk over 33 pages, restored", async () => {
    const s = spec("lzo");
    s.data = s.data.map(() => new Uint8Array(randomBytes(4096)));
    const path = join(dir, `i386-${n++}.img`);
    const layout = writeLinuxImage(path, s);
    const spans = layout.chunkStarts.map((at, i) => (layout.chunkStarts[i + 1] ?? layout.entries.length) - at);
    expect(Math.max(...spans)).toBeGreaterThanOrEqual(33);
    const report = await inspectImage(path, HIGHMEM);
    expect(report).toMatchObject({ compressedBytes: expect.any(Number) });
    expect((report as { compressedBytes?: number }).compressedBytes).toBeGreaterThan(6 * C.UNC_SIZE);
    expect(report.refusals).toEqual([]);
    const result = (await ResumeSession.open(path, HIGHMEM)).run();
    expect(result.verify).toMatchObject({ mismatches: [], untouchedMismatches: [] });
  });
});

describe("broken images of i386 kernels", () => {
  it("an unknown restore record magic: EPERM, architecture specific data", async () => {
    const page = Buffer.alloc(4096);
    page.writeUInt32LE(0x12345678, INFO_LAYOUT.i386.magic);
    const error = await openFails(
      write(spec("none", { infoPage: page })),
      "checkHeader",
      "EPERM",
      /Image mismatch: architecture specific data .*read as an i386 swsusp_info, but its magic \(byte 12\) is 0x12345678/,
    );
    expect(error.offending).toMatchObject({ kind: "field", name: "magic", value: "0x12345678" });
  });

  it("u32 fields out of range: num_physpages beyond PAE, image_pages beyond it, pages, size; a PFN beyond", async () => {
    await openFails(
      write(spec("none", { info: { numPhyspages: 2 ** 24 + 1 } })),
      "checkHeader",
      "EINVAL",
      /num_physpages is 16777217: an i386 kernel has 1 to 16777216 page frames/,
    );
    await openFails(
      write(spec("lzo", { info: { imagePages: 0xffffffff } })),
      "checkHeader",
      "EINVAL",
      /image_pages \(4294967295\) exceeds num_physpages \(1024\)/,
    );
    await openFails(
      write(spec("lz4", { info: { pages: 0xffffffff } })),
      "checkHeader",
      "EINVAL",
      /swsusp_info.pages \(4294967295\) leaves 4294967049 PFN metadata pages .* at most 1 \(1024 4-byte entries a page\)/,
    );
    await openFails(
      write(spec("none", { info: { size: 4096 } })),
      "checkHeader",
      "EINVAL",
      /swsusp_info.size is 4096, not pages << PAGE_SHIFT = \d+ \(in a 32-bit unsigned long\)/,
    );
    const beyond = spec("lzo");
    beyond.entries[5] = encodeEntry(0x7ffffffe, true);
    await resumeFails(write(beyond), "checkHeader", "EFAULT", /PFN 2147483646 \(entry 5\) lies beyond/, HIGHMEM);
    await engineFails(write(spec("lzo")), write(beyond), "unpackOrigPfns", "EFAULT", /PFN 2147483646 is beyond/);
  });

  it("a missing u32 end marker: the zeros after the list read as PFN 0", async () => {
    const s = spec("none");
    const meta = new Uint8Array(4096);
    const view = new DataView(meta.buffer);
    s.entries.forEach((e, i) => {
      view.setUint32(i * 4, Number(e & 0x7fffffffn) | (e >> 63n === 1n ? 0x80000000 : 0), true);
    });
    const bad = write({ ...s, meta });
    await resumeFails(
      bad,
      "checkHeader",
      "EINVAL",
      /not in ascending order: entry 260 \(PFN 0\) follows PFN 899/,
      HIGHMEM,
    );
    await engineFails(write(spec("none")), bad, "unpackOrigPfns", "EINVAL", /PFN 0 is listed twice/);
    const report = await inspectImage(bad, HIGHMEM);
    expect(report.refusals).toEqual([
      expect.objectContaining({ phase: "checkHeader", code: "EINVAL", message: expect.stringMatching(/ascending/) }),
    ]);
    expect(report.warnings).toEqual([expect.stringMatching(/^thaw resume would refuse this image \(checkHeader/)]);
  });

  it("cmp_len over the 32-bit kernel's bound (bytes_worst_compress(UNC_SIZE) = 139333) and all ones", async () => {
    for (const cmpLen of [C.WORST_CMP_LEN + 1, 0xffffffff]) {
      const error = await resumeFails(
        write(spec("lzo", { chunk: (i, c) => (i === 1 ? { ...c, cmpLen } : c) })),
        "loadImage",
        "EINVAL",
        new RegExp(`chunk 1 \\(map entry \\d+\\): cmp_len ${cmpLen} is outside 1…139333`),
        HIGHMEM,
      );
      expect(error.offending).toMatchObject({ name: "cmp_len", value: cmpLen, limit: C.WORST_CMP_LEN });
    }
  });
});

describe("fault injection on an i386 image with HighMem", () => {
  it("every k-th page allocation and every k-th read failing: a typed error, and the machine as it booted", async () => {
    const path = write(spec("lzo"));
    const source = await openImage(path, HIGHMEM);
    const machine = await createMachine(machineOf(source));
    source.close();
    const start = machine.allocations();
    (await ResumeSession.open(path, { ...HIGHMEM, machine, workers: 0 })).run();
    const total = machine.allocations() - start;
    const phases = new Set<string>();
    for (let k = 1; k <= total; k++) {
      const outcome = await resumeInto(machine, path, { ...HIGHMEM, workers: 0, failAllocationAt: k });
      expectCleanFailure(outcome, outcome.error?.phase ?? "?", "ENOMEM");
      phases.add(outcome.error!.phase);
    }
    expect([...phases]).toEqual(expect.arrayContaining(["prepareImage", "restoreHighmem"]));
    for (let k = 1; ; k++) {
      const outcome = await resumeInto(machine, path, { ...HIGHMEM, workers: 0, failReadAt: k });
      if (!outcome.error) break;
      expectCleanFailure(outcome, outcome.error.phase, "EIO");
    }
  }, 120_000);
});
