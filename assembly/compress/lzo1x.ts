// LZO1X decompression, the safe variant: what the resuming kernel runs on every chunk of an LZO-compressed
// hibernation image (kernel/power/swap.c: load_image_lzo(); lib/lzo/lzo1x_decompress_safe.c). The writer is
// lzo1x_1_compress (crypto "lzo", plain LZO1X-1 with no LZO-RLE version marker); its output is a sequence of
// instructions:
//
// ╒══════════════ LZO1X instruction, by its first byte t ══════════════╤═══════════════════════════════════════╕
// │ t 0–15, state 0    literal run                                       │ t+3 bytes; t = 0: 18 + 255·Z + b      │
// │ t 0–15, state 1–3  M1 match, 2 bytes, then byte b                    │ distance 1 + (t>>2) + (b<<2)          │
// │ t 0–15, state 4    M1 match, 3 bytes, then byte b                    │ distance 2049 + (t>>2) + (b<<2)       │
// │ t 16–31            M4 match, (t&7)+2 bytes (0: 9 + 255·Z + b),       │ distance 16384 + ((t&8)<<11) + (d>>2);│
// │                    then LE16 d                                       │ distance 16384 exactly = end of stream│
// │ t 32–63            M3 match, (t&31)+2 bytes (0: 33 + 255·Z + b),     │ distance 1 + (d>>2)                   │
// │                    then LE16 d                                       │                                       │
// │ t 64–255           M2 match, (t>>5)+1 bytes, then byte b             │ distance 1 + ((t>>2)&7) + (b<<3)      │
// ├──────────────────────────────────────────────────────────────────────┴───────────────────────────────────────┤
// │ Z = number of 0 bytes before the non-zero byte b that ends an extended length.                               │
// │ After a match, the low 2 bits of t (M1, M2) or of d (M3, M4) give 0–3 literal bytes that follow it; that     │
// │ count is the next state. A literal run sets state 4. The stream starts in state 0, or with a first byte      │
// │ t > 17: a literal run of t-17 bytes (state t-17 if below 4, else 4). It ends with the M4 "17 0 0".           │
// └──────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
import {
  DECOMP_E_ARGS, LZO_E_ERROR, LZO_E_INPUT_OVERRUN, LZO_E_OUTPUT_OVERRUN, LZO_E_LOOKBEHIND_OVERRUN,
  LZO_E_INPUT_NOT_CONSUMED, LZO_E_BITSTREAM_VERSION,
} from "../portable/compress";
import {
  WILD_SLACK, buffersValid, decompressFail, copyLiterals, copyMatchWild, copyMatchTail,
} from "./copy";

/** The shortest instruction, the end-of-stream marker, is 3 bytes: at least this much input follows every one. */
// @ts-ignore: decorator
@inline const MIN_TAIL: usize = 3;

/** M4 matches lie 16384 bytes further back than their distance field says. */
// @ts-ignore: decorator
@inline const M4_BASE: usize = 0x4000;

/** M1 matches right after a literal run lie 2048 bytes further back than their distance field says. */
// @ts-ignore: decorator
@inline const M1_RUN_BASE: usize = 0x800;

/**
 * lzo1x_decompress_safe - Decompress one LZO1X-1 stream, checking every read and write.
 * @src: address of the compressed bytes (a chunk's data after its 8-byte cmp_len, kernel/power/swap.c:
 * load_image_lzo()).
 * @srcLen: cmp_len: the stream must end, with its end-of-stream marker, exactly there.
 * @dst: address of the output buffer.
 * @dstCap: its size; nothing outside [dst, dst+dstCap) is written (bytes past the returned length may be).
 * @err: the caller's DECOMP_ERR record (assembly/portable/compress.ts), written only on failure.
 *
 * Returns the number of bytes decompressed, or a negative LZO_E_* / DECOMP_E_ARGS code (assembly/portable/compress.ts)
 * with the failing input offset, the bytes written and the offending value in the DECOMP_ERR_* record at @err.
 * Never reads outside [src, src+srcLen) or before dst, and never traps on any input.
 *
 * Decodes the streams liblzo's lzo1x_decompress_safe decodes, to the same bytes, and fails damaged ones with the
 * same error (the tests check both against liblzo), except where this follows the kernel's decoder instead: input
 * shorter than the 3-byte end marker fails before it is read, and an end marker whose length is not 3 fails with
 * LZO_E_ERROR (liblzo does not look at that length). Streams that start with the LZO-RLE marker (17, version;
 * lzorle1x_1_compress, used by zram) are refused: hibernation writes plain lzo1x_1_compress output (crypto "lzo").
 */
export function lzo1xDecompressSafe(src: usize, srcLen: u32, dst: usize, dstCap: u32, err: usize): i32 {
  if (!buffersValid(src, srcLen, dst, dstCap)) return decompressFail(err, DECOMP_E_ARGS, 0, 0, 0);
  const ipEnd = src + <usize>srcLen;
  const opEnd = dst + <usize>dstCap;
  let ip = src;
  let op = dst;
  let inst = src;
  let state: usize = 0;
  let t: usize;

  if (<usize>srcLen < MIN_TAIL) return decompressFail(err, LZO_E_INPUT_OVERRUN, 0, 0, <u32>MIN_TAIL);
  t = <usize>load<u8>(ip);
  if (t == 17 && srcLen >= 5) return decompressFail(err, LZO_E_BITSTREAM_VERSION, 0, 0, load<u8>(ip, 1));
  if (t > 17) {
    t -= 17;
    ip++;
    if (t > opEnd - op) return decompressFail(err, LZO_E_OUTPUT_OVERRUN, 0, 0, <u32>t);
    if (t > ipEnd - ip || ipEnd - ip - t < MIN_TAIL) {
      return decompressFail(err, LZO_E_INPUT_OVERRUN, 0, 0, <u32>(t + 1 + MIN_TAIL));
    }
    copyLiterals(op, ip, t, false);
    ip += t;
    op += t;
    state = t < 4 ? t : 4;
  }

  // The fast loop runs while an instruction, its 0–3 literals and 32 bytes of a short literal run can be read blind
  // (ip + 34 <= ipEnd), and 48 bytes written blind (op + 48 <= opEnd).
  const ipFast = srcLen >= 34 ? ipEnd - 33 : src;
  const opFast = dstCap >= 48 ? opEnd - 47 : dst;

  while (true) {
    // Fast loop, kept small so that its few values stay in registers: M2 matches at least 8 back, M3 matches of at
    // most 33 bytes at least 16 back, and literal runs of 4–18 bytes, copied 8 or 16 bytes at a time, with the
    // match's trailing literals as one 4-byte move. It leaves at the start of any other instruction.
    while (ip < ipFast && op < opFast) {
      t = <usize>load<u8>(ip);
      if (t >= 64) {
        const dist: usize = 1 + ((t >> 2) & 7) + (<usize>load<u8>(ip, 1) << 3);
        if (dist < 8 || dist > op - dst) break;
        store<u64>(op, load<u64>(op - dist));
        op += (t >> 5) + 1;
        state = t & 3;
        store<u32>(op, load<u32>(ip, 2));
        ip += 2 + state;
        op += state;
      } else if (t > 32) {
        const d = <usize>load<u16>(ip, 1);
        const dist: usize = 1 + (d >> 2);
        if (dist < 16 || dist > op - dst) break;
        const m = op - dist;
        const len = (t & 31) + 2;
        v128.store(op, v128.load(m));
        if (len > 16) {
          v128.store(op, v128.load(m, 16), 16);
          if (len > 32) v128.store(op, v128.load(m, 32), 32);
        }
        op += len;
        state = d & 3;
        store<u32>(op, load<u32>(ip, 3));
        ip += 3 + state;
        op += state;
      } else if (t < 16 && t != 0 && state == 0) {
        v128.store(op, v128.load(ip, 1));
        v128.store(op, v128.load(ip, 17), 16);
        ip += t + 4;
        op += t + 3;
        state = 4;
      } else {
        break;
      }
    }

    inst = ip;
    if (ipEnd - ip < MIN_TAIL) return decompressFail(err, LZO_E_INPUT_OVERRUN, ip - src, op - dst, <u32>MIN_TAIL);
    t = <usize>load<u8>(ip);
    let len: usize;
    let dist: usize;
    let next: usize;

    if (t >= 64) {
      // M2: the most common instruction in kernel images
      dist = 1 + ((t >> 2) & 7) + (<usize>load<u8>(ip, 1) << 3);
      len = (t >> 5) + 1;
      next = t & 3;
      ip += 2;
    } else if (t >= 32) {
      len = (t & 31) + 2;
      ip++;
      if (len == 2) {
        len = extendedLength(ip, ipEnd, 31 + 2);
        if (len == 0) return decompressFail(err, LZO_E_INPUT_OVERRUN, inst - src, op - dst, <u32>(ipEnd - inst + 1));
        ip = extendedEnd;
        if (ipEnd - ip < 2) return decompressFail(err, LZO_E_INPUT_OVERRUN, inst - src, op - dst, <u32>(ip - inst + 2));
      }
      const d = <usize>load<u16>(ip);
      dist = 1 + (d >> 2);
      next = d & 3;
      ip += 2;
    } else if (t >= 16) {
      len = (t & 7) + 2;
      ip++;
      if (len == 2) {
        len = extendedLength(ip, ipEnd, 7 + 2);
        if (len == 0) return decompressFail(err, LZO_E_INPUT_OVERRUN, inst - src, op - dst, <u32>(ipEnd - inst + 1));
        ip = extendedEnd;
        if (ipEnd - ip < 2) return decompressFail(err, LZO_E_INPUT_OVERRUN, inst - src, op - dst, <u32>(ip - inst + 2));
      }
      const d = <usize>load<u16>(ip);
      ip += 2;
      dist = ((t & 8) << 11) + (d >> 2);
      if (dist == 0) {
        if (len != 3) return decompressFail(err, LZO_E_ERROR, inst - src, op - dst, <u32>len);
        if (ip != ipEnd) return decompressFail(err, LZO_E_INPUT_NOT_CONSUMED, inst - src, op - dst, <u32>(ipEnd - ip));
        return <i32>(op - dst);
      }
      dist += M4_BASE;
      next = d & 3;
    } else if (state == 0) {
      // literal run
      ip++;
      len = t + 3;
      if (t == 0) {
        len = extendedLength(ip, ipEnd, 15 + 3);
        if (len == 0) return decompressFail(err, LZO_E_INPUT_OVERRUN, inst - src, op - dst, <u32>(ipEnd - inst + 1));
        ip = extendedEnd;
      }
      if (len > opEnd - op) return decompressFail(err, LZO_E_OUTPUT_OVERRUN, inst - src, op - dst, <u32>len);
      if (len > ipEnd - ip || ipEnd - ip - len < MIN_TAIL) {
        return decompressFail(err, LZO_E_INPUT_OVERRUN, inst - src, op - dst, <u32>(ip - inst + len + MIN_TAIL));
      }
      copyLiterals(op, ip, len, ipEnd - ip - len >= WILD_SLACK && opEnd - op - len >= WILD_SLACK);
      ip += len;
      op += len;
      state = 4;
      continue;
    } else {
      // M1: two bytes close by after a match's own literals, three bytes 2 KiB back after a literal run
      const b = <usize>load<u8>(ip, 1);
      if (state == 4) {
        dist = 1 + M1_RUN_BASE + (t >> 2) + (b << 2);
        len = 3;
      } else {
        dist = 1 + (t >> 2) + (b << 2);
        len = 2;
      }
      next = t & 3;
      ip += 2;
    }

    if (dist > op - dst) return decompressFail(err, LZO_E_LOOKBEHIND_OVERRUN, inst - src, op - dst, <u32>dist);
    if (len > opEnd - op) return decompressFail(err, LZO_E_OUTPUT_OVERRUN, inst - src, op - dst, <u32>len);
    if (opEnd - op - len >= WILD_SLACK) copyMatchWild(op, dist, op + len);
    else copyMatchTail(op, dist, len);
    op += len;

    // the 0–3 literals that follow the match
    if (ipEnd - ip >= 4 && opEnd - op >= 4) {
      store<u32>(op, load<u32>(ip));
    } else {
      if (next > ipEnd - ip) {
        return decompressFail(err, LZO_E_INPUT_OVERRUN, inst - src, op - dst, <u32>(ip - inst + next));
      }
      if (next > opEnd - op) return decompressFail(err, LZO_E_OUTPUT_OVERRUN, inst - src, op - dst, <u32>next);
      for (let i: usize = 0; i < next; i++) store<u8>(op + i, load<u8>(ip + i));
    }
    ip += next;
    op += next;
    state = next;
  }
  return 0; // unreachable: the loop only returns
}

/** Where the extended length field that extendedLength() read last ends: the byte after its non-zero byte. */
let extendedEnd: usize = 0;

/**
 * Length of an extended length field that starts at @ip: @base + 255 for each 0 byte, plus the non-zero byte after
 * them; 0 when the input ends first. The field's end goes to extendedEnd. Past 2^23 zero bytes the length stays at
 * 2^31, more than any dstCap, so that it cannot wrap and the caller's output check refuses it.
 */
function extendedLength(ip: usize, ipEnd: usize, base: usize): usize {
  let zeros: usize = 0;
  while (true) {
    if (ip >= ipEnd) return 0;
    const b = <usize>load<u8>(ip++);
    if (b != 0) {
      extendedEnd = ip;
      return zeros > 1 << 23 ? <usize>0x80000000 : base + zeros * 255 + b;
    }
    zeros++;
  }
  return 0;
}
