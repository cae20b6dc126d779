import { describe, expect, it } from "vitest";
import { pageOf, ZERO } from "../helpers/images.js";
import { expectCleanFailure, resumeRaw, SMALL } from "../helpers/resume.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
const pages = (n: number) => Array.from({ length: n }, (_, i) => pageOf(4096, i + 10));

describe("unpackOrigPfns()", () => {
  it("rejects a PFN beyond the machine, naming it (EFAULT)", async () => {
    const outcome = await resumeRaw(dir, { pageSize: 4096, frames: 256, entries: [100n, 256n], data: pages(2) });
    expectCleanFailure(outcome, "unpackOrigPfns", "EFAULT", /PFN 256 is beyond the machine's 256 frames/);
    expect(outcome.error!.offending).toMatchObject({ kind: "pfn", value: 256, limit: 256 });
  });

  it("rejects a PFN with stray high bits as beyond the machine", async () => {
    const outcome = await resumeRaw(dir, {
      pageSize: 4096,
      frames: 256,
      entries: [100n, (1n << 40n) | 5n],
      data: pages(2),
    });
    expectCleanFailure(outcome, "unpackOrigPfns", "EFAULT", /PFN 1099511627781/);
  });

  it("rejects a PFN in a hole", async () => {
    const outcome = await resumeRaw(
      dir,
      {
        pageSize: 4096,
        frames: 256,
        entries: [100n, 150n],
        data: pages(2),
        header: { holes: [{ start: 140, end: 160 }], numPhyspages: 236 },
      },
      { ...SMALL, holes: [{ start: 140, end: 160 }] },
    );
    expectCleanFailure(outcome, "unpackOrigPfns", "EFAULT", /PFN 150 lies in a hole/);
  });

  it("rejects a PFN in a nosave region (as v3.17 did, kernel/power/snapshot.c: register_nosave_region())", async () => {
    const outcome = await resumeRaw(
      dir,
      { pageSize: 4096, frames: 256, entries: [100n, 130n], data: pages(2) },
      { ...SMALL, nosave: [{ start: 128, end: 132 }] },
    );
    expectCleanFailure(outcome, "unpackOrigPfns", "EFAULT", /PFN 130 lies in a nosave region/);
  });

  it("rejects a duplicate PFN, which the kernel does not check (EINVAL)", async () => {
    const outcome = await resumeRaw(dir, { pageSize: 4096, frames: 256, entries: [100n, 120n, 100n], data: pages(3) });
    expectCleanFailure(outcome, "unpackOrigPfns", "EINVAL", /PFN 100 is listed twice/);
  });

  it("rejects a PFN list whose data entries disagree with image_pages", async () => {
    const outcome = await resumeRaw(dir, {
      pageSize: 4096,
      frames: 256,
      entries: [100n, 101n, 102n | ZERO],
      data: pages(3),
    });
    expectCleanFailure(outcome, "unpackOrigPfns", "EINVAL", /lists 2 data pages .* image_pages is 3/);
  });

  it("restores entries listed out of order: data page i goes to the i-th PFN in ascending order (kernel/power/snapshot.c: unpack_orig_pfns())", async () => {
    const data = pages(3);
    const outcome = await resumeRaw(dir, { pageSize: 4096, frames: 256, entries: [200n, 100n, 150n], data });
    expect(outcome.error).toBeUndefined();
    const { machine } = outcome;
    expect(Buffer.from(machine.frame(100)).equals(Buffer.from(data[0]!))).toBe(true);
    expect(Buffer.from(machine.frame(150)).equals(Buffer.from(data[1]!))).toBe(true);
    expect(Buffer.from(machine.frame(200)).equals(Buffer.from(data[2]!))).toBe(true);
    expect(outcome.session!.result().verify?.mismatches).toEqual([]);
  });

  it("restores zero-flagged PFNs as zero pages that take no stream page (kernel/power/snapshot.c: snapshot_write_next() and zero_bm, v6.6)", async () => {
    const data = pages(2);
    const outcome = await resumeRaw(dir, {
      pageSize: 4096,
      frames: 256,
      entries: [10n | ZERO, 100n, 101n | ZERO, 102n, 255n | ZERO],
      data,
    });
    expect(outcome.error).toBeUndefined();
    const { machine } = outcome;
    for (const pfn of [10, 101, 255]) expect(machine.frame(pfn).every((b) => b === 0)).toBe(true);
    expect(Buffer.from(machine.frame(102)).equals(Buffer.from(data[1]!))).toBe(true);
    expect(outcome.session!.result().counts).toMatchObject({ imagePages: 5, zeroPages: 3 });
  });
});
