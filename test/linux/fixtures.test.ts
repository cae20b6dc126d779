/**
 * Real hibernation images written by Linux kernels (../shared/fixtures, the small ones also committed under
 * test/fixtures): every figure of each truth.json that thaw reports must match, and each image must restore with
 * every page verified. Cases whose image is not on this machine are skipped, and say so.
 *
 * The i386 images (a 32-bit PAE kernel, u32 PFN entries and cmp_len) have HighMem pages; where HighMem starts is not
 * in the image, so they are read with the writing kernel's own boundary from truth.json (its "low ram: 0 - X" line):
 * the PFNs in HighMem must be the kernel's count, and the restore must go through highmem_pblist.
 */

import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decompress as zstdDecompress } from "fzstd";
import { describe, expect, it } from "vitest";
import type { LinuxSwapSource } from "../../src/image/linux/linuxImage.js";
import { openImage } from "../../src/image/open.js";
import { readEntries, ENTRY_ZERO as ZERO } from "../../src/image/pfnEntry.js";
import { inspectImage } from "../../src/inspect.js";
import { ResumeSession } from "../../src/resume.js";

const CASES = [
  ["linux-6.1", "a-nocompress"],
  ["linux-6.1", "b-lzo"],
  ["linux-6.12", "c-lz4"],
  ["linux-6.12", "d-tiny-nocompress"],
  ["linux-6.12", "e-tiny-lzo"],
  ["linux-6.12", "f-tiny-lz4"],
  ["linux-6.1-i386", "b-highmem-nocompress"],
  ["linux-6.1-i386", "c-small-lzo"],
  ["linux-6.1-i386", "d-tiny-highmem-lzo"],
] as const;

function locate(kernel: string, name: string): { image: string; truth: string } | undefined {
  for (const root of ["test/fixtures", "../shared/fixtures"]) {
    for (const file of ["swap.img.gz", "swap.img.zst"]) {
      const image = join(root, kernel, name, file);
      const truth = join(root, kernel, name, "truth.json");
      if (existsSync(image) && existsSync(truth)) return { image, truth };
    }
  }
  return undefined;
}

/** Read the whole stream once: PFN entries as stored, data pages, the uncompressed stream. */
async function digests(path: string) {
  const source = await openImage(path);
  try {
    const reader = source.stream();
    const page = new Uint8Array(4096);
    const entries: bigint[] = [];
    const stored = createHash("sha256");
    const stream = createHash("sha256");
    const data = createHash("sha256");
    for (let i = 0; i < source.metaPages; i++) {
      expect(reader.read(page)).toBe(1);
      stream.update(page);
      const n = readEntries(page, source.pfnEntryBytes, (e) => {
        entries.push(e);
        return true;
      });
      stored.update(page.subarray(0, n * source.pfnEntryBytes));
    }
    let dataPages = 0;
    while (reader.read(page) === 1) {
      stream.update(page);
      data.update(page);
      dataPages++;
    }
    const le = (list: bigint[]) =>
      createHash("sha256")
        .update(new Uint8Array(BigUint64Array.from(list).buffer))
        .digest("hex");
    return {
      entries,
      dataPages,
      storedSha: stored.digest("hex"),
      stream: stream.digest("hex"),
      data: data.digest("hex"),
      entriesSha: le(entries),
      withData: le(entries.filter((e) => !(e & ZERO))),
      zeroSha: le(entries.filter((e) => e & ZERO).map((e) => e & ~ZERO)),
      source: source as LinuxSwapSource,
    };
  } finally {
    source.close();
  }
}

describe.each(CASES)("Linux fixture %s/%s", (kernel, name) => {
  const found = locate(kernel, name);
  if (!found) {
    it.skip(`image not found under test/fixtures or ../shared/fixtures (${kernel}/${name}): skipped`, () => {});
    return;
  }
  const truth = JSON.parse(readFileSync(found.truth, "utf8"));
  const i386 = truth.swsusp_info.i386_restore_data_record !== undefined;
  const highmemStart: number | undefined = truth.highmem?.["first_highmem_pfn (max_low_pfn)"];
  const opts = highmemStart === undefined ? {} : { highmem: `pfn:${highmemStart}` };

  it("header, swap map and swsusp_info match truth.json", async () => {
    const source = (await openImage(found.image)) as LinuxSwapSource;
    try {
      const h = truth.swsusp_header;
      expect(source.format).toBe("linux-swap");
      expect(source.swapHeader).toMatchObject({
        signature: h.sig,
        origSig: h.orig_sig,
        hwSig: h.hw_sig,
        crc32: h.crc32,
        image: h.image,
        flags: h.flags,
        flagNames: h.flag_names,
      });
      expect(source.swapHeader.swap).toMatchObject({
        version: h.swap_header.version,
        lastPage: h.swap_header.last_page,
        nrBadpages: h.swap_header.nr_badpages,
        uuid: h.swap_header.uuid,
        label: h.swap_header.label,
      });
      const i = truth.swsusp_info;
      expect(source.info).toMatchObject({
        versionCode: i.version_code,
        numPhyspages: i.num_physpages,
        cpus: i.cpus,
        imagePages: i.image_pages,
        pages: i.pages,
        size: i.size,
      });
      const arch = i.i386_restore_data_record ?? i.x86_64_restore_data_record;
      expect(source.info).toMatchObject({ arch: i386 ? "i386" : "x86_64", wordSize: i386 ? 4 : 8 });
      expect(source.info.restoreRecord).toMatchObject({
        jumpAddress: arch.jump_address,
        jumpAddressPhys: arch.jump_address_phys,
        cr3: arch.cr3,
        magic: arch.magic,
        e820Checksum: arch.e820_checksum,
      });
      expect(source.map.mapPages[0]).toBe(truth.swap_map.first_map_page);
      expect(source.map.mapPages).toHaveLength(truth.swap_map.map_pages);
      if (!truth.compressed) expect(source.map.entries).toHaveLength(truth.swap_map.entries);
      expect(source.metaPages).toBe(truth.nr_meta_pages);
    } finally {
      source.close();
    }
  });

  it("PFN entries, data pages, stream and CRC32 match truth.json", async () => {
    const d = await digests(found.image);
    const pfns = truth["pfn_entries (all, as stored)"] ?? truth.pfns;
    expect(d.entries).toHaveLength(pfns.count);
    expect(d.entriesSha).toBe(pfns.sha256_le_u64_as_stored ?? pfns.sha256_le_u64);
    if (i386) expect(d.storedSha).toBe(pfns.sha256_le_u32);
    const withData = truth["pfns (entries that have a data page)"] ?? truth.pfns;
    expect(d.withData).toBe(withData.sha256_le_u64);
    if (pfns.sha256_le_u64_zero_flagged_pfns) expect(d.zeroSha).toBe(pfns.sha256_le_u64_zero_flagged_pfns);
    expect(d.dataPages).toBe(truth.data_pages.count);
    expect(d.data).toBe(truth.data_pages.sha256_concat);
    expect(d.stream).toBe(truth["sha256_uncompressed_stream (meta+data pages)"]);

    const report = await inspectImage(found.image, opts);
    expect(report).toMatchObject({
      format: "linux-swap",
      arch: i386 ? "i386" : "x86_64",
      wordSize: i386 ? 4 : 8,
      refusals: [],
      imagePages: truth.swsusp_info.image_pages,
      pages: truth.swsusp_info.pages,
      numPhyspages: truth.swsusp_info.num_physpages,
      metaPages: truth.nr_meta_pages,
      dataPages: truth.data_pages.count,
    });
    expect(report.pfns).toMatchObject({
      count: pfns.count,
      zero: pfns.zero_flagged ?? 0,
      min: pfns.min_pfn ?? pfns.min,
      max: pfns.max_pfn ?? pfns.max,
      ascending: true,
    });
    expect(report.crc.computed).toBe(truth.crc32.computed_over_uncompressed_stream);
    expect(report.crc.stored).toBe(truth.crc32.stored_in_header);
    expect(report.crc.ok).toBe(truth.crc32.match);
    if (highmemStart !== undefined) {
      const lowmem = truth.highmem.pfns_in_lowmem;
      expect(report.pfns.perZone).toMatchObject({ highmem: truth.highmem.pfns_in_highmem });
      expect(report.pfns.perZone!.dma + report.pfns.perZone!.normal).toBe(lowmem);
      expect(report).toMatchObject({ highmem: { startPfn: highmemStart, source: "given" } });
      expect(report.warnings).toEqual([]);
    }
    const chunks = truth.lzo ?? truth.lz4;
    if (chunks) {
      expect(report).toMatchObject({
        chunks: chunks.lzo_chunks ?? chunks.lz4_chunks,
        compressedBytes: chunks.compressed_bytes_total,
      });
    }
  });

  const pagesTsv = join("../shared/fixtures", kernel, name, "pages.tsv.zst");
  it.skipIf(!existsSync(pagesTsv))(
    "thaw's per-page digest equals the fixture's pages.tsv (index, PFN, sha256 prefix, zero flag, highmem on i386)",
    async () => {
      const out = join(tmpdir(), `thaw-digest-${name}-${process.pid}.tsv`);
      try {
        await inspectImage(found.image, { ...opts, digest: out, overwrite: true });
        const expected = Buffer.from(zstdDecompress(readFileSync(pagesTsv))).toString();
        expect(readFileSync(out, "utf8")).toBe(expected);
      } finally {
        rmSync(out, { force: true });
      }
    },
  );

  it("restores into a model of its machine with every page verified", async () => {
    const session = await ResumeSession.open(found.image, opts);
    const result = session.run();
    const pfns = truth["pfn_entries (all, as stored)"] ?? truth.pfns;
    expect(result.counts.imagePages).toBe(pfns.count);
    expect(result.counts.zeroPages).toBe(pfns.zero_flagged ?? 0);
    expect(result.verify).toMatchObject({ pages: pfns.count, mismatches: [], untouchedMismatches: [] });
    expect(result.counts.directPages + result.counts.pbes + result.counts.highmemPbes).toBe(pfns.count);
    expect(result.warnings.filter((w) => /HighMem/.test(w))).toEqual([]);
    if (highmemStart !== undefined) {
      expect(session.machine.spec.highmemStartPfn).toBe(highmemStart);
      expect(result.counts.highmemPages).toBe(truth.highmem.pfns_in_highmem);
      expect(result.counts.highmemPbes).toBeGreaterThan(0);
    } else expect(result.counts.highmemPages).toBe(0);
  });

  it.runIf(i386)("without --highmem: thaw's estimate of max_low_pfn, said in a warning", async () => {
    const report = await inspectImage(found.image, { workers: 0 });
    expect(report).toMatchObject({ highmem: { startPfn: 225278, source: "estimate" } });
    expect(report.warnings).toEqual([
      expect.stringMatching(/^HighMem boundary not in the image: thaw estimates PFN 225278 .*"low ram: 0 - X"/),
    ]);
  });
});
