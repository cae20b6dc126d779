/**
 * A machine whose frames live in a contents store takes every decision a machine with frame memory takes: the same
 * counts, the same restore_pblist and highmem_pblist, and after the atomic copy every image PFN holds its page.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ResumeError } from "../src/errors.js";
import type { AllocatorSpec, BitmapStrategy } from "../src/machine/config.js";
import { createMachine } from "../src/machine/machine.js";
import { ResumeSession } from "../src/resume.js";
import { suspendMachine } from "../src/suspend.js";
import { tempDir } from "./helpers/tmp.js";

const dir = tempDir("thaw-store-resume-");

const cases: [number, AllocatorSpec, BitmapStrategy, number][] = [
  [1, "random", "flat", 4096],
  [2, "ascending", "rtree", 4096],
  [3, "descending", "bmlist", 1024],
  [4, "buddy", "summary", 2048],
  [5, "random", "rtree", 512],
];

describe("ResumeSession with contents 'store'", () => {
  it.each(cases)(
    "places exactly as frames in memory do and ends with every page in place (seed %i, %s, %s, %i-byte pages)",
    async (seed, allocator, bitmap, pageSize) => {
      const frames = 6000 + seed * 700;
      const machine = await createMachine({
        frames,
        pageSize,
        zones: { dmaEndPfn: 256, highmemStartPfn: frames - 1500 },
        boot: { profile: "scattered", share: 0.2 },
        allocator,
        bitmap,
        seed,
      });
      const path = join(dir, `image-${seed}.thaw`);
      suspendMachine(machine, { out: path, image: 0.35, zero: 0.1 });
      const machineOptions = { boot: { profile: "scattered" as const, share: 0.2 }, allocator, bitmap, seed };
      const memory = await ResumeSession.open(path, { contents: "memory", machineOptions });
      const inMemory = memory.run();
      const store = await ResumeSession.open(path, { contents: "store", storeDir: dir, machineOptions });
      try {
        const inStore = store.run();
        expect(inStore.contents).toBe("store");
        expect(inStore.counts).toEqual(inMemory.counts);
        expect(inStore.counts.highmemPbes).toBeGreaterThan(0);
        expect(store.restorePblist()).toEqual(memory.restorePblist());
        expect(store.highmemPblist()).toEqual(memory.highmemPblist());
        expect(inStore.verify?.mismatches).toEqual([]);
        expect(inStore.verify?.chains?.violations).toEqual([]);
        expect(inStore.verify?.pages).toBe(inMemory.counts.imagePages);
        const a = new Uint8Array(pageSize);
        const b = new Uint8Array(pageSize);
        const list = memory.machine.mem.u64s(memory.machine.arena.pfnList, inMemory.counts.imagePages);
        for (const entry of list) {
          const pfn = Number(entry & ((1n << 63n) - 1n));
          expect(memory.readFrame(pfn, a)).toBe(true);
          expect(store.readFrame(pfn, b)).toBe(true);
          expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
        }
      } finally {
        store.close();
        memory.close();
      }
    },
  );

  it("refuses the faithful loading order, which needs the bounce page in frame memory", async () => {
    const machine = await createMachine({ memory: "16MiB", seed: 9 });
    const path = join(dir, "faithful.thaw");
    suspendMachine(machine, { out: path });
    await expect(ResumeSession.open(path, { contents: "store", mode: "faithful", storeDir: dir })).rejects.toThrow(
      /faithful loading mode copies through the bounce page/,
    );
  });
});

describe("a contents store that cannot be written", () => {
  const IMAGE = "test/fixtures/linux-6.12/e-tiny-lzo/swap.img.gz";

  it("a folder that does not exist: ENOENT naming it, before any phase, nothing left", async () => {
    const missing = join(dir, "no-such-folder");
    const error = await ResumeSession.open(IMAGE, { contents: "store", storeDir: missing }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ResumeError);
    expect(error).toMatchObject({ phase: "checkHeader", code: "ENOENT" });
    expect((error as ResumeError).message).toContain(missing);
    expect(existsSync(missing)).toBe(false);
  });

  it.skipIf(spawnSync("prlimit", ["--version"]).status !== 0)(
    "a write that fails midway (a file-size limit, as a full disk): a typed error in loadImage, the page file removed",
    () => {
      const folder = mkdtempSync(join(dir, "limited-"));
      const raw = join(dir, "e-tiny-lzo.img");
      writeFileSync(raw, gunzipSync(readFileSync(IMAGE)));
      const run = spawnSync(
        "prlimit",
        ["--fsize=2000000", process.execPath, "bin/thaw.js", "resume", raw, "--contents", "store"].concat([
          "--store-dir",
          folder,
          "--json",
        ]),
        { encoding: "utf8" },
      );
      expect(run.status).toBe(1);
      expect(JSON.parse(run.stdout).error).toMatchObject({ phase: "loadImage", code: "EFBIG" });
      expect(JSON.parse(run.stdout).error.message).toContain("contents store");
      expect(readdirSync(folder)).toEqual([]);
    },
  );
});
