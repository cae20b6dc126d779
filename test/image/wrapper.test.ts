import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { zstdFrame } from "../../fuzz/zstdFrame.js";
import { SWAP_LAST_PAGE } from "../../src/image/linux/swapHeader.js";
import { inspectImage } from "../../src/inspect.js";
import { resumeImage } from "../../src/resume.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
const temp = join(dir, "tmp");
mkdirSync(temp);
const FIXTURE = "test/fixtures/linux-6.12/e-tiny-lzo/swap.img.gz";
let device: Buffer;

/** leftovers - What thaw left in its temporary folder. */
const leftovers = () => readdirSync(temp);

beforeAll(() => {
  process.env.TMPDIR = temp;
  device = gunzipSync(readFileSync(FIXTURE));
});

/** withLastPage - The fixture's first block with last_page set to @lastPage (the size the swap header states). */
function headerWith(lastPage: number): Buffer {
  const block = Buffer.from(device.subarray(0, 4096));
  block.writeUInt32LE(lastPage, SWAP_LAST_PAGE);
  return block;
}

/** gzipZeros - @header then @bytes of zeros as a gzip file of concatenated members (a bomb, small to write). */
function gzipZeros(header: Buffer, bytes: number): Buffer {
  const member = gzipSync(Buffer.alloc(4 * 2 ** 20));
  return Buffer.concat([gzipSync(header), ...Array.from({ length: bytes / (4 * 2 ** 20) }, () => member)]);
}

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe("wrapped images (.gz, .zst): unpacked as a bounded stream, typed errors, nothing left behind", () => {
  it("a .zst of the fixture restores as its .gz does", async () => {
    const path = file("fixture.img.zst", zstdFrame(device));
    const result = await resumeImage(path, { workers: 0 });
    expect(result.verify?.mismatches).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it("a bomb of zeros with no header is read only as far as the headers: refused in checkHeader at once", async () => {
    for (const path of [
      file("zeros.zst", zstdFrame(new Uint8Array(0), 4 * 2 ** 30)),
      file("zeros.gz", gzipZeros(Buffer.alloc(4096), 256 * 2 ** 20)),
    ]) {
      const t0 = performance.now();
      await expect(inspectImage(path)).rejects.toMatchObject({ phase: "checkHeader", code: "EINVAL" });
      expect(performance.now() - t0).toBeLessThan(5000);
      expect(leftovers()).toEqual([]);
    }
  });

  it("a header that states more than thaw unpacks (last_page 2^32 - 1: 16 TiB) is EFBIG before it is unpacked", async () => {
    const header = headerWith(2 ** 32 - 1);
    for (const path of [
      file("huge.img.zst", zstdFrame(header, 4 * 2 ** 30)),
      file("huge.img.gz", gzipZeros(header, 64 * 2 ** 20)),
    ]) {
      const t0 = performance.now();
      await expect(resumeImage(path)).rejects.toMatchObject({ name: "ResumeError", phase: "open", code: "EFBIG" });
      expect(performance.now() - t0).toBeLessThan(5000);
      expect(leftovers()).toEqual([]);
    }
  });

  it("a stream longer than its swap header states is EFBIG as soon as it passes it", async () => {
    const header = headerWith(15);
    const error = await resumeImage(file("long.img.zst", zstdFrame(header, 4 * 2 ** 30))).catch((e: unknown) => e);
    expect(error).toMatchObject({ phase: "open", code: "EFBIG", offending: { kind: "bytes", limit: 16 * 4096 } });
    expect(leftovers()).toEqual([]);
  });

  it("maxUnpacked bounds what a wrapper may unpack to", async () => {
    const path = file("bounded.img.zst", zstdFrame(device));
    await expect(inspectImage(path, { maxUnpacked: 2 ** 20 })).rejects.toMatchObject({ phase: "open", code: "EFBIG" });
    await expect(inspectImage(path, { maxUnpacked: -1 })).rejects.toMatchObject({ name: "ConfigError" });
    expect(leftovers()).toEqual([]);
  });

  it("truncated and corrupt wrappers are EBADMSG in phase open, not a raw code 0 or 5", async () => {
    const gz = readFileSync(FIXTURE);
    const zst = zstdFrame(device);
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x55, 5000, 6000);
    const cases = [
      file("cut.img.gz", gz.subarray(0, 100_000)),
      file("cut.img.zst", zst.subarray(0, 100_000)),
      file("bad.img.gz", corrupt),
      file("bad.img.zst", Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38, 0xff, 0xff, 0xff, 1, 2, 3])),
      file("notgz.img.gz", Buffer.from("not gzip at all")),
    ];
    for (const path of cases) {
      const error = (await inspectImage(path).catch((e: unknown) => e)) as { name: string; code: unknown };
      expect(error, path).toMatchObject({ name: "ResumeError", phase: "open", code: "EBADMSG" });
      expect(leftovers()).toEqual([]);
    }
  });

  it("SIGTERM during an unpack removes the temporary folder", async () => {
    const path = file("slow.img.gz", gzipZeros(headerWith(2 ** 20 - 1), 4 * 2 ** 30 - 4096 * 1024));
    const child = spawn(process.execPath, ["bin/thaw.js", "inspect", path, "--json"], {
      env: { ...process.env, TMPDIR: temp },
      stdio: "ignore",
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(leftovers().length).toBe(1);
    child.kill("SIGTERM");
    const signal = await new Promise((resolve) => child.on("exit", (_code, s) => resolve(s)));
    expect(signal).toBe("SIGTERM");
    expect(leftovers()).toEqual([]);
  }, 30_000);
});
