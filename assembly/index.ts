// The WASM ABI of thaw: every export the host may call, grouped by the structure it works on.
// Addresses are byte offsets into the shared memory (layout.ts); failures are negative errno values (errno.ts).

export { markRangeUsed, markBootMapUsed, frameIsUsed, frameTouched } from "./machine/allocator";
export { fillBootFrames, fillImageFrames } from "./machine/pattern";
export { scatterBootFootprint, drawImagePfns } from "./machine/placement";

export {
  bitmapChargePages, bitmapStorageSize, bitmapSlotBytes, memoryBmPositionReset, memoryBmCount, duplicateMemoryBitmap,
} from "./bitmap/bitmap";
export { memoryBmCreate, memoryBmFree } from "./memoryBitmap";
export { bmSetBit, bmClearBit, bmTestBit, bmNextPfn, bmClearCurrent } from "./bitmap/calls";
export { bitmapStorageBytes, memoryBmStorageUsed, memoryBmSeek, memoryBmCheck } from "./bitmap/bitmap";
export { bmGetCurrent, bmSeek } from "./bitmap/calls";
export {
  memoryBmSetBits, memoryBmClearBits, memoryBmTestBits, memoryBmNextPfns, memoryBmWalk, memoryBmSeekPfns,
} from "./bitmap/bulk";

export { safePagesListLength } from "./pages";

export {
  createBasicMemoryBitmaps, freeBasicMemoryBitmaps, loadHeader, unpackOrigPfns, markUnsafePages, prepareImage,
  preallocateImagePages, loadImagePages, snapshotWriteFinalize, swsuspFree, planImage, loadPlannedPages,
} from "./snapshot";
export { restoreHighmem, atomicCopy } from "./restore";

export { markZeroEntries, gatherDataPages } from "./suspend";
export { verifyImagePages, verifyUntouchedFrames, verifyPlacement } from "./verify";

/** layoutHeapBase - End of the AssemblyScript static data; must stay below AS_RESERVED_SIZE (layout.ts). */
export function layoutHeapBase(): usize {
  return __heap_base;
}

// compression
export { lzo1xDecompressSafe } from "./compress/lzo1x";
export { lz4DecompressSafe } from "./compress/lz4";
