/**
 * The worked example (examples/worked-example.json) as a scenario for the model and for the engine.
 *
 * One lowmem zone of 100 frames (4 KiB pages), the boot kernel in PFNs 0–40, image PFNs {10, 11, 50, 51, 52}, no zero
 * pages, no HighMem. the worked example leaves out the frames the bitmaps take; here the allocator's order hands them
 * frames 80–99 (none of them unsafe, so allocated_unsafe_pages stays 0 and n = 5), and then exactly the frames the
 * example names: 60 for the reserve, then 50, 61, 51, 62, 63 for the preallocation.
 */
import { bitmapChargePages, explicitOrders, type ModelImage, type ModelMachine } from "./model.js";

export const FRAMES = 100;
export const PAGE_SIZE = 4096;
export const BOOT_PFNS = Array.from({ length: 41 }, (_, i) => i);
export const IMAGE_PFNS = [10, 11, 50, 51, 52];

/** Bitmaps created before the reserve: forbidden, free, copy_bm, zero_bm, orig_bm, tmp, zero_bm again
 * (kernel/power/snapshot.c: prepare_image()). */
const BITMAPS_BEFORE_RESERVE = 7;

/** The frames handed out before the reserve: the bitmaps' and the bounce buffer's (taken after the basic bitmaps). */
export function framesBeforeReserve(): number[] {
  const count = BITMAPS_BEFORE_RESERVE * bitmapChargePages(FRAMES, PAGE_SIZE) + 1;
  return Array.from({ length: count }, (_, i) => 99 - i);
}

/** The allocator's explicit order: the bitmap frames, then the frames the worked example names, in its order. */
export function allocatorOrder(): number[] {
  return [...framesBeforeReserve(), 60, 50, 61, 51, 62, 63];
}

export const EXAMPLE_IMAGE: ModelImage = { pfns: IMAGE_PFNS, zeroPfns: [] };

export function exampleMachine(): ModelMachine {
  const orders = explicitOrders(FRAMES, FRAMES, allocatorOrder());
  return {
    frames: FRAMES,
    pageSize: PAGE_SIZE,
    highmemStartPfn: FRAMES,
    holes: [],
    nosave: [],
    bootPfns: BOOT_PFNS,
    lowOrder: orders.low,
    highOrder: orders.high,
  };
}

/** The same scenario as simulate() options. */
export function exampleSimulateOptions() {
  return {
    frames: FRAMES,
    pageSize: PAGE_SIZE,
    zones: { dmaEndPfn: 16, highmemStartPfn: FRAMES },
    holes: [],
    nosave: [],
    boot: { pfns: BOOT_PFNS },
    allocator: { order: allocatorOrder() },
    suspend: { pfns: IMAGE_PFNS, zeroPfns: [] },
    restorePblist: true,
  };
}
