/**
 * The LiME format (the Linux Memory Extractor's "lime" output, which Volatility reads): for each run of consecutive
 * PFNs a range header, then the run's bytes.
 *
 * ╒═══ lime_mem_range_header (32 bytes, little-endian) ═══╕
 * │ 0   u32 magic    0x4C694D45 ("EMiL")                  │
 * │ 4   u32 version  1                                     │
 * │ 8   u64 s_addr   first physical address               │
 * │ 16  u64 e_addr   last physical address (inclusive)     │
 * │ 24  u8[8] reserved                                     │
 * └────────────────────────────────────────────────────────┘
 */
import type { DumpChunk, DumpGeometry, DumpPlan } from "./format.js";
import type { DumpLayout } from "./layout.js";

/** LIME_MAGIC - The range header's magic. */
export const LIME_MAGIC = 0x4c694d45;
/** LIME_VERSION - The range header version written. */
export const LIME_VERSION = 1;
/** Bytes of one range header. */
export const LIME_HEADER_BYTES = 32;

/** planLime - The LiME plan of @layout: run r's header at r × 32 + (pages before it) × page size. */
export function planLime(layout: DumpLayout, { pageSize }: DumpGeometry): DumpPlan {
  const headerAt = (r: number) => r * LIME_HEADER_BYTES + layout.first[r]! * pageSize;
  return {
    format: "lime",
    description: `LiME version ${LIME_VERSION}, ${layout.runs} ranges`,
    fileSize: layout.runs * LIME_HEADER_BYTES + layout.pfns.length * pageSize,
    runOffset: (r) => headerAt(r) + LIME_HEADER_BYTES,
    *headers(): Iterable<DumpChunk> {
      const header = new Uint8Array(LIME_HEADER_BYTES);
      const view = new DataView(header.buffer);
      view.setUint32(0, LIME_MAGIC, true);
      view.setUint32(4, LIME_VERSION, true);
      for (let r = 0; r < layout.runs; r++) {
        const start = layout.pfns[layout.first[r]!]! * pageSize;
        view.setBigUint64(8, BigInt(start), true);
        view.setBigUint64(16, BigInt(start + layout.count[r]! * pageSize - 1), true);
        yield { position: headerAt(r), bytes: header };
      }
    },
  };
}
