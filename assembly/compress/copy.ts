// Byte movers and failure bookkeeping shared by the LZO1X and LZ4 decoders (kernel/power/swap.c: load_image_lzo()).
//
// Both formats are LZ77: literal runs copied from the input, and matches copied from earlier output, `dist` bytes
// back, which overlap their own destination whenever dist < len. The decoders check every length and distance first;
// the movers here then copy 8 or 16 bytes at a time where the buffers leave room for it, as the kernel's
// COPY8/COPY4 fast paths and lz4's wild copies do. A "wild" copy may write up to WILD_SLACK bytes past the end it was
// given, never past the end of dst: those bytes are output not yet produced, which later copies overwrite.
import { DECOMP_ERR_IN_POS, DECOMP_ERR_OUT_POS, DECOMP_ERR_VALUE } from "../portable/compress";

/** Bytes a wild copy may write (or read) past the end it was asked for: 16 when asked for none. */
// @ts-ignore: decorator
@inline export const WILD_SLACK: usize = 16;

/** Runs at least this long go through memory.copy / memory.fill (one bulk call beats a loop of 16-byte moves). */
// @ts-ignore: decorator
@inline const LONG_COPY: usize = 256;

/** For distances 3, 5, 6, 7: the smallest multiple of the distance that is >= 8, one nibble each (0xECA89880). */
// @ts-ignore: decorator
@inline const PERIOD8: u32 = 0xeca89880;

/**
 * buffersValid - Whether [@src, @src+@srcLen) and [@dst, @dst+@dstCap) lie inside the memory and end below 4 GiB
 * (so that end addresses fit a usize), do not overlap, and @dstCap is below 2 GiB (so that every length fits the
 * i32 result).
 */
export function buffersValid(src: usize, srcLen: u32, dst: usize, dstCap: u32): bool {
  const size = min(<u64>memory.size() << 16, <u64>0xffffffff);
  const srcEnd = <u64>src + srcLen;
  const dstEnd = <u64>dst + dstCap;
  if (srcEnd > size || dstEnd > size || dstCap > 0x7fffffff) return false;
  return srcEnd <= <u64>dst || dstEnd <= <u64>src || srcLen == 0 || dstCap == 0;
}

/**
 * decompressFail - Record where a decoder stopped in the caller's error record @err, for the host's message, and
 * return @code. Each caller (a worker's slot) has a record of its own, so a failure always names its own chunk.
 * @inPos: input offset of the failing instruction; @outPos: bytes already written; @value: the offending length,
 * distance or byte (assembly/portable/compress.ts says which for each code).
 */
export function decompressFail(err: usize, code: i32, inPos: usize, outPos: usize, value: u32): i32 {
  store<u32>(err, <u32>inPos, DECOMP_ERR_IN_POS);
  store<u32>(err, <u32>outPos, DECOMP_ERR_OUT_POS);
  store<u32>(err, value, DECOMP_ERR_VALUE);
  return code;
}

/** wildCopy16 - Copy 16 bytes at a time from @s to @d until @d reaches @end (at least once). */
// @ts-ignore: decorator
@inline export function wildCopy16(d: usize, s: usize, end: usize): void {
  do {
    v128.store(d, v128.load(s));
    d += 16;
    s += 16;
  } while (d < end);
}

// @ts-ignore: decorator
@inline function wildCopy8(d: usize, s: usize, end: usize): void {
  do {
    store<u64>(d, load<u64>(s));
    d += 8;
    s += 8;
  } while (d < end);
}

// @ts-ignore: decorator
@inline function wildFill16(d: usize, v: v128, end: usize): void {
  do {
    v128.store(d, v);
    d += 16;
  } while (d < end);
}

/**
 * copyLiterals - Copy @len input bytes from @ip to @op. The caller has checked that both ranges fit; @wild says
 * whether WILD_SLACK more bytes fit after both.
 */
// @ts-ignore: decorator
@inline export function copyLiterals(op: usize, ip: usize, len: usize, wild: bool): void {
  if (wild && len < LONG_COPY) wildCopy16(op, ip, op + len);
  else memory.copy(op, ip, len);
}

/**
 * copyMatchFar - copyMatchWild for a match that starts at @m, at least 16 bytes before @op: 16 bytes at a time, or
 * one memory.copy when it is long and does not overlap its destination. Needs WILD_SLACK bytes of dst after @end.
 */
// @ts-ignore: decorator
@inline export function copyMatchFar(op: usize, m: usize, end: usize): void {
  const len = end - op;
  if (len >= LONG_COPY && op - m >= len) memory.copy(op, m, len);
  else wildCopy16(op, m, end);
}

/**
 * copyMatchWild - Copy the match of @dist (>= 1) bytes back to [@op, @end), as a byte-at-a-time copy would
 * (repeating the last @dist bytes when they overlap). Needs WILD_SLACK bytes of dst after @end. Without @bulk, long
 * runs too are moved 16 bytes at a time rather than with memory.copy / memory.fill (which the engine calls out of
 * line, at the price of every value the caller keeps in a register).
 *
 * Every wide load reads only bytes already final: distances >= 16 move 16 bytes at a time; 8–15 place 16 bytes in two
 * halves and then copy 16 at a time from twice the distance back; 1, 2 and 4 repeat one splatted vector; 3, 5, 6 and
 * 7 place 8 bytes and then copy 8 at a time from the smallest multiple of the distance that is >= 8.
 */
// @ts-ignore: decorator
@inline export function copyMatchWild(op: usize, dist: usize, end: usize, bulk: bool = true): void {
  const m = op - dist;
  if (dist >= 16) {
    if (bulk) copyMatchFar(op, m, end);
    else wildCopy16(op, m, end);
  } else if (dist >= 8) {
    store<u64>(op, load<u64>(m));
    store<u64>(op, load<u64>(m, 8), 8);
    if (end > op + 16) wildCopy16(op + 16, op + 16 - (dist << 1), end);
  } else if (dist == 1) {
    const b = load<u8>(m);
    if (bulk && end - op >= LONG_COPY) memory.fill(op, b, end - op);
    else wildFill16(op, i8x16.splat(b), end);
  } else if (dist == 2) {
    wildFill16(op, i16x8.splat(load<u16>(m)), end);
  } else if (dist == 4) {
    wildFill16(op, i32x4.splat(load<u32>(m)), end);
  } else {
    if (dist > 4) {
      store<u32>(op, load<u32>(m));
      store<u32>(op, load<u32>(m, 4), 4);
    } else {
      store<u8>(op, load<u8>(m));
      store<u8>(op, load<u8>(m, 1), 1);
      store<u8>(op, load<u8>(m, 2), 2);
      store<u8>(op, load<u8>(m, 3), 3);
      store<u8>(op, load<u8>(m, 4), 4);
      store<u8>(op, load<u8>(m, 5), 5);
      store<u8>(op, load<u8>(m, 6), 6);
      store<u8>(op, load<u8>(m, 7), 7);
    }
    if (end > op + 8) {
      const period = <usize>((PERIOD8 >> (<u32>dist << 2)) & 15);
      wildCopy8(op + 8, op + 8 - period, end);
    }
  }
}

/**
 * copyMatchTail - copyMatchWild for a match that ends less than WILD_SLACK bytes before the end of dst: all but its
 * last 16 bytes wide, those one at a time. Out of line: it runs at most at the end of each buffer.
 */
export function copyMatchTail(op: usize, dist: usize, len: usize): void {
  if (len > 16) {
    copyMatchWild(op, dist, op + len - 16);
    op += len - 16;
    len = 16;
  }
  const end = op + len;
  for (let m = op - dist; op < end; op++, m++) store<u8>(op, load<u8>(m));
}
