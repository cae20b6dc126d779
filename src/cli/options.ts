/**
 * Flags shared by the commands: the machine options, the image options, and their parsers.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { BITMAP_STRATEGIES } from "../engine/strategies.js";
import type { OpenImageOptions } from "../image/open.js";
import type { AllocatorSpec, BitmapStrategy, BootSpec, MachineOptions } from "../machine/config.js";
import { checkBoot, checkOffset, checkWorkers, MAX_WORKERS, refuse } from "../options.js";
import type { LoadMode } from "../phases/state.js";
import { parseShare, parseSize } from "../util/units.js";

/** The machine flags as commander hands them over. */
export interface MachineFlags {
  mode?: LoadMode;
  memory?: string;
  pageSize?: number;
  highmem?: string;
  boot?: BootSpec;
  allocator?: AllocatorSpec;
  bitmap?: BitmapStrategy;
  seed?: number;
  json?: boolean;
}

/** The flags of commands that open an image. */
export interface ImageFlags {
  offset?: number;
  workers?: number;
  map?: string;
  highmem?: string;
  ignoreHwSig?: boolean;
}

/** int - A parser for a non-negative integer flag named @name. @throws ConfigError naming the flag and the value. */
export const int = (name: string) => (value: string) => {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw refuse(name, value, "a non-negative integer");
  return n;
};

/** share - A parser for "25%" or "0.25". */
export const share = (value: string) => {
  try {
    return parseShare(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

const size = (value: string) => {
  try {
    parseSize(value);
    return value;
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

function bootFlag(value: string): BootSpec {
  return checkBoot(value, "--boot");
}

/**
 * machineOptions - Add the machine flags to @cmd (without size and zones for commands that read them from an image).
 */
export function machineOptions(cmd: Command, { resume = false } = {}): Command {
  if (!resume) {
    cmd.addOption(new Option("--memory <size>", "memory size (KiB/MiB/GiB/TiB)").default("1GiB").argParser(size));
    cmd.addOption(
      new Option("--page-size <bytes>", "bytes per frame, a power of two from 64 to 65536")
        .default(4096)
        .argParser(int("--page-size")),
    );
    cmd.addOption(
      new Option("--highmem <size|none>", "where HighMem starts (default 896MiB for machines of 896 MiB to 64 GiB)"),
    );
  }
  cmd.addOption(
    new Option("--boot <profile[:share]>", "boot kernel footprint: low, scattered or clustered, and its share")
      .default(bootFlag("scattered:25%"), "scattered:25%")
      .argParser(bootFlag),
  );
  cmd.addOption(
    new Option("--allocator <order>", "page allocator order")
      .choices(["ascending", "descending", "random", "buddy"])
      .default("random"),
  );
  cmd.addOption(new Option("--bitmap <strategy>", "memory bitmap strategy").choices(BITMAP_STRATEGIES).default("flat"));
  cmd.addOption(new Option("--seed <n>", "seed of every random choice").default(1).argParser(int("--seed")));
  cmd.addOption(
    new Option(
      "--mode <mode>",
      "loading: planned (every destination first, then copies or direct reads) or faithful (the kernel's page-by-page order)",
    )
      .choices(["planned", "faithful"])
      .default("planned"),
  );
  cmd.addOption(new Option("--json", "print one JSON object and nothing else"));
  return cmd;
}

/** imageOptions - Add the flags of commands that open an image to @cmd; @map says what --map draws. */
export function imageOptions(cmd: Command, map: string): Command {
  return cmd
    .option("--offset <pages>", "swap file: resume_offset, the 4 KiB block of its swap header", (value: string) =>
      checkOffset(value, "--offset"),
    )
    .option(
      "--workers <n>",
      `decompression workers for compressed images, 0 to ${MAX_WORKERS} (0: this thread; default: clamp(CPUs-1, 1, 3) above two CPUs, else 0)`,
      (value: string) => checkWorkers(value, "--workers"),
    )
    .option(
      "--highmem <size|pfn:N|none>",
      'Linux image: where HighMem starts in its machine, e.g. 0x375fe000 from the writing kernel\'s "low ram: 0 - X" boot line (default: none on x86_64, an estimate on i386)',
    )
    .option("--ignore-hw-sig", "Linux image: restore it even if its SF_HW_SIG firmware signature does not match")
    .option("--map <file.svg>", map);
}

/** imageOpenOptions - The library options of @flags' --offset, --workers, --highmem and --ignore-hw-sig. */
export function imageOpenOptions(flags: ImageFlags): OpenImageOptions {
  return {
    ...(flags.offset !== undefined && { offset: flags.offset }),
    ...(flags.workers !== undefined && { workers: flags.workers }),
    ...(flags.highmem !== undefined && { highmem: flags.highmem }),
    ...(flags.ignoreHwSig && { ignoreHwSig: true }),
  };
}

/** toMachine - The library's MachineOptions from @flags. */
export function toMachine(flags: MachineFlags): MachineOptions {
  return {
    ...(flags.memory !== undefined && { memory: flags.memory }),
    ...(flags.pageSize !== undefined && { pageSize: flags.pageSize }),
    ...(flags.highmem !== undefined && { highmem: flags.highmem === "none" ? false : flags.highmem }),
    ...(flags.boot !== undefined && { boot: flags.boot }),
    ...(flags.allocator !== undefined && { allocator: flags.allocator }),
    ...(flags.bitmap !== undefined && { bitmap: flags.bitmap }),
    ...(flags.seed !== undefined && { seed: flags.seed }),
  };
}
