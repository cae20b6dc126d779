import * as L from "../../assembly/portable/layout.js";
import { ENOMEM, EFAULT } from "../../assembly/portable/errno.js";
import { ResumeError } from "../errors.js";
import { hex32 } from "../util/crc32.js";
import { engineError, readPages, streamCrc, type ResumeState } from "./state.js";

/**
 * loadImage - load_image(): every data page through snapshot_write_next()/get_buffer() (§4.2, §4.6–§4.8), then
 * snapshot_write_finalize() and the CRC check (§5.7).
 *
 * Data pages are read into the staging region a batch at a time; the engine places each page in the kernel's order:
 * into its owned original frame, or into a safe page with a PBE prepended to restore_pblist, highmem pages through
 * the bounce page, zero pages cleared without a stream page. A short read fails with -ENODATA naming the page; a CRC
 * that differs from the header's fails with -ENODATA, as in the kernel, before anything is committed.
 */
export function loadImage(state: ResumeState): void {
  const { machine, source } = state;
  const batch = L.STAGING_SIZE / machine.spec.pageSize;
  for (let done = 0; done < source.imagePages; ) {
    const count = Math.min(batch, source.imagePages - done);
    readPages(state, "loadImage", count, "data page", done, source.imagePages);
    const ret = machine.engine.loadImagePages(L.STAGING_START, count);
    if (ret < 0) throw engineError(machine, "loadImage", ret, () => describe(ret, done + Number(machine.ctx64(L.CTX_ERR_VALUE))));
    done += count;
    state.onProgress?.({ phase: "loadImage", done, total: source.imagePages });
  }
  const ret = machine.engine.snapshotWriteFinalize();
  if (ret < 0) throw engineError(machine, "loadImage", ret, () => describe(ret, source.imagePages));
  const crc = streamCrc(state);
  if (source.crc32 !== undefined && crc !== source.crc32) {
    throw new ResumeError("loadImage", "ENODATA", `CRC32 mismatch: the header says ${hex32(source.crc32)}, the stream gives ${hex32(crc)}`, { kind: "field", name: "crc32", value: hex32(source.crc32) });
  }
}

function describe(ret: number, page: number): string {
  if (ret === -ENOMEM) return `out of memory placing data page ${page} (no safe page or chain page left)`;
  if (ret === -EFAULT) return `data page ${page} has no PFN left in orig_bm (the PFN list is shorter than the stream)`;
  return `the stream and the PFN list disagree at data page ${page}`;
}
