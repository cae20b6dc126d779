import { describe, expect, it } from "vitest";
import { ContentsStore, FrameTable, ZERO_PAGE } from "../../src/machine/contentsStore.js";
import { createRandom } from "../../src/util/random.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("thaw-store-");

describe("FrameTable", () => {
  it("holds what a Map holds through sets, overwrites and deletes, and grows past its first size", () => {
    const table = new FrameTable(8);
    const model = new Map<number, number>();
    const random = createRandom(5, 1);
    for (let i = 0; i < 20000; i++) {
      const pfn = random.int(0, 2999) * 977;
      if (random.int(0, 4) === 0) {
        table.set(pfn, undefined);
        model.delete(pfn);
      } else {
        const ref = random.int(0, 0xfffffffe);
        table.set(pfn, ref);
        model.set(pfn, ref);
      }
    }
    expect(table.size).toBe(model.size);
    for (let pfn = 0; pfn < 3000 * 977; pfn += 977) expect(table.get(pfn)).toBe(model.get(pfn));
  });
});

describe("ContentsStore", () => {
  it("keeps each page once and gives frames references that copies and swaps move, as the kernel's copies would", () => {
    const store = new ContentsStore(dir, 4096, 16);
    try {
      const pages = new Uint8Array(3 * 4096);
      for (let i = 0; i < 3; i++) pages.fill(i + 1, i * 4096, (i + 1) * 4096);
      store.putPages(pages, Uint32Array.of(100, 200, 300), 3);
      store.zeroPages(Uint32Array.of(400), 1);
      store.copy(200, 10);
      store.swap(300, 20);
      const page = new Uint8Array(4096);
      expect(store.readFrame(10, page)).toBe(1);
      expect(page[0]).toBe(2);
      expect(store.readFrame(20, page)).toBe(2);
      expect(page[4095]).toBe(3);
      expect(store.readFrame(300, page)).toBeUndefined();
      expect(store.readFrame(400, page)).toBe(ZERO_PAGE);
      expect(page.every((b) => b === 0)).toBe(true);
      expect(store.pages).toBe(3);
    } finally {
      store.close();
    }
  });
});
