// LZ4 block decompression, the safe variant: what the resuming kernel (v6.9+, SF_COMPRESSION_ALG_LZ4) runs on every
// chunk of an LZ4-compressed hibernation image (kernel/power/swap.c: load_image_lzo()). The chunk holds one raw block
// (crypto "lz4", LZ4_compress_default: no frame, no size prefix), a sequence of sequences:
//
// ╒═════════════════════════════ LZ4 sequence ═════════════════════════════╕
// │ token         high nibble L: literal count; low nibble M: match length  │ 1 byte
// │ [L ext]       when L = 15: bytes added to it, up to and with one < 255  │ 0+ bytes
// │ literals      L bytes copied to the output                              │ L bytes
// │ offset        LE16, 1–65535: the match starts this far back             │ 2 bytes ┐ absent in the
// │ [M ext]       when M = 15: bytes added to it, up to and with one < 255  │ 0+ bytes│ last sequence
// │               the match copies M + 4 bytes                              │         ┘
// └─────────────────────────────────────────────────────────────────────────┘
// The block ends right after the literals of its last sequence, exactly at the end of the input.
import {
  DECOMP_E_ARGS, LZ4_E_INPUT_OVERRUN, LZ4_E_OUTPUT_OVERRUN, LZ4_E_LOOKBEHIND_OVERRUN, LZ4_E_OFFSET_ZERO,
  LZ4_E_END_MISSING,
} from "../portable/compress";
import {
  WILD_SLACK, buffersValid, decompressFail, copyLiterals, copyMatchFar, copyMatchWild, copyMatchTail,
} from "./copy";

/** The shortest match. */
// @ts-ignore: decorator
@inline const MINMATCH: usize = 4;

/**
 * LZ4_decompress_safe - Decompress one raw LZ4 block, checking every read and write.
 * @src: address of the block (a chunk's data after its 8-byte cmp_len, kernel/power/swap.c: load_image_lzo()).
 * @srcLen: its exact length (cmp_len): the last sequence's literals must end there.
 * @dst: address of the output buffer.
 * @dstCap: its size; nothing outside [dst, dst+dstCap) is written (bytes past the returned length may be).
 * @err: the caller's DECOMP_ERR record (assembly/portable/compress.ts), written only on failure.
 *
 * Returns the number of bytes decompressed, or a negative LZ4_E_* / DECOMP_E_ARGS code (assembly/portable/compress.ts)
 * with the failing token's input offset, the bytes written and the offending value in the DECOMP_ERR_* record at
 * @err. Never reads outside [src, src+srcLen) or before dst, and never traps on any input.
 *
 * Every block that lz4's LZ4_decompress_safe decodes decodes the same here, except one with a match offset of 0,
 * which the block format forbids and which is refused. Blocks whose last match or literals come closer to the end
 * than lz4's encoder ever puts them (its MFLIMIT and LASTLITERALS margins) are decoded rather than refused.
 */
export function lz4DecompressSafe(src: usize, srcLen: u32, dst: usize, dstCap: u32, err: usize): i32 {
  if (!buffersValid(src, srcLen, dst, dstCap)) return decompressFail(err, DECOMP_E_ARGS, 0, 0, 0);
  const ipEnd = src + <usize>srcLen;
  const opEnd = dst + <usize>dstCap;
  // The fast loop runs while a token, 16 literal bytes and an offset can be read blind (ip + 19 <= ipEnd), and 14
  // literals plus an 18-byte match written blind (op + 32 <= opEnd).
  const ipFast = srcLen >= 19 ? ipEnd - 18 : src;
  const opFast = dstCap >= 32 ? opEnd - 31 : dst;
  let ip = src;
  let op = dst;
  if (srcLen == 0) return decompressFail(err, LZ4_E_INPUT_OVERRUN, 0, 0, 1);

  while (true) {
    let token: usize = 0;
    let inst: usize;
    let matchOnly = false;

    // Fast loop, kept small so that its few values stay in registers: sequences of fewer than 15 literals and a
    // match at least 8 back, copied 16 and 18 bytes at a time (longer matches: at least 16 back, 16 at a time). It
    // leaves on anything else, with the literals of a sequence whose match it cannot take already copied
    // (matchOnly).
    while (ip < ipFast && op < opFast) {
      token = <usize>load<u8>(ip);
      const lit = token >> 4;
      if (lit == 15) break;
      v128.store(op, v128.load(ip, 1));
      ip += lit + 1;
      op += lit;
      const offset = <usize>load<u16>(ip);
      if (offset < 8 || offset > op - dst) {
        matchOnly = true;
        break;
      }
      const m = op - offset;
      if ((token & 15) == 15) {
        // A long match: its length bytes, then copyMatchFar when it lies at least 16 back and fits with room to spare.
        const room = opEnd - op - WILD_SLACK;
        let p = ip + 2;
        let ml: usize = 15 + MINMATCH;
        let b: usize = 255;
        while (b == 255 && p < ipEnd && ml <= room) {
          b = <usize>load<u8>(p++);
          ml += b;
        }
        if (b == 255 || offset < 16 || ml > room) {
          matchOnly = true;
          break;
        }
        copyMatchFar(op, m, op + ml);
        ip = p;
        op += ml;
        continue;
      }
      store<u64>(op, load<u64>(m));
      store<u64>(op, load<u64>(m, 8), 8);
      store<u16>(op, load<u16>(m, 16), 16);
      ip += 2;
      op += (token & 15) + MINMATCH;
    }

    if (matchOnly) {
      inst = ip - (token >> 4) - 1;
    } else {
      inst = ip;
      if (ip == ipEnd) return decompressFail(err, LZ4_E_END_MISSING, inst - src, op - dst, 0);
      token = <usize>load<u8>(ip++);
      let lit = token >> 4;
      if (lit == 15) {
        lit = extendedLength(ip, ipEnd, 15, dstCap);
        if (lit == 0) return decompressFail(err, LZ4_E_INPUT_OVERRUN, inst - src, op - dst, <u32>(ipEnd - inst + 1));
        if (lit > <usize>dstCap) return decompressFail(err, LZ4_E_OUTPUT_OVERRUN, inst - src, op - dst, <u32>lit);
        ip += (lit - 15) / 255 + 1;
      }
      if (lit > ipEnd - ip) {
        return decompressFail(err, LZ4_E_INPUT_OVERRUN, inst - src, op - dst, <u32>(ip - inst + lit));
      }
      if (lit > opEnd - op) return decompressFail(err, LZ4_E_OUTPUT_OVERRUN, inst - src, op - dst, <u32>lit);
      copyLiterals(op, ip, lit, ipEnd - ip - lit >= WILD_SLACK && opEnd - op - lit >= WILD_SLACK);
      ip += lit;
      op += lit;
      if (ip == ipEnd) return <i32>(op - dst);
      if (ipEnd - ip < 2) return decompressFail(err, LZ4_E_INPUT_OVERRUN, inst - src, op - dst, <u32>(ip - inst + 2));
    }

    const offset = <usize>load<u16>(ip);
    ip += 2;
    let ml = token & 15;
    if (ml == 15) {
      ml = extendedLength(ip, ipEnd, 15, dstCap);
      if (ml == 0) return decompressFail(err, LZ4_E_INPUT_OVERRUN, inst - src, op - dst, <u32>(ipEnd - inst + 1));
      if (ml > <usize>dstCap) return decompressFail(err, LZ4_E_OUTPUT_OVERRUN, inst - src, op - dst, <u32>ml);
      ip += (ml - 15) / 255 + 1;
    }
    ml += MINMATCH;
    if (offset == 0) return decompressFail(err, LZ4_E_OFFSET_ZERO, inst - src, op - dst, 0);
    if (offset > op - dst) return decompressFail(err, LZ4_E_LOOKBEHIND_OVERRUN, inst - src, op - dst, <u32>offset);
    if (ml > opEnd - op) return decompressFail(err, LZ4_E_OUTPUT_OVERRUN, inst - src, op - dst, <u32>ml);
    if (opEnd - op - ml >= WILD_SLACK) copyMatchWild(op, offset, op + ml);
    else copyMatchTail(op, offset, ml);
    op += ml;
  }
  return 0; // unreachable: the loop only returns
}

/**
 * Value of a length nibble of 15 extended by the bytes at @ip: 15 + each byte, up to and with the first one below
 * 255. 0 when the input ends first. Stops adding once past @cap (the caller then fails with an output overrun), so
 * the sum cannot wrap.
 */
function extendedLength(ip: usize, ipEnd: usize, base: usize, cap: u32): usize {
  let len = base;
  while (true) {
    if (ip >= ipEnd) return 0;
    const b = <usize>load<u8>(ip++);
    len += b;
    if (b != 255) return len;
    if (len > <usize>cap) return len;
  }
  return 0;
}
