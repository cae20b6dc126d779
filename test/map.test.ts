import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeEntry } from "../src/image/pfnEntry.js";
import { inspectImage } from "../src/inspect.js";
import { FRAME_CLASSES, imageMap, renderSvg, restoreMap } from "../src/map.js";
import { loadScenario } from "../src/scenario.js";
import { simulate } from "../src/simulate.js";
import { tempDir } from "./helpers/tmp.js";

const count = (classes: Uint8Array, name: string) => classes.filter((k) => FRAME_CLASSES[k]!.name === name).length;
const dir = tempDir();

describe("restoreMap()", () => {
  it("classifies the worked example's frames as the kernel would: 50, 51 in place, 10, 11, 52 through PBEs, 60–62 safe, 63 chain", async () => {
    const r = await simulate(loadScenario("examples/worked-example.json"));
    const map = restoreMap(r.machine);
    const at = (pfn: number) => FRAME_CLASSES[map.classes[pfn]!]!.name;
    expect([50, 51].map(at)).toEqual(["direct", "direct"]);
    expect([10, 11, 52].map(at)).toEqual(["viaPbe", "viaPbe", "viaPbe"]);
    expect([60, 61, 62].map(at)).toEqual(["safe", "safe", "safe"]);
    expect(at(63)).toBe("chain");
    expect(at(0)).toBe("boot");
    expect(at(70)).toBe("free");
  });

  it("agrees with the counts on a machine with HighMem", async () => {
    const r = await simulate({
      frames: 4096,
      pageSize: 512,
      zones: { highmemStartPfn: 3000 },
      holes: [{ start: 100, end: 140 }],
      nosave: [{ start: 200, end: 204 }],
      seed: 4,
    });
    const { classes } = restoreMap(r.machine);
    const c = r.counts;
    expect(count(classes, "viaPbe")).toBe(c.pbes);
    expect(count(classes, "viaHighmemPbe")).toBe(c.highmemPbes);
    expect(count(classes, "safe")).toBe(c.pbes + c.highmemPbes);
    expect(count(classes, "chain")).toBe(c.chainPages);
    expect(count(classes, "hole")).toBe(40);
    expect(count(classes, "nosave")).toBe(4);
    const svg = renderSvg(restoreMap(r.machine), "t", 512);
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toMatch(new RegExp(`image frame reached through a PBE: ${c.pbes} frames`));
  });
});

describe("imageMap()", () => {
  it("marks image and zero pages, and inspect --map writes it", async () => {
    const map = imageMap(16, [1n, encodeEntry(2, true)], [{ start: 10, end: 12 }]);
    expect(Array.from(map.classes, (k) => FRAME_CLASSES[k]!.name).slice(0, 3)).toEqual(["free", "image", "zero"]);
    const out = join(dir, "m.svg");
    await inspectImage("test/fixtures/linux-6.12/f-tiny-lz4/swap.img.gz", { map: out });
    expect(readFileSync(out, "utf8")).toMatch(/image zero page: 664 frames/);
  });
});
