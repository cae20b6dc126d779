/** Runs of consecutive PFNs (src/dump/layout.ts): what becomes one PT_LOAD, one LiME range. */
import { describe, expect, it } from "vitest";
import { layoutOf } from "../../src/dump/layout.js";

describe("layoutOf", () => {
  it("cuts ascending PFNs into runs of consecutive ones, zero pages included", () => {
    const pfns = Uint32Array.from([1, 2, 3, 7, 9, 10, 2 ** 32 - 2, 2 ** 32 - 1]);
    const zero = Uint8Array.from([0, 1, 0, 0, 1, 1, 0, 0]);
    const layout = layoutOf(pfns, zero);
    expect(layout.runs).toBe(4);
    expect(Array.from(layout.first)).toEqual([0, 3, 4, 6]);
    expect(Array.from(layout.count)).toEqual([3, 1, 2, 2]);
    expect(layout.zeroPages).toBe(3);
  });

  it("has no runs for an image of no pages", () => {
    const layout = layoutOf(new Uint32Array(0), new Uint8Array(0));
    expect(layout).toMatchObject({ runs: 0, zeroPages: 0 });
  });
});
