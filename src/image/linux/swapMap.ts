/**
 * The swap map (kernel/power/swap.c: struct swap_map_page): the chain of struct swap_map_page that lists, in stream
 * order, the block of every page the image wrote. Read whole up front, as the current kernel's get_swap_reader() does,
 * by following `next_swap` — never by scanning the device.
 *
 * ╒════════ struct swap_map_page (one block) ════════╕
 * │ sector_t entries[511]   blocks, 0 = no more     │ 0
 * │ sector_t next_swap      next map page, 0 = end  │ 4088
 * └──────────────────────────────────────────────────┘ 4096
 */
import { ImageFormatError } from "../../errors.js";
import type { SwapDevice } from "./device.js";
import { exact } from "./exact.js";

export const MAP_PAGE_ENTRIES = 511;
export const MAP_NEXT_SWAP = 4088;

/** The map as read. */
export interface SwapMap {
  /** Blocks of the stream pages, in order (entry 0 is the swsusp_info page). */
  entries: number[];
  /** Blocks of the map pages themselves. */
  mapPages: number[];
}

/**
 * loadSwapMap - Follow the map chain from block @first on @device.
 * @deviceBlocks: blocks of the swap area; every map page and entry must lie in [1, deviceBlocks).
 *
 * Every loop over the chain is bounded: a map page seen twice is a loop, and there cannot be more map pages than
 * blocks. Entries end at the first 0 (the writer leaves the rest of the last map page zero). Every block is used once:
 * the writer allocates each swap page once (kernel/power/swap.c: alloc_swapdev_block()), so a block listed twice, or
 * listed as a map page and as an entry, is refused — the kernel's reader would read it again, which is how a few
 * kilobytes could stand for gigabytes of stream. The map's size thus follows the file's: at most 511 entries a block.
 * @throws ImageFormatError (EINVAL naming the block, exact) on a loop, a block outside the device or used twice.
 */
export function loadSwapMap(device: SwapDevice, first: number, deviceBlocks: number): SwapMap {
  const entries: number[] = [];
  const mapPages: number[] = [];
  const seen = new Set<number>();
  let ended = false;
  let block: number | string = first;
  while (block !== 0) {
    if (typeof block === "string" || block >= deviceBlocks) {
      throw new ImageFormatError(
        "EINVAL",
        `swap map page ${mapPages.length} is at block ${block}, beyond the device's ${deviceBlocks} blocks`,
        { kind: "field", name: "next_swap", value: block, limit: deviceBlocks },
      );
    }
    if (seen.has(block)) {
      throw new ImageFormatError(
        "EINVAL",
        `the swap map loops: map page ${mapPages.length} points back to block ${block}`,
        { kind: "field", name: "next_swap", value: block },
      );
    }
    seen.add(block);
    mapPages.push(block);
    const page = device.readBlock(block);
    for (let i = 0; i < MAP_PAGE_ENTRIES && !ended; i++) {
      const high = page.readUInt32LE(i * 8 + 4);
      const entry = high === 0 ? page.readUInt32LE(i * 8) : exact(page.readBigUInt64LE(i * 8));
      if (entry === 0) ended = true;
      else if (typeof entry === "string" || entry >= deviceBlocks) {
        throw new ImageFormatError(
          "EINVAL",
          `swap map entry ${entries.length} points to block ${entry}, beyond the device's ${deviceBlocks} blocks`,
          { kind: "field", name: "entries", value: entry, limit: deviceBlocks },
        );
      } else entries.push(entry);
    }
    block = exact(page.readBigUInt64LE(MAP_NEXT_SWAP));
    if (ended) break;
  }
  checkUsedOnce(entries, mapPages);
  return { entries, mapPages };
}

/**
 * checkUsedOnce - Every block of @entries and @mapPages appears once. The writer's entries usually ascend, which is
 * checked in one pass (each map page then looked up by bisection); otherwise all are sorted.
 * @throws ImageFormatError naming the first block used twice.
 */
function checkUsedOnce(entries: readonly number[], mapPages: readonly number[]): void {
  let ascending = true;
  for (let i = 1; i < entries.length && ascending; i++) ascending = entries[i]! > entries[i - 1]!;
  let twice = -1;
  if (ascending) {
    for (const block of mapPages) {
      let lo = 0;
      let hi = entries.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (entries[mid]! < block) lo = mid + 1;
        else hi = mid;
      }
      if (entries[lo] === block) twice = block;
    }
  } else {
    const sorted = new Float64Array(mapPages.length + entries.length);
    sorted.set(mapPages);
    for (let i = 0; i < entries.length; i++) sorted[mapPages.length + i] = entries[i]!;
    sorted.sort();
    for (let i = 1; i < sorted.length && twice < 0; i++) if (sorted[i] === sorted[i - 1]) twice = sorted[i]!;
  }
  if (twice < 0) return;
  const where = [
    ...mapPages.flatMap((b, i) => (b === twice ? [`map page ${i}`] : [])),
    ...entries.flatMap((b, i) => (b === twice ? [`entry ${i}`] : [])),
  ];
  throw new ImageFormatError(
    "EINVAL",
    `the swap map uses block ${twice} twice (${where.slice(0, 2).join(" and ")}): the writer allocates every swap page once`,
    { kind: "field", name: "entries", value: twice },
  );
}
