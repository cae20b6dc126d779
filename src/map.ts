/**
 * Pictures of physical memory as SVG: where an image's pages lie (`thaw inspect --map`), and what a restore did
 * with every frame (`thaw resume --map`, `thaw simulate --map`): boot kernel, written in place, safe copy, chain
 * page, image frame reached through a PBE. The SVG is self-contained and renders offline.
 */
import * as L from "../assembly/portable/layout.js";
import { entryIsZero, entryPfn } from "./image/pfnEntry.js";
import type { PfnRange } from "./machine/config.js";
import type { Machine } from "./machine/machine.js";
import { type OutputFileOptions, writeOutputFile } from "./util/outputFile.js";

/** What a frame is, in a map. */
export const FRAME_CLASSES = [
  { name: "free", label: "free, untouched", color: "#f4f4f4" },
  { name: "hole", label: "hole (no memory)", color: "#3a3a3a" },
  { name: "nosave", label: "nosave region", color: "#8e44ad" },
  { name: "boot", label: "boot kernel", color: "#2e86de" },
  { name: "metadata", label: "restore metadata (bitmaps, bounce page)", color: "#a5a5a5" },
  { name: "chain", label: "PBE chain page", color: "#c0392b" },
  { name: "safe", label: "safe copy (PBE source)", color: "#f6b26b" },
  { name: "direct", label: "image page written in place", color: "#27ae60" },
  { name: "viaPbe", label: "image frame reached through a PBE", color: "#e67e22" },
  { name: "viaHighmemPbe", label: "image frame reached through a highmem PBE", color: "#f1c40f" },
  { name: "image", label: "image page", color: "#27ae60" },
  { name: "zero", label: "image zero page", color: "#a3e4b9" },
] as const;

export type FrameClass = (typeof FRAME_CLASSES)[number]["name"];
const CODE = Object.fromEntries(FRAME_CLASSES.map((c, i) => [c.name, i])) as Record<FrameClass, number>;

/** A class per frame. */
export interface FrameMap {
  frames: number;
  classes: Uint8Array;
}

function mark(map: FrameMap, pfn: number, cls: FrameClass): void {
  if (pfn >= 0 && pfn < map.frames) map.classes[pfn] = CODE[cls];
}

function markRanges(map: FrameMap, ranges: readonly PfnRange[], cls: FrameClass): void {
  for (const r of ranges) for (let pfn = r.start; pfn < Math.min(r.end, map.frames); pfn++) mark(map, pfn, cls);
}

/**
 * restoreMap - Classify every frame of @machine after a resume (after loadImage; the PBE lists and the chain stay in
 * memory through the atomic copy).
 */
export function restoreMap(machine: Machine): FrameMap {
  const { spec } = machine;
  const map: FrameMap = { frames: spec.frames, classes: new Uint8Array(spec.frames) };
  for (let pfn = 0; pfn < spec.frames; pfn++) if (machine.engine.frameTouched(pfn)) mark(map, pfn, "metadata");
  for (const pfn of machine.bootPfns) mark(map, pfn, "boot");
  markRanges(map, spec.nosave, "nosave");
  markRanges(map, spec.holes, "hole");
  const shift = 2 ** spec.pageShift;
  for (let page = machine.ctx(L.CTX_CA_CHAIN); page !== 0; page = machine.u64(page + L.LINKED_PAGE_NEXT))
    mark(map, machine.pfnOfVirt(page), "chain");
  const entries = machine.ctx(L.CTX_NR_PFN_ENTRIES);
  const list = new BigUint64Array(machine.memory.buffer, machine.arena.pfnList, entries);
  for (const e of list) mark(map, entryPfn(e), "direct");
  for (let pbe = machine.ctx(L.CTX_RESTORE_PBLIST); pbe !== 0; pbe = machine.u64(pbe + L.PBE_NEXT)) {
    mark(map, machine.u64(pbe + L.PBE_ADDRESS) / shift, "safe");
    mark(map, machine.u64(pbe + L.PBE_ORIG_ADDRESS) / shift, "viaPbe");
  }
  for (let pbe = machine.ctx(L.CTX_HIGHMEM_PBLIST); pbe !== 0; pbe = machine.u64(pbe + L.HIGHMEM_PBE_NEXT)) {
    mark(map, machine.u64(pbe + L.HIGHMEM_PBE_COPY_PAGE) / shift, "safe");
    mark(map, machine.u64(pbe + L.HIGHMEM_PBE_ORIG_PAGE) / shift, "viaHighmemPbe");
  }
  return map;
}

/** imageMap - Where an image's pages lie in a machine of @frames PFNs; @entries as stored (bit 63: zero page). */
export function imageMap(frames: number, entries: Iterable<bigint>, holes: readonly PfnRange[] = []): FrameMap {
  const map: FrameMap = { frames, classes: new Uint8Array(frames) };
  markRanges(map, holes, "hole");
  for (const e of entries) mark(map, entryPfn(e), entryIsZero(e) ? "zero" : "image");
  return map;
}

/**
 * renderSvg - Draw @map: frames left to right, top to bottom, one cell per frame (or per group of frames when there
 * are more than ~131072, coloured by the class most frames of the group have), with a legend of the classes present.
 */
export function renderSvg(map: FrameMap, title: string, pageSize: number): string {
  const maxCells = 131072;
  const group = Math.max(1, Math.ceil(map.frames / maxCells));
  const cellsCount = Math.ceil(map.frames / group);
  const columns = Math.min(512, Math.max(64, 2 ** Math.ceil(Math.log2(Math.sqrt(cellsCount * 2)))));
  const rows = Math.ceil(cellsCount / columns);
  const cell = Math.max(1, Math.min(8, Math.floor(1024 / columns)));
  const cells = new Uint8Array(cellsCount);
  const counts = new Uint32Array(FRAME_CLASSES.length);
  const present = new Uint32Array(FRAME_CLASSES.length);
  for (let c = 0; c < cellsCount; c++) {
    counts.fill(0);
    for (let pfn = c * group; pfn < Math.min(map.frames, (c + 1) * group); pfn++) counts[map.classes[pfn]!]!++;
    let best = 0;
    for (let k = 1; k < counts.length; k++) if (counts[k]! > counts[best]!) best = k;
    cells[c] = best;
  }
  for (const k of map.classes) present[k]!++;
  const top = 40;
  const width = columns * cell + 20;
  const legendRows = FRAME_CLASSES.filter((_, k) => present[k]! > 0);
  const height = top + rows * cell + 20 + legendRows.length * 18 + 10;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.max(width, 560)}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="10" y="34" fill="#555">${map.frames} frames of ${pageSize} bytes; ${group === 1 ? "one cell per frame" : `one cell per ${group} frames (majority class)`}, ${columns} per row</text>`,
  ];
  for (let r = 0; r < rows; r++) {
    let c = 0;
    while (c < columns && r * columns + c < cellsCount) {
      const k = cells[r * columns + c]!;
      let run = 1;
      while (c + run < columns && r * columns + c + run < cellsCount && cells[r * columns + c + run] === k) run++;
      if (k !== CODE.free)
        out.push(
          `<rect x="${10 + c * cell}" y="${top + r * cell}" width="${run * cell}" height="${cell}" fill="${FRAME_CLASSES[k]!.color}"/>`,
        );
      c += run;
    }
  }
  out.push(
    `<rect x="10" y="${top}" width="${columns * cell}" height="${rows * cell}" fill="none" stroke="#999" stroke-width="0.5"/>`,
  );
  let y = top + rows * cell + 24;
  for (const cls of legendRows) {
    const k = FRAME_CLASSES.indexOf(cls);
    out.push(
      `<rect x="10" y="${y - 10}" width="12" height="12" fill="${cls.color}" stroke="#999" stroke-width="0.5"/>`,
    );
    out.push(`<text x="28" y="${y}">${escapeXml(cls.label)}: ${present[k]} frames</text>`);
    y += 18;
  }
  out.push("</svg>");
  return out.join("\n");
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * writeSvg - Render @map and write it to @path through an OutputFile (@output: the option that named it, the inputs it
 * must not be, whether an existing file may be replaced): all or nothing, never the image.
 * @throws ConfigError as OutputFile.create does.
 */
export function writeSvg(
  path: string,
  map: FrameMap,
  title: string,
  pageSize: number,
  output: OutputFileOptions = { option: "--map" },
): void {
  writeOutputFile(path, renderSvg(map, title, pageSize), output);
}
