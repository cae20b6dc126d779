/**
 * The mutators do what their names say: a mutation aimed at one check, with the checksums recomputed, reaches that
 * check (not the header checksum, not the CRC) — over many random draws each — and the variants without recomputing
 * are stopped by the checksum. Valid-but-different images (shuffled PFNs, zero flags toggled with their pages,
 * data changed with the CRC) restore.
 */

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type PlannedCase, writeCase } from "../../fuzz/cases.js";
import { loadCompressors } from "../../fuzz/compressors.js";
import { linuxBomb, linuxU32 } from "../../fuzz/linuxMutators.js";
import type { Compressors } from "../../fuzz/linuxWriter.js";
import {
  Dice,
  linuxChunk,
  linuxFlip,
  linuxInfoField,
  linuxMap,
  linuxPfn,
  type Mutation,
  type PfnChange,
  thawField,
  thawFlip,
  thawPfn,
  thawTruncate,
} from "../../fuzz/mutators.js";
import { type CaseOptions, type CaseVerdict, MachinePool, runCase } from "../../fuzz/oracle.js";
import { buildCorpus, type LoadedSeed, loadSeed } from "../../fuzz/seeds.js";
import { createRandom } from "../../src/util/random.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("thaw-fuzz-mutators-");
const pool = new MachinePool();
const seeds = new Map<string, LoadedSeed>();
let compressors: Compressors;
let n = 0;

beforeAll(async () => {
  compressors = await loadCompressors();
  const corpus = await buildCorpus(join(dir, "corpus"), compressors, { fixtures: false });
  for (const info of corpus.seeds) seeds.set(info.name, await loadSeed(corpus.dir, info));
}, 120_000);

const seed = (name: string) => seeds.get(name)!;
const SEED_TARGET: CaseOptions = { target: "seed", mode: "planned", crcThread: false, workers: 0, inspect: false };

/** run - Write @mutation and resume it into its seed's machine; the verdict must keep every promise. */
async function run(s: LoadedSeed, mutation: Mutation, options: CaseOptions = SEED_TARGET): Promise<CaseVerdict> {
  const path = join(dir, `case-${n++}.img`);
  const planned: PlannedCase = { index: n, seed: s, mutation, options, sweep: false };
  await writeCase(planned, path);
  const verdict = await runCase(path, { machine: s.info.machine, resume: s.info.resume ?? {} }, options, pool);
  expect(
    {
      outcome: verdict.outcome,
      bootBytesChanged: verdict.bootBytesChanged,
      freeCountChanged: verdict.freeCountChanged,
      leaks: verdict.leaks,
      imageWritten: verdict.imageWritten,
    },
    `${mutation.name}: ${mutation.detail}: ${verdict.message}`,
  ).toMatchObject({ bootBytesChanged: false, freeCountChanged: false, leaks: [], imageWritten: false });
  expect(["ok", "rejected"], `${mutation.name}: ${mutation.detail}: ${verdict.message}`).toContain(verdict.outcome);
  return verdict;
}

/** draws - @count mutations from @make, each with dice of its own. */
function draws(count: number, make: (dice: Dice) => Mutation): Mutation[] {
  return Array.from({ length: count }, (_, i) => make(new Dice(createRandom(1000 + i, 7))));
}

async function expectAll(
  s: LoadedSeed,
  mutations: Mutation[],
  expected: { phase?: string; code?: string; message?: RegExp; outcome?: "ok" | "rejected" },
) {
  for (const m of mutations) {
    const v = await run(s, m);
    expect({ outcome: v.outcome, phase: v.phase, code: v.code }, `${m.name}: ${m.detail}`).toMatchObject({
      outcome: expected.outcome ?? "rejected",
      ...(expected.phase && { phase: expected.phase }),
      ...(expected.code && { code: expected.code }),
    });
    if (expected.message) expect(v.message, `${m.name}: ${m.detail}`).toMatch(expected.message);
  }
}

describe("thaw image mutators", () => {
  const SEAL = { stream: true, header: true };

  it("header fields with the header checksum recomputed reach the field's own check; without it, the checksum", async () => {
    const s = seed("thaw-512-highmem-flat");
    const fields = [
      ["image_pages", 2n ** 40n, /image_pages/],
      ["pages", 0n, /pages/],
      ["nr_frames", 0n, /nr_frames is 0/],
      ["page_size", 4095n, /page_size 4095 is not a power of two/],
      ["nr_holes", 225n, /nr_holes is 225/],
      ["version", 2n, /unsupported thaw image version 2/],
    ] as const;
    for (const [field, value, message] of fields) {
      await expectAll(s, [thawField(s as never, field, value, { header: true })], {
        phase: "checkHeader",
        code: "EINVAL",
        message,
      });
      await expectAll(s, [thawField(s as never, field, value, {})], {
        phase: "checkHeader",
        code: "EINVAL",
        message: /header checksum mismatch/,
      });
    }
    await expectAll(s, [thawField(s as never, "num_physpages", 1023n, { header: true })], {
      phase: "checkHeader",
      code: "EPERM",
      message: /Image mismatch: memory size/,
    });
  });

  const PFN_CASES: [PfnChange, { phase?: string; code?: string; message?: RegExp; outcome?: "ok" | "rejected" }][] = [
    ["duplicate", { phase: "unpackOrigPfns", code: "EINVAL", message: /is listed twice/ }],
    ["hole", { phase: "unpackOrigPfns", code: "EFAULT", message: /lies in a hole/ }],
    ["nosave", { phase: "unpackOrigPfns", code: "EFAULT", message: /lies in a nosave region/ }],
    ["beyond", { phase: "unpackOrigPfns", code: "EFAULT" }],
    ["zero-all", { phase: "unpackOrigPfns", code: "EINVAL", message: /lists 0 data pages/ }],
    ["end-early", { phase: "unpackOrigPfns", code: "EINVAL" }],
    ["same", { phase: "unpackOrigPfns", code: "EINVAL", message: /is listed twice/ }],
    ["shuffle", { outcome: "ok" }],
    ["zero-toggle-consistent", { outcome: "ok" }],
    ["drop", { outcome: "ok" }],
    ["boot", { outcome: "ok" }],
  ];

  it.each(PFN_CASES)("pfn.%s with both checksums recomputed: %j, every draw", async (change, expected) => {
    const s = seed("thaw-512-highmem-flat");
    const boot = Array.from((await pool.get(s.info.machine)).bootPfns);
    await expectAll(
      s,
      draws(8, (dice) => thawPfn(s as never, dice, change, SEAL, boot)),
      expected,
    );
  });

  it("a stale stream CRC does not hide a bad PFN list: the list is checked first, as the kernel checks it before the CRC", async () => {
    const s = seed("thaw-4096-summary");
    await expectAll(
      s,
      draws(4, (dice) => thawPfn(s as never, dice, "duplicate", {})),
      { phase: "unpackOrigPfns", code: "EINVAL", message: /is listed twice/ },
    );
  });

  it("random PFN sets and grown images restore or run out of memory, in prepareImage, with nothing lost", async () => {
    for (const name of ["thaw-128-buddy-rtree", "thaw-16384-flat", "thaw-64-tiny-pages-summary"]) {
      const s = seed(name);
      for (const m of draws(6, (dice) => thawPfn(s as never, dice, dice.chance(0.5) ? "random-set" : "grow", SEAL))) {
        const v = await run(s, m);
        if (v.outcome === "rejected")
          expect({ phase: v.phase, code: v.code }, `${m.name}: ${m.detail}`).toEqual({
            phase: "prepareImage",
            code: "ENOMEM",
          });
      }
    }
  });

  it("data pages changed with the CRC recomputed restore; without, the CRC check fails in loadImage", async () => {
    const s = seed("thaw-256-lowboot-bmlist");
    await expectAll(
      s,
      draws(4, (dice) => thawFlip(s as never, dice, "data", SEAL)),
      { outcome: "ok" },
    );
    await expectAll(
      s,
      draws(4, (dice) => thawFlip(s as never, dice, "data", {})),
      { phase: "loadImage", code: "ENODATA", message: /CRC32 mismatch/ },
    );
  });

  it("truncation with the header made to agree is caught by the PFN list, not by the file size", async () => {
    const s = seed("thaw-512-highmem-flat");
    const { pageSize, metaPages } = s.thaw!;
    const cut = 4096 + (metaPages + 10) * pageSize;
    await expectAll(s, [thawTruncate(s as never, cut, true)], {
      phase: "unpackOrigPfns",
      code: "EINVAL",
      message: /data pages/,
    });
    await expectAll(s, [thawTruncate(s as never, cut, false)], {
      phase: "checkHeader",
      code: "ENODATA",
      message: /image is truncated/,
    });
  });
});

describe("Linux image mutators", () => {
  it.each(["linux-none", "linux-lzo", "linux-lz4"])(
    "%s: PFN duplicates and PFNs beyond the machine reach unpackOrigPfns (the CRC recomputed)",
    async (name) => {
      const s = seed(name);
      await expectAll(
        s,
        draws(4, (dice) => linuxPfn(s as never, dice, compressors, "duplicate", false)),
        { phase: "unpackOrigPfns", code: "EINVAL", message: /is listed twice/ },
      );
      await expectAll(
        s,
        draws(4, (dice) => linuxPfn(s as never, dice, compressors, "beyond", false)),
        { phase: "unpackOrigPfns", code: "EFAULT" },
      );
      await expectAll(
        s,
        draws(3, (dice) => linuxPfn(s as never, dice, compressors, "shuffle", false)),
        { outcome: "ok" },
      );
    },
  );

  it("swap map loops (a full page pointing at itself) and next_swap beyond the device are refused while reading the map", async () => {
    const s = seed("linux-lz4");
    await expectAll(
      s,
      draws(2, (dice) => linuxMap(s as never, dice, compressors, "self-loop")),
      { phase: "checkHeader", code: "EINVAL", message: /the swap map loops/ },
    );
    await expectAll(
      s,
      draws(3, (dice) => linuxMap(s as never, dice, compressors, "next-out")),
      { phase: "checkHeader", code: "EINVAL", message: /beyond the device/ },
    );
    await expectAll(
      s,
      draws(3, (dice) => linuxMap(s as never, dice, compressors, "entry-out")),
      { phase: "checkHeader", code: "EINVAL", message: /beyond the device/ },
    );
  });

  it.each(["linux-lzo", "linux-lz4"])("%s: chunk mutations reach the chunk checks, never the CRC", async (name) => {
    const s = seed(name);
    const stream = /cmp_len|truncated chunk|decompresses to|LZ[O4] chunk|whole pages|cannot come out|map entries/;
    for (const change of ["cmp_len", "garbage", "truncated-body", "other-algorithm"] as const) {
      for (const m of draws(6, (dice) => linuxChunk(s as never, dice, compressors, change))) {
        const v = await run(s, m);
        if (v.outcome === "rejected") expect(v.message, `${m.name}: ${m.detail}`).toMatch(stream);
      }
    }
    await expectAll(
      s,
      draws(3, (dice) => linuxChunk(s as never, dice, compressors, "unc_len")),
      { code: "EINVAL", message: /decompresses to \d+ bytes, not 1…32 whole pages/ },
    );
    await expectAll(
      s,
      draws(2, (dice) => linuxChunk(s as never, dice, compressors, "overlong")),
      { code: "EINVAL", message: /output overrun/ },
    );
    await expectAll(
      s,
      draws(2, (dice) => linuxChunk(s as never, dice, compressors, "small")),
      { outcome: "ok" },
    );
  });

  it("flipped compressed bytes with the stored CRC recomputed fail in the decoder or restore: never on the CRC", async () => {
    const s = seed("linux-lzo");
    for (const m of draws(10, (dice) => linuxFlip(s as never, dice, "chunk", true))) {
      const v = await run(s, m);
      if (v.outcome === "rejected" && !/CRC left as it was/.test(m.detail))
        expect(v.message, `${m.name}: ${m.detail}`).not.toMatch(/CRC32 mismatch/);
    }
  });

  it("swsusp_info fields at extremes are refused in checkHeader", async () => {
    const s = seed("linux-none");
    for (const [field, value] of [
      ["pages", 2n ** 40n],
      ["imagePages", 2n ** 63n],
      ["size", 1n],
      ["numPhyspages", 0n],
    ] as const) {
      await expectAll(s, [linuxInfoField(s as never, compressors, field, value)], { phase: "checkHeader" });
    }
  });
});

describe("32-bit and count-bomb mutators (linuxMutators.ts)", () => {
  const HEADER_TARGET: CaseOptions = { ...SEED_TARGET, target: "header" };
  const context = () => ({ compressors }) as never;

  it.each(["linux32-none", "linux32-lzo", "linux32-lz4"])(
    "%s: u32 fields, end markers and magics reach their checks",
    async (name) => {
      const s = seed(name) as never;
      await expectAll(
        seed(name),
        draws(6, (dice) => linuxU32(s, dice, context(), "field")),
        { phase: "checkHeader" },
      );
      await expectAll(
        seed(name),
        draws(3, (dice) => linuxU32(s, dice, context(), "magic")),
        { phase: "checkHeader", message: /architecture specific data|swsusp_info/ },
      );
      await expectAll(
        seed(name),
        draws(3, (dice) => linuxU32(s, dice, context(), "end-missing")),
        { phase: "unpackOrigPfns" },
      );
      await expectAll(
        seed(name),
        draws(3, (dice) => linuxU32(s, dice, context(), "zero-flag-consistent")),
        { outcome: "ok" },
      );
      await expectAll(
        seed(name),
        draws(3, (dice) => linuxU32(s, dice, context(), "bit31-pfn")),
        { phase: "unpackOrigPfns" },
      );
    },
  );

  it("linux32-lzo: cmp_len at the 32-bit bounds reaches the chunk checks, never the CRC", async () => {
    const s = seed("linux32-lzo");
    for (const m of draws(8, (dice) => linuxU32(s as never, dice, context(), "cmp_len"))) {
      const v = await run(s, m);
      expect(v.outcome, `${m.name}: ${m.detail}`).toBe("rejected");
      expect(v.message, `${m.name}: ${m.detail}`).toMatch(/cmp_len|LZO chunk|truncated chunk|decompresses to/);
    }
  });

  it.each(["linux-none", "linux-lzo", "linux32-lz4"])(
    "%s: count bombs are refused in checkHeader, fast",
    async (name) => {
      const s = seed(name);
      for (const m of draws(6, (dice) => linuxBomb(s as never, dice, context()))) {
        const v = await run(s, m, HEADER_TARGET);
        expect({ outcome: v.outcome, phase: v.phase }, `${m.name}: ${m.detail}: ${v.message}`).toEqual({
          outcome: "rejected",
          phase: "checkHeader",
        });
        expect(v.ms, `${m.name}: ${m.detail}`).toBeLessThan(5000);
      }
    },
  );
});
