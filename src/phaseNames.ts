/**
 * The resume phases in order, each named after the kernel function it simulates (DESIGN.md "Phases").
 */
export const PHASES = [
  { name: "checkHeader", kernel: "load_header/check_header" },
  { name: "unpackOrigPfns", kernel: "unpack_orig_pfns" },
  { name: "markUnsafePages", kernel: "mark_unsafe_pages" },
  { name: "prepareImage", kernel: "prepare_image" },
  { name: "loadImage", kernel: "snapshot_write_next/get_buffer" },
  { name: "restoreHighmem", kernel: "restore_highmem" },
  { name: "atomicCopy", kernel: "core_restore_code" },
  { name: "verify", kernel: "—" },
] as const;

/** A phase of the resume. */
export type PhaseName = (typeof PHASES)[number]["name"];

/** Phases after which a failure can no longer be undone: atomicCopy is the commit point (kernel/power/hibernate.c:
 * load_image_and_restore()). */
export const COMMITTED_AFTER: PhaseName = "restoreHighmem";
