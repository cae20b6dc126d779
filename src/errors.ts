/**
 * Typed errors. The engine returns negative errno values as the kernel does; the host turns each into a ResumeError
 * that names the phase, the errno and the offending value (a PFN, a page index, a header field).
 */
import * as errno from "../assembly/portable/errno.js";
import type { PhaseName } from "./phaseNames.js";

/** Errno names thaw reports. */
export type ErrnoName = keyof typeof errno;

/** The errno values by name, as a plain record (the module namespace is not indexed dynamically). */
const ERRNO: Record<ErrnoName, number> = { ...errno };

const NAMES = new Map<number, ErrnoName>(
  (Object.entries(errno) as [ErrnoName, number][]).map(([name, value]) => [value, name]),
);

/** errnoName - "ENOMEM" for 12 (or -12). */
export function errnoName(code: number): ErrnoName {
  return NAMES.get(Math.abs(code)) ?? "EINVAL";
}

/** errnoNamed - @code ("ENOSPC", from a Node fs error) when it is an errno thaw reports, else undefined. */
export function errnoNamed(code: string | undefined): ErrnoName | undefined {
  return code !== undefined && Object.hasOwn(ERRNO, code) ? (code as ErrnoName) : undefined;
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
 * Where an error arose: a resume phase, `thaw inspect` reading an image, "open" — the image file itself (missing,
 * not a regular file, unreadable, a wrapper that does not unpack) before any of its bytes are interpreted — or
 * "dump", writing the restored memory to a file.
 */
export type ErrorPhase = PhaseName | "inspect" | "open" | "dump";

/**
 * ImageFormatError - An image's bytes are wrong (a header field, a swap map entry, a compressed chunk). Raised by the
 * image readers, which do not know the phase; the phase reading the stream turns it into a ResumeError.
 */
export class ImageFormatError extends Error {
  override readonly name = "ImageFormatError";
  readonly code: ErrnoName;
  readonly offending: Offending | undefined;

  constructor(code: ErrnoName, message: string, offending?: Offending) {
    super(message);
    this.code = code;
    this.offending = offending;
  }

  /** inPhase - The ResumeError this becomes in @phase. */
  inPhase(phase: ErrorPhase): ResumeError {
    return new ResumeError(phase, this.code, this.message, this.offending);
  }
}

/**
 * ResumeError - A resume failed in @phase with @code; nothing was committed (unless phase is after atomicCopy).
 */
export class ResumeError extends Error {
  override readonly name = "ResumeError";
  readonly phase: ErrorPhase;
  readonly code: ErrnoName;
  readonly errno: number;
  readonly offending: Offending | undefined;

  /** @cause: the error underneath, when this one wraps another (an I/O error, an engine trap). */
  constructor(phase: ErrorPhase, code: ErrnoName, message: string, offending?: Offending, cause?: unknown) {
    super(`${phase}: ${message} (${code})`, cause === undefined ? undefined : { cause });
    this.phase = phase;
    this.code = code;
    this.errno = ERRNO[code];
    this.offending = offending;
  }

  /** toJSON - The `error` object of the CLI's JSON output. */
  toJSON(): { phase: ErrorPhase; code: ErrnoName; message: string; offending?: Offending } {
    return {
      phase: this.phase,
      code: this.code,
      message: this.message,
      ...(this.offending && { offending: this.offending }),
    };
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

/**
 * ioError - @error (a Node system error on @path) as a ResumeError of @phase with the errno's name ("ENOENT"); errno
 * names thaw does not list become EIO, with the system's name kept in the message.
 */
export function ioError(phase: ErrorPhase, path: string, error: unknown): ResumeError {
  if (error instanceof ResumeError) return error;
  const system = (error as NodeJS.ErrnoException | undefined)?.code;
  const code: ErrnoName = system !== undefined && system in ERRNO ? (system as ErrnoName) : "EIO";
  const message = (error as Error | undefined)?.message ?? String(error);
  const why = /^E[A-Z]+: ([^,]+)/.exec(message)?.[1] ?? message;
  return new ResumeError(phase, code, `${path}: ${why}`, { kind: "field", name: "path", value: path }, error);
}
