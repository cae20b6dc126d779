/**
 * The swap map (§5.4): the chain of struct swap_map_page that lists, in stream order, the block of every page the
 * image wrote. Read whole up front, as S-mod's get_swap_reader() does, by following `next_swap` — never by scanning
 * the device.
 *
 * ╒════════ struct swap_map_page (one block) ════════╕
 * │ sector_t entries[511]   blocks, 0 = no more     │ 0
 * │ sector_t next_swap      next map page, 0 = end  │ 4088
 * └──────────────────────────────────────────────────┘ 4096
 */
import { ImageFormatError } from "../../errors.js";
import type { SwapDevice } from "./device.js";

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
 * blocks. Entries end at the first 0 (the writer leaves the rest of the last map page zero).
 * @throws ImageFormatError (EINVAL naming the block) on a loop or a block outside the device.
 */
export function loadSwapMap(device: SwapDevice, first: number, deviceBlocks: number): SwapMap {
  const entries: number[] = [];
  const mapPages: number[] = [];
  const seen = new Set<number>();
  let block = first;
  let ended = false;
  while (block !== 0) {
    if (block >= deviceBlocks) {
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
      const entry = Number(page.readBigUInt64LE(i * 8));
      if (entry === 0) ended = true;
      else if (entry >= deviceBlocks) {
        throw new ImageFormatError(
          "EINVAL",
          `swap map entry ${entries.length} points to block ${entry}, beyond the device's ${deviceBlocks} blocks`,
          { kind: "field", name: "entries", value: entry, limit: deviceBlocks },
        );
      } else entries.push(entry);
    }
    block = Number(page.readBigUInt64LE(MAP_NEXT_SWAP));
    if (ended) break;
  }
  return { entries, mapPages };
}
