import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as L from "../../assembly/portable/layout.js";
import { createMachine } from "../../src/machine/machine.js";
import { pageOf, writeThawImage } from "../helpers/images.js";
import { expectCleanFailure, resumeInto, resumeRaw, SMALL } from "../helpers/resume.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
const good = () => ({
  pageSize: 4096,
  frames: 256,
  entries: [100n, 101n, 200n],
  data: [pageOf(4096, 1), pageOf(4096, 2), pageOf(4096, 3)],
});

describe("checkHeader()", () => {
  it("restores a consistent image (the baseline the other cases break)", async () => {
    const outcome = await resumeRaw(dir, good());
    expect(outcome.error).toBeUndefined();
    expect(outcome.session!.result().verify?.mismatches).toEqual([]);
  });

  it("rejects a file that is not a thaw image, naming the magic it found", async () => {
    const path = join(dir, "not-an-image.bin");
    writeFileSync(path, Buffer.alloc(8192, 0x41));
    const outcome = await resumeInto(await createMachine(SMALL), path);
    expectCleanFailure(
      outcome,
      "checkHeader",
      "EINVAL",
      /neither a thaw image \(magic "THAWIMG", found "AAAAAAAA"\) nor a swap area/,
    );
  });

  it("rejects a header whose checksum does not match", async () => {
    const path = join(dir, "bad-header-crc.thaw");
    writeThawImage(path, good());
    const bytes = readFileSync(path);
    bytes.writeUInt8(bytes.readUInt8(L.HDR_SEED) ^ 1, L.HDR_SEED);
    writeFileSync(path, bytes);
    expectCleanFailure(
      await resumeInto(await createMachine(SMALL), path),
      "checkHeader",
      "EINVAL",
      /header checksum mismatch/,
    );
  });

  it("rejects an image of another page size (Image mismatch, EPERM)", async () => {
    const outcome = await resumeRaw(
      dir,
      { ...good(), pageSize: 8192, data: good().data.map((_, i) => pageOf(8192, i)) },
      SMALL,
    );
    expectCleanFailure(outcome, "checkHeader", "EPERM", /Image mismatch: page size \(image 8192 bytes, machine 4096\)/);
  });

  it("rejects an image of another memory size (Image mismatch: memory size, EPERM)", async () => {
    const outcome = await resumeRaw(dir, { ...good(), frames: 512 }, SMALL);
    expectCleanFailure(outcome, "checkHeader", "EPERM", /Image mismatch: memory size \(image 512 pages, machine 256\)/);
  });

  it("rejects a truncated image before allocating anything (ENODATA, naming both sizes)", async () => {
    const path = join(dir, "truncated.thaw");
    writeThawImage(path, good());
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 100));
    expectCleanFailure(
      await resumeInto(await createMachine(SMALL), path),
      "checkHeader",
      "ENODATA",
      new RegExp(`the file has ${bytes.length - 100}`),
    );
  });

  it("rejects trailing bytes after the stream", async () => {
    expectCleanFailure(await resumeRaw(dir, { ...good(), trailing: 10 }), "checkHeader", "EINVAL", /longer than/);
  });

  it("rejects impossible counts: more image pages than frames", async () => {
    const outcome = await resumeRaw(dir, { ...good(), header: { imagePages: 1000 } });
    expectCleanFailure(outcome, "checkHeader", "EINVAL", /image_pages \(1000\) exceeds the machine's 256 frames/);
  });

  it("rejects a pages field that leaves no room for metadata pages", async () => {
    const outcome = await resumeRaw(dir, { ...good(), header: { pages: 3 } });
    expectCleanFailure(outcome, "checkHeader", "EINVAL", /pages/);
  });

  it("rejects an unknown version", async () => {
    const path = join(dir, "version.thaw");
    writeThawImage(path, good());
    const bytes = readFileSync(path);
    bytes.writeUInt32LE(99, L.HDR_VERSION);
    bytes.writeUInt32LE(0, L.HDR_HEADER_CRC32);
    const { crc32Le } = await import("../../src/util/crc32.js");
    bytes.writeUInt32LE(crc32Le(bytes.subarray(0, L.HDR_BLOCK_SIZE)), L.HDR_HEADER_CRC32);
    writeFileSync(path, bytes);
    expectCleanFailure(
      await resumeInto(await createMachine(SMALL), path),
      "checkHeader",
      "EINVAL",
      /unsupported thaw image version 99/,
    );
  });
});

describe("checkHeader() resource limits", () => {
  it("a header describing a machine beyond wasm32 fails before that machine's memory is allocated (frames in memory, or more than maxMemory)", async () => {
    const path = join(dir, "huge.thaw");
    writeThawImage(path, {
      ...good(),
      frames: 256,
      header: { nrFrames: 0xfffff000, numPhyspages: 0xfffff000, highmemStartPfn: 0xfffff000 },
    });
    const rss = process.memoryUsage().rss;
    const { ResumeSession } = await import("../../src/resume.js");
    const error = await ResumeSession.open(path, { contents: "memory" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ phase: "checkHeader", code: "ENOMEM" });
    expect((error as Error).message).toMatch(/more than wasm32's 4 GiB/);
    const capped = await ResumeSession.open(path, { maxMemory: 256 * 2 ** 20 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(capped).toMatchObject({ phase: "checkHeader", code: "ENOMEM" });
    expect((capped as Error).message).toMatch(/metadata and contents store need .* more than the 256 MiB allowed/);
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 2 ** 20);
  });
});
