import { describe, expect, it } from "vitest";
import * as L from "../assembly/portable/layout.js";
import { ConfigError } from "../src/errors.js";
import { loadScenario, parseScenario, pfnList } from "../src/scenario.js";
import { simulate } from "../src/simulate.js";

describe("scenarios", () => {
  it("reproduce the worked example exactly: restore_pblist 60→52, 61→11, 62→10, chain page 63", async () => {
    const r = await simulate({ ...loadScenario("examples/worked-example.json"), restorePblist: true });
    const pairs = r.restorePblist!.map((p) => [p.address, p.origAddress]);
    expect(pairs).toEqual([
      [60, 52],
      [61, 11],
      [62, 10],
    ]);
    expect(r.machine.pfnOfVirt(r.machine.ctx(L.CTX_CA_CHAIN))).toBe(63);
    expect(r.counts).toMatchObject({
      imagePages: 5,
      ownedFrames: 2,
      directPages: 2,
      pbes: 3,
      chainPages: 1,
      allocatedUnsafePages: 0,
      safePages: 4,
    });
    expect(r.verify?.mismatches).toEqual([]);
  });

  it("expand PFN lists with inclusive ranges", () => {
    expect(pfnList([1, "4-6", 9], "x")).toEqual([1, 4, 5, 6, 9]);
    expect(() => pfnList(["6-4"], "x")).toThrow(/runs backwards/);
    expect(() => pfnList([-1], "x")).toThrow(ConfigError);
  });

  it("reject unknown keys, naming them", () => {
    expect(() => parseScenario({ frame: 10 })).toThrow(/unknown key "frame"/);
  });

  it("fix the image exactly, zero pages included", async () => {
    const r = await simulate(
      parseScenario({
        frames: 64,
        pageSize: 256,
        highmem: false,
        holes: [],
        nosave: [],
        boot: { pfns: ["0-15"] },
        image: { pfns: ["20-29"], zeroPfns: [21, 29] },
      }),
    );
    expect(r.counts).toMatchObject({ imagePages: 10, zeroPages: 2 });
    expect(r.verify?.mismatches).toEqual([]);
  });

  it("reject an image that lists a PFN twice, as the image path does, instead of merging it", async () => {
    const scenario = { frames: 64, pageSize: 256, highmem: false, image: { pfns: [12, 12, 13] } };
    expect(() => parseScenario(scenario)).toThrow(/scenario: image.pfns lists PFN 12 twice/);
    expect(() => parseScenario({ ...scenario, image: { pfns: ["20-25", 22] } })).toThrow(/lists PFN 22 twice/);
    await expect(simulate({ frames: 64, pageSize: 256, suspend: { pfns: [30, 31, 30] } })).rejects.toThrow(
      /image PFN 30 is listed twice/,
    );
  });
});
