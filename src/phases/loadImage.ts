import * as L from "../../assembly/portable/layout.js";
import { ENOMEM, EFAULT } from "../../assembly/portable/errno.js";
import { ResumeError } from "../errors.js";
import { crc32Le, hex32 } from "../util/crc32.js";
import { streamOffset } from "../image/thawImage.js";
import { engineError, type ResumeState } from "./state.js";

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
  const { machine, header, image } = state;
  const { pageSize } = machine.spec;
  const batch = L.STAGING_SIZE / pageSize;
  const first = 1 + header.metaPages;
  for (let done = 0; done < header.imagePages; ) {
    const count = Math.min(batch, header.imagePages - done);
    const view = machine.bytes(L.STAGING_START, count * pageSize);
    const read = image.read(view, streamOffset(header, first + done));
    if (read < view.length) {
      const page = done + Math.floor(read / pageSize);
      throw new ResumeError("loadImage", "ENODATA", `image ends at data page ${page} of ${header.imagePages}`, { kind: "page", value: page, limit: header.imagePages });
    }
    state.crc = crc32Le(view, state.crc);
    const ret = machine.engine.loadImagePages(L.STAGING_START, count);
    if (ret < 0) throw engineError(machine, "loadImage", ret, () => describe(ret, done + Number(machine.ctx64(L.CTX_ERR_VALUE))));
    done += count;
    state.onProgress?.({ phase: "loadImage", done, total: header.imagePages });
  }
  const ret = machine.engine.snapshotWriteFinalize();
  if (ret < 0) throw engineError(machine, "loadImage", ret, () => describe(ret, header.imagePages));
  if (header.flags & L.THAW_FLAG_CRC32 && state.crc !== header.crc32) {
    throw new ResumeError("loadImage", "ENODATA", `CRC32 mismatch: the header says ${hex32(header.crc32)}, the stream gives ${hex32(state.crc)}`, { kind: "field", name: "crc32", value: hex32(header.crc32) });
  }
}

function describe(ret: number, page: number): string {
  if (ret === -ENOMEM) return `out of memory placing data page ${page} (no safe page or chain page left)`;
  if (ret === -EFAULT) return `data page ${page} has no PFN left in orig_bm (the PFN list is shorter than the stream)`;
  return `the stream and the PFN list disagree at data page ${page}`;
}
