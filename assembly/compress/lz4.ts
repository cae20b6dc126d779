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
  WILD_SLACK, buffersValid, decompressFail, copyLiterals, copyMatchWild, copyMatchTail,
} from "./copy";

/** The shortest match. */
// @ts-ignore: decorator
@inline const MINMATCH: usize = 4;

/**
 * decodeFast runs while the input lies more than this before its end: room for a token, 16 literal bytes read blind
 * and an offset; a literal run of 15 or more, copied 32 bytes at a time, must end at least this far before it.
 */
// @ts-ignore: decorator
@inline const FAST_IN_MARGIN: usize = 32;

/**
 * decodeFast runs while the output lies more than this before the end of dst: room for 14 literals and an 18-byte
 * match written blind, or a short match copied wild (lz4's FASTLOOP_SAFE_DISTANCE).
 */
// @ts-ignore: decorator
@inline const FAST_OUT_MARGIN: usize = 64;

/** Room decodeFast leaves after a long match: its last 32-byte store may pass the match's end by that. */
// @ts-ignore: decorator
@inline const FAST_MATCH_SLACK: usize = 32;

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
  if (srcLen == 0) return decompressFail(err, LZ4_E_INPUT_OVERRUN, 0, 0, 1);
  const ipEnd = src + <usize>srcLen;
  const opEnd = dst + <usize>dstCap;
  let ip = src;
  let op = dst;
  if (<usize>srcLen > FAST_IN_MARGIN && <usize>dstCap > FAST_OUT_MARGIN) {
    op = decodeFast(src, ipEnd, dst, opEnd);
    ip = fastIp;
  }

  // The careful loop: the sequences the fast loop left, those near either end and any it refused, every length and
  // offset checked before a byte moves.
  while (true) {
    const inst = ip;
    if (ip == ipEnd) return decompressFail(err, LZ4_E_END_MISSING, inst - src, op - dst, 0);
    const token = <usize>load<u8>(ip++);
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

/** Where decodeFast stopped in the input: the token of the first sequence it left to the careful loop. */
let fastIp: usize = 0;

/**
 * decodeFast - The sequences of the block at @ip that lie far from both ends, the way lz4's fast decoding loop takes
 * them (lib/lz4.c: LZ4_decompress_generic(), LZ4_FAST_DEC_LOOP): short literal runs as one 16-byte store and short
 * matches as 18 bytes, longer runs 32 bytes at a time, blind, into the room FAST_OUT_MARGIN leaves. Returns the output
 * position and leaves the input position in fastIp, both at the token of the first sequence it did not decode: one
 * that comes within FAST_IN_MARGIN of @ipEnd or FAST_OUT_MARGIN of @opEnd, or that is invalid (the careful loop then
 * reports it). Writes nothing outside [@dst, @opEnd), reads nothing outside [@ip, @ipEnd) or before @dst.
 */
function decodeFast(ip: usize, ipEnd: usize, dst: usize, opEnd: usize): usize {
  const ipLimit = ipEnd - FAST_IN_MARGIN;
  const opLimit = opEnd - FAST_OUT_MARGIN;
  let op = dst;
  while (ip < ipLimit && op < opLimit) {
    const token = <usize>load<u8>(ip);
    let lit = token >> 4;
    let p = ip + 1;
    let o = op;
    if (lit != 15) {
      v128.store(o, v128.load(p));
    } else {
      const cap = opLimit - op;
      let b: usize = 255;
      while (b == 255 && p < ipLimit && lit <= cap) {
        b = <usize>load<u8>(p++);
        lit += b;
      }
      if (b == 255 || lit > cap || lit > ipLimit - p) break;
      copy32(o, p, o + lit);
    }
    p += lit;
    o += lit;
    const offset = <usize>load<u16>(p);
    p += 2;
    const m = o - offset;
    if (offset - 1 >= o - dst) break;
    // o lies at least 50 bytes before opEnd: room for a short match and a wild copy's slack.
    let ml = token & 15;
    if (ml != 15) {
      ml += MINMATCH;
      if (offset >= 8) {
        store<u64>(o, load<u64>(m));
        store<u64>(o, load<u64>(m, 8), 8);
        store<u16>(o, load<u16>(m, 16), 16);
      } else {
        copyMatchWild(o, offset, o + ml, false);
      }
      ip = p;
      op = o + ml;
      continue;
    }
    const cap = opEnd - o - (MINMATCH + FAST_MATCH_SLACK);
    let b: usize = 255;
    while (b == 255 && p < ipEnd && ml <= cap) {
      b = <usize>load<u8>(p++);
      ml += b;
    }
    if (b == 255 || ml > cap) break;
    ml += MINMATCH;
    if (offset >= 16) {
      copy32(o, m, o + ml);
    } else {
      copyMatchWild(o, offset, o + ml, false);
    }
    ip = p;
    op = o + ml;
  }
  fastIp = ip;
  return op;
}

/**
 * copy32 - Copy 32 bytes at a time from @s to @d until @d reaches @end (at least once), as lz4's LZ4_wildCopy32():
 * a literal run, or a match at least 16 bytes back. Writes up to 31 bytes past @end. Long runs too: memory.copy
 * would be a call, around which decodeFast would have to keep its values on the stack.
 */
// @ts-ignore: decorator
@inline function copy32(d: usize, s: usize, end: usize): void {
  do {
    v128.store(d, v128.load(s));
    v128.store(d, v128.load(s, 16), 16);
    d += 32;
    s += 32;
  } while (d < end);
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
