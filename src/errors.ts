/**
 * Typed errors. The engine returns negative errno values as the kernel does; the host turns each into a ResumeError
 * that names the phase, the errno and the offending value (a PFN, a page index, a header field).
 */
import * as errno from "../assembly/portable/errno.js";
import type { PhaseName } from "./phases/names.js";

/** Errno names thaw reports. */
export type ErrnoName = keyof typeof errno;

const NAMES = new Map<number, ErrnoName>(
  (Object.entries(errno) as [ErrnoName, number][]).map(([name, value]) => [value, name]),
);

/** errnoName - "ENOMEM" for 12 (or -12). */
export function errnoName(code: number): ErrnoName {
  return NAMES.get(Math.abs(code)) ?? "EINVAL";
}

/** What the offending value of an error is. */
export type OffendingKind = "pfn" | "page" | "field" | "pages" | "bytes" | "option";

/** The value a failure was looking at, e.g. { kind: "pfn", value: 262151 }. */
export interface Offending {
  kind: OffendingKind;
  /** Field or option name, when kind is "field" or "option". */
  name?: string;
  value: number | string;
  /** The bound it broke, when there is one (the machine's frame count, the free frames, the file size). */
  limit?: number;
}

/**
 * ResumeError - A resume failed in @phase with @code; nothing was committed (unless phase is after atomicCopy).
 */
export class ResumeError extends Error {
  override readonly name = "ResumeError";
  readonly phase: PhaseName;
  readonly code: ErrnoName;
  readonly errno: number;
  readonly offending: Offending | undefined;

  constructor(phase: PhaseName, code: ErrnoName, message: string, offending?: Offending) {
    super(`${phase}: ${message} (${code})`);
    this.phase = phase;
    this.code = code;
    this.errno = errno[code];
    this.offending = offending;
  }

  /** toJSON - The `error` object of the CLI's JSON output. */
  toJSON(): { phase: PhaseName; code: ErrnoName; message: string; offending?: Offending } {
    return { phase: this.phase, code: this.code, message: this.message, ...(this.offending && { offending: this.offending }) };
  }
}

/**
 * ConfigError - A machine, scenario or option that thaw cannot model (raised before anything is allocated).
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly offending: Offending | undefined;

  constructor(message: string, offending?: Offending) {
    super(message);
    this.offending = offending;
  }
}
