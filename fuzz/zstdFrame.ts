/**
 * zstdFrame - @data as one Zstandard frame (RFC 8878) of raw and RLE blocks, no compression search: zero runs of a
 * whole block become 4-byte RLE blocks, so a few bytes stand for gigabytes of zeros (a bomb), and everything else is
 * stored raw. Enough to test thaw's `.zst` reader without a compressor. @zeros: more zero bytes appended after @data,
 * never materialised.
 */
const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const BLOCK = 128 * 1024;

function blockHeader(size: number, type: 0 | 1, last: boolean): number[] {
  const v = (size << 3) | (type << 1) | (last ? 1 : 0);
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff];
}

export function zstdFrame(data: Uint8Array, zeros = 0): Buffer {
  // Frame_Header_Descriptor 0 (no content size, no checksum, no dictionary), Window_Descriptor 2^17.
  const out: number[] = [...MAGIC, 0x00, 0x38];
  const parts: Buffer[] = [];
  const total = data.length + zeros;
  let at = 0;
  while (at < total) {
    const size = Math.min(BLOCK, total - at);
    const last = at + size === total;
    if (at >= data.length) {
      out.push(...blockHeader(size, 1, last), 0);
    } else {
      const raw = data.subarray(at, Math.min(at + size, data.length));
      const piece = Buffer.alloc(size);
      piece.set(raw);
      out.push(...blockHeader(size, 0, last));
      parts.push(Buffer.from(out.splice(0)), piece);
    }
    at += size;
  }
  if (total === 0) out.push(...blockHeader(0, 0, true));
  parts.push(Buffer.from(out));
  return Buffer.concat(parts);
}
