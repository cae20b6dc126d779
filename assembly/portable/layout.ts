// This file is shared by the AssemblyScript engine (assembly/) and the TypeScript host (src/) and must remain
// portable: integer literals and + - * << only, no types, no functions. It is the single source of truth for the
// linear-memory map, the record layouts and the on-disk layout of a thaw image.
//
// ╒═══════════════════ Linear memory (one shared WebAssembly.Memory) ═══════════════════╕
// │ AS_RESERVED   AssemblyScript static data (no heap: runtime stub, never allocates)   │ 0
// │ CTX           the kernel's globals of kernel/power/snapshot.c, one record            │ CTX_START
// │ RANGES        hole and nosave PFN ranges of the machine                            │ RANGES_START
// │ STAGING       image pages on their way from the file (the I/O buffer)              │ STAGING_START
// │ ARENA         laid out by the host per machine (offsets kept in CTX):              │ ARENA_START
// │                 model maps, allocator orders, bitmap slots, verify lists           │
// │ FRAMES        physical memory: nr_frames × page_size, 64 KiB aligned               │ CTX_FRAMES_BASE
// └──────────────────────────────────────────────────────────────────────────────────────┘

export const WASM_PAGE_SIZE = 65536;
export const MAX_MEMORY_BYTES = 65536 * 65536;

export const MIN_PAGE_SHIFT = 6;
export const MAX_PAGE_SHIFT = 16;
export const DEFAULT_PAGE_SHIFT = 12;

export const AS_RESERVED_START = 0;
export const AS_RESERVED_SIZE = 65536;

export const CTX_START = AS_RESERVED_START + AS_RESERVED_SIZE;
export const CTX_SIZE = 4096;

export const MAX_RANGES = 224;
export const RANGE_SIZE = 8;
export const RANGES_START = CTX_START + CTX_SIZE;
export const HOLES_START = RANGES_START;
export const NOSAVE_START = HOLES_START + MAX_RANGES * RANGE_SIZE;
export const RANGES_SIZE = 2 * MAX_RANGES * RANGE_SIZE;

export const STAGING_START = 2 * WASM_PAGE_SIZE;
export const STAGING_SIZE = 64 * WASM_PAGE_SIZE;

export const ARENA_START = STAGING_START + STAGING_SIZE;

// ── CTX: one field per kernel global (snapshot.c statics) or model parameter. u32 unless marked u64. ──
// machine model
export const CTX_PAGE_SHIFT = 0;
export const CTX_PAGE_SIZE = 4;
export const CTX_NR_FRAMES = 8;
export const CTX_FRAMES_BASE = 12;
export const CTX_DMA_END_PFN = 16;
export const CTX_HIGHMEM_START_PFN = 20;
export const CTX_NR_HOLES = 24;
export const CTX_NR_NOSAVE = 28;
export const CTX_USED_MAP = 32;
export const CTX_ORDER_LOW = 36;
export const CTX_ORDER_LOW_LEN = 40;
export const CTX_ORDER_LOW_CURSOR = 44;
export const CTX_ORDER_HIGH = 48;
export const CTX_ORDER_HIGH_LEN = 52;
export const CTX_ORDER_HIGH_CURSOR = 56;
export const CTX_NR_FREE_LOW = 60;
export const CTX_NR_FREE_HIGH = 64;
export const CTX_ALLOC_COUNT = 68;
export const CTX_ALLOC_FAIL_AT = 72;
export const CTX_HAS_CONTENTS = 76;
// bitmaps: the strategy, the slots that hold them, the frames each one is charged
export const CTX_BM_KIND = 80;
export const CTX_BM_SLOTS = 84;
export const CTX_BM_NR_SLOTS = 88;
export const CTX_BM_SLOT_SIZE = 92;
export const CTX_BM_STORAGE_SIZE = 96;
export const CTX_BM_CHARGE = 100;
export const CTX_FORBIDDEN_PAGES_MAP = 104;
export const CTX_FREE_PAGES_MAP = 108;
export const CTX_COPY_BM = 112;
export const CTX_ZERO_BM = 116;
export const CTX_ORIG_BM = 120;
export const CTX_SAFE_HIGHMEM_BM = 124;
// snapshot.c globals of the restore path
export const CTX_BUFFER = 128;
export const CTX_SAFE_PAGES_LIST = 132;
export const CTX_RESTORE_PBLIST = 136;
export const CTX_HIGHMEM_PBLIST = 140;
export const CTX_NR_COPY_PAGES = 144;
export const CTX_NR_META_PAGES = 148;
export const CTX_NR_ZERO_PAGES = 152;
export const CTX_NR_HIGHMEM = 156;
export const CTX_ALLOCATED_UNSAFE_PAGES = 160;
export const CTX_SAFE_HIGHMEM_PAGES = 164;
export const CTX_LAST_HIGHMEM_PAGE = 168;
export const CTX_CA_CHAIN = 172;
export const CTX_CA_USED_SPACE = 176;
export const CTX_CA_SAFE_NEEDED = 180;
export const CTX_HANDLE_BUFFERS = 184;
export const CTX_NR_PFN_ENTRIES = 188;
export const CTX_NR_IMAGE_HIGHMEM = 192;
// statistics kept for the report (the kernel does not count these)
export const CTX_NR_DIRECT = 196;
export const CTX_NR_PBES = 200;
export const CTX_NR_HIGHMEM_PBES = 204;
export const CTX_NR_CHAIN_PAGES = 208;
// the errno of the last failure (positive), beside what it was looking at (CTX_ERR_WHAT …)
export const CTX_ERR_CODE = 212;
export const CTX_NR_RESERVED = 216;
export const CTX_NR_PREALLOCATED = 220;
export const CTX_NR_BITMAP_PAGES = 224;
export const CTX_NR_COPIED = 228;
export const CTX_NR_HIGHMEM_SWAPPED = 232;
// the offending value of the last failure
export const CTX_ERR_WHAT = 236;
export const CTX_ERR_VALUE = 240; // u64
export const CTX_ERR_LIMIT = 248; // u64
// verification
export const CTX_VERIFY_PFNS = 256;
export const CTX_VERIFY_CAPACITY = 260;
export const CTX_MISMATCHES = 264;
export const CTX_MISMATCH_CAPACITY = 268;
export const CTX_NR_MISMATCHES = 272;
export const CTX_NR_VERIFIED = 276;
export const CTX_ARENA_END = 280;
export const CTX_START_FREE_LOW = 284;
export const CTX_START_FREE_HIGH = 288;
export const CTX_NR_OWNED = 292;
export const CTX_NR_SAFE_PAGES = 296;
export const CTX_BOOT_MAP = 300;
export const CTX_TOUCHED_MAP = 304;
export const CTX_SCRATCH = 308;
export const CTX_NR_UNTOUCHED_CHECKED = 312;
export const CTX_NR_UNTOUCHED_MISMATCHES = 316;
export const CTX_PFN_LIST_UNSORTED = 320;
// page allocator orders computed rather than laid out (placement-only machines), and the metadata arena that holds
// what would live in frames when frames have no memory
export const CTX_ORDER_KIND = 324;
export const CTX_ORDER_SEED = 328;
export const CTX_SAFE_STACK = 332;
export const CTX_SAFE_STACK_LEN = 336;
export const CTX_SAFE_STACK_CAP = 340;
export const CTX_META_NEXT = 344;
export const CTX_META_END = 348;
export const CTX_META_START = 352;
// planned loading: frames that only ever receive a whole data page are not cleared first (see prepareImage)
export const CTX_DEFER_ZERO = 356;
// work left in the phases the host drives a batch at a time (for progress): frames still to preallocate, the next
// PBE for the atomic copy, data pages planned so far
export const CTX_PREALLOC_LEFT = 360;
export const CTX_COPY_CURSOR = 364;
export const CTX_PLANNED = 368;
// zero pages whose frames the last planImage() call wrote to its zero plan
export const CTX_PLAN_ZEROS = 372;
// frames whose memory was written since boot (a superset of the touched map): what the next boot clears
export const CTX_WRITTEN_MAP = 376;

// What CTX_ERR_VALUE names (and CTX_ERR_LIMIT bounds).
export const ERR_WHAT_NONE = 0;
// a PFN of the image (limit: the machine's frames)
export const ERR_WHAT_PFN = 1;
// the data page being placed, counted from 0 in stream order (limit: the data pages)
export const ERR_WHAT_PAGE_INDEX = 2;
// a count of pages (limit: the count expected)
export const ERR_WHAT_COUNT = 3;
// lowmem frames still needed (limit: lowmem frames free)
export const ERR_WHAT_PAGES_NEEDED = 4;
// highmem frames still needed (limit: highmem frames free)
export const ERR_WHAT_HIGHMEM_NEEDED = 5;
// frames a memory bitmap is charged (limit: lowmem frames free)
export const ERR_WHAT_BITMAP_FRAMES = 6;
// bitmap slots (limit: the machine's slots, all in use)
export const ERR_WHAT_BITMAP_SLOTS = 7;
// pages of a placement-only machine's metadata arena (limit: its capacity)
export const ERR_WHAT_METADATA = 8;

// Sentinels.
export const NO_PFN = 0xffffffff;
export const BM_END_OF_MAP = 0xffffffff;

// How the page allocator's order is given (CTX_ORDER_KIND).
export const ORDER_ARRAY = 0;
export const ORDER_ASCENDING = 1;
export const ORDER_DESCENDING = 2;
export const ORDER_RANDOM = 3;

// Allocation classes of the model's page allocator.
export const ZONE_CLASS_LOW = 0;
export const ZONE_CLASS_HIGH = 1;

// get_image_page() and memory_bm_create() arguments, as in the kernel.
export const PG_ANY = 0;
export const PG_SAFE = 1;
export const PG_UNSAFE_KEEP = 0;
export const PG_UNSAFE_CLEAR = 1;

// Bitmap strategies (src/engine/strategies.ts names them).
export const BM_FLAT = 0;
export const BM_BMLIST = 1;
export const BM_RTREE = 2;
export const BM_SUMMARY = 3;
export const NR_BM_KINDS = 4;

// ╒════════ memory bitmap descriptor (one per slot) ════════╕
// │ kind          strategy (BM_FLAT, ...)                  │ +0   BMD_KIND
// │ storage       address of the strategy's bits           │ +4   BMD_STORAGE
// │ start_pfn     first PFN covered                        │ +8   BMD_START_PFN
// │ end_pfn       first PFN not covered                    │ +12  BMD_END_PFN
// │ cur_bit       next bit offset for next_pfn             │ +16  BMD_CUR_BIT
// │ cur_pfn       PFN returned last (BM_END_OF_MAP: none)  │ +20  BMD_CUR_PFN
// │ nr_charged    frames charged to this bitmap            │ +24  BMD_NR_CHARGED
// │ charged       address of the charged PFN list (u32)    │ +28  BMD_CHARGED
// │ in_use        1 while created                          │ +32  BMD_IN_USE
// │ dirty_end     end of the slot's bytes written since    │ +36  BMD_DIRTY_END
// │               the memory was made (0: none; zero past) │
// │ aux0..aux5    strategy-private cursor state            │ +40  BMD_AUX
// └────────────────────────────────────────────────────────┘ 64   BMD_SIZE
export const BMD_KIND = 0;
export const BMD_STORAGE = 4;
export const BMD_START_PFN = 8;
export const BMD_END_PFN = 12;
export const BMD_CUR_BIT = 16;
export const BMD_CUR_PFN = 20;
export const BMD_NR_CHARGED = 24;
export const BMD_CHARGED = 28;
export const BMD_IN_USE = 32;
export const BMD_DIRTY_END = 36;
export const BMD_AUX = 40;
export const BMD_SIZE = 64;

// ╒══════ struct linked_page (one frame) ══════╕
// │ next   virtual address of the next page, 0 │ +0  LINKED_PAGE_NEXT (u64)
// │ data   page_size - 8 bytes                 │ +8  LINKED_PAGE_DATA
// └────────────────────────────────────────────┘
export const LINKED_PAGE_NEXT = 0;
export const LINKED_PAGE_DATA = 8;

// ╒═════════ struct pbe (include/linux/suspend.h) ═════════╕
// │ address       physical address of the copy (safe page) │ +0   PBE_ADDRESS (u64)
// │ orig_address  physical address of the original frame  │ +8   PBE_ORIG_ADDRESS (u64)
// │ next          virtual address of the next PBE, 0 = end │ +16  PBE_NEXT (u64)
// └────────────────────────────────────────────────────────┘ 24   PBE_SIZE
// struct highmem_pbe has the same shape: copy_page, orig_page, next.
export const PBE_ADDRESS = 0;
export const PBE_ORIG_ADDRESS = 8;
export const PBE_NEXT = 16;
export const PBE_SIZE = 24;
export const HIGHMEM_PBE_COPY_PAGE = 0;
export const HIGHMEM_PBE_ORIG_PAGE = 8;
export const HIGHMEM_PBE_NEXT = 16;

// PFN metadata entries (kernel/power/snapshot.c: pack_pfns()): u64, bit 63 flags a zero page (v6.6+), all ones ends the
// list.
export const PFN_ENTRY_SIZE = 8;

// ╒═════════════ thaw image header block (4096 bytes, little-endian) ═════════════╕
// │ magic "THAWIMG\0"                                               │ 0x000 HDR_MAGIC (8)
// │ version                                                          │ 0x008 HDR_VERSION
// │ page_size                                                        │ 0x00C HDR_PAGE_SIZE
// │ num_physpages  present frames (outside holes), as the kernel's   │ 0x010 HDR_NUM_PHYSPAGES (u64)
// │ image_pages    data pages in the stream (zero pages excluded)    │ 0x018 HDR_IMAGE_PAGES (u64)
// │ pages          1 + meta pages + data pages                       │ 0x020 HDR_PAGES (u64)
// │ size           bytes of the file                                 │ 0x028 HDR_SIZE (u64)
// │ flags          THAW_FLAG_*                                       │ 0x030 HDR_FLAGS
// │ crc32          crc32_le(0, stream after this block) (kernel/power/swap.c: crc32_threadfn())       │ 0x034 HDR_CRC32
// │ dma_end_pfn                                                      │ 0x038 HDR_DMA_END_PFN (u64)
// │ highmem_start_pfn  (= num_physpages: no HighMem)                 │ 0x040 HDR_HIGHMEM_START_PFN (u64)
// │ nr_holes, nr_nosave                                              │ 0x048 HDR_NR_HOLES, 0x04C HDR_NR_NOSAVE
// │ seed           of the image kernel's contents (informational)    │ 0x050 HDR_SEED (u64)
// │ header_crc32   crc32_le(0, this block with this field zeroed)    │ 0x058 HDR_HEADER_CRC32
// │ nr_frames      PFN span of the machine (holes included)          │ 0x060 HDR_NR_FRAMES (u64)
// │ holes          nr_holes × {u32 start_pfn, u32 end_pfn}           │ 0x100 HDR_HOLES
// │ nosave         nr_nosave × {u32 start_pfn, u32 end_pfn}          │ 0x800 HDR_NOSAVE
// └──────────────────────────────────────────────────────────────────┘ 0x1000 HDR_BLOCK_SIZE
export const HDR_BLOCK_SIZE = 4096;
export const HDR_MAGIC = 0x000;
export const HDR_VERSION = 0x008;
export const HDR_PAGE_SIZE = 0x00c;
export const HDR_NUM_PHYSPAGES = 0x010;
export const HDR_IMAGE_PAGES = 0x018;
export const HDR_PAGES = 0x020;
export const HDR_SIZE = 0x028;
export const HDR_FLAGS = 0x030;
export const HDR_CRC32 = 0x034;
export const HDR_DMA_END_PFN = 0x038;
export const HDR_HIGHMEM_START_PFN = 0x040;
export const HDR_NR_HOLES = 0x048;
export const HDR_NR_NOSAVE = 0x04c;
export const HDR_SEED = 0x050;
export const HDR_HEADER_CRC32 = 0x058;
export const HDR_NR_FRAMES = 0x060;
export const HDR_HOLES = 0x100;
export const HDR_NOSAVE = 0x800;
export const HDR_MAX_RANGES = MAX_RANGES;
export const THAW_IMAGE_VERSION = 1;
export const THAW_FLAG_CRC32 = 1;
