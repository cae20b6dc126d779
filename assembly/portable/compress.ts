// Shared by the AssemblyScript decompressors (assembly/compress/) and the TypeScript host: portable, integer constants
// only. The decompressors return a decompressed length (>= 0) or one of the negative codes below; after a negative
// return, the caller's error record says where and what:
//
// ╒════ decompression error record (12 bytes, the caller's) ════╕
// │ in_pos   input offset of the instruction or token that failed │ +0  DECOMP_ERR_IN_POS
// │ out_pos  bytes written to dst before it                       │ +4  DECOMP_ERR_OUT_POS
// │ value    what did not fit: a length, a distance or a byte     │ +8  DECOMP_ERR_VALUE
// └───────────────────────────────────────────────────────────────┘ 12  DECOMP_ERR_SIZE
//
// LZO codes are liblzo's LZO_E_* minus 100 (LZO_E_INPUT_OVERRUN = -4 → -104). LZ4 codes are in the -200s; a fault
// both formats share keeps the same last two digits (-104 / -204: input overrun).

export const DECOMP_ERR_IN_POS = 0;
export const DECOMP_ERR_OUT_POS = 4;
export const DECOMP_ERR_VALUE = 8;
export const DECOMP_ERR_SIZE = 12;

// ── Chunk format of a compressed hibernation image (kernel/power/swap.c: load_image_lzo() and its names) ──
export const UNC_PAGES = 32; // pages of stream per chunk
export const UNC_SIZE = 131072; // UNC_PAGES × 4096: the most a chunk decompresses to
export const CMP_HEADER = 8; // size_t cmp_len before the compressed bytes (x86_64)
export const WORST_CMP_LEN = 139333; // bytes_worst_compress(UNC_SIZE) = x + x/16 + 64 + 3 + 2: largest valid cmp_len
export const CMP_PAGES = 35; // ceil((WORST_CMP_LEN + CMP_HEADER) / 4096)

// ── Both decompressors ──
// src or dst reaches past the memory (or to its 4 GiB limit), the two overlap, or dstCap >= 2 GiB (the length would
// not fit an i32).
// VALUE: 0.
export const DECOMP_E_ARGS = -100;

// ── lzo1xDecompressSafe ──
// The end-of-stream marker is malformed (an M4 with distance 0 whose length is not 3). VALUE: that length.
export const LZO_E_ERROR = -101;
// An instruction, its length bytes or its literals run past srcLen. VALUE: bytes needed from the failing offset.
export const LZO_E_INPUT_OVERRUN = -104;
// Literals or a match would write past dstCap. VALUE: their length.
export const LZO_E_OUTPUT_OVERRUN = -105;
// A match reaches before dst. VALUE: its distance.
export const LZO_E_LOOKBEHIND_OVERRUN = -106;
// Bytes follow the end-of-stream marker. VALUE: how many.
export const LZO_E_INPUT_NOT_CONSUMED = -108;
// The stream starts with the LZO-RLE version marker (17, version): lzorle1x_1_compress output (zram), which the
// hibernation stream never holds (crypto "lzo" = lzo1x_1_compress). VALUE: the version byte.
export const LZO_E_BITSTREAM_VERSION = -109;

// ── lz4DecompressSafe ──
// A token's length bytes, its literals or its match offset run past srcLen. VALUE: bytes needed.
export const LZ4_E_INPUT_OVERRUN = -204;
// Literals or a match would write past dstCap. VALUE: their length.
export const LZ4_E_OUTPUT_OVERRUN = -205;
// A match reaches before dst. VALUE: its offset.
export const LZ4_E_LOOKBEHIND_OVERRUN = -206;
// A match offset of 0, which the block format forbids. VALUE: 0.
export const LZ4_E_OFFSET_ZERO = -207;
// The block ends right after a match: the last sequence must be literals only. VALUE: 0.
export const LZ4_E_END_MISSING = -208;
