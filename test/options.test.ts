import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/errors.js";
import { inspectImage } from "../src/inspect.js";
import {
  checkBoot,
  checkMaxMemory,
  checkOffset,
  checkOptions,
  checkWorkers,
  MAX_OFFSET_BLOCKS,
  MAX_WORKERS,
} from "../src/options.js";
import { ResumeSession, resumeImage } from "../src/resume.js";
import { simulate } from "../src/simulate.js";

/** refused - The ConfigError @fn throws (fails the test when it throws nothing or something else). */
function refused(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("options (one validation for the library and the CLI)", () => {
  it("maxMemory: bytes or a size string; NaN, Infinity, negative, zero and junk are refused by name", () => {
    expect(checkMaxMemory("256MiB")).toBe(256 * 2 ** 20);
    expect(checkMaxMemory(4096)).toBe(4096);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 1.5, "abc", "", null, {}, 2 ** 60]) {
      const error = refused(() => checkMaxMemory(bad));
      expect(error.offending).toMatchObject({ kind: "option", name: "maxMemory" });
      expect(error.message).toMatch(/^maxMemory must be a number of bytes .* got /);
    }
    expect(refused(() => checkMaxMemory(Number.NaN)).offending?.value).toBe("NaN");
  });

  it("workers: an integer from 0 to MAX_WORKERS", () => {
    expect(checkWorkers(0)).toBe(0);
    expect(checkWorkers(MAX_WORKERS)).toBe(MAX_WORKERS);
    expect(checkWorkers("3", "--workers")).toBe(3);
    for (const bad of [-1, 1.5, Number.NaN, 1e9, MAX_WORKERS + 1, "x", "-1", true]) {
      expect(refused(() => checkWorkers(bad)).offending).toMatchObject({ name: "workers", limit: MAX_WORKERS });
    }
  });

  it("offset: an integer whose byte position (× 4096) stays exact", () => {
    expect(checkOffset(0)).toBe(0);
    expect(checkOffset(MAX_OFFSET_BLOCKS)).toBe(MAX_OFFSET_BLOCKS);
    expect(MAX_OFFSET_BLOCKS * 4096).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    for (const bad of [-1, 1.5, 2 ** 60, MAX_OFFSET_BLOCKS + 1, "x", "1.5", Number.MAX_SAFE_INTEGER]) {
      expect(refused(() => checkOffset(bad)).offending?.name).toBe("offset");
    }
  });

  it("boot: a profile and a share, as an object or a CLI flag", () => {
    expect(checkBoot("low:10%", "--boot")).toEqual({ profile: "low", share: 0.1 });
    expect(checkBoot({ profile: "clustered", share: 0.5 })).toEqual({ profile: "clustered", share: 0.5 });
    expect(refused(() => checkBoot("bogus:1", "--boot")).offending).toMatchObject({
      name: "--boot.profile",
      value: "bogus",
    });
    expect(refused(() => checkBoot({ profile: "low", share: 200 })).offending?.name).toBe("boot.share");
    expect(refused(() => checkBoot(null)).offending?.name).toBe("boot");
  });

  it("checkOptions: undefined and null are no options, anything else but an object is refused", () => {
    expect(checkOptions(undefined, "x")).toEqual({});
    expect(checkOptions(null, "x")).toEqual({});
    expect(refused(() => checkOptions(42 as unknown as object, "resumeImage")).message).toMatch(
      /resumeImage options must be an object/,
    );
    expect(refused(() => checkOptions({ mode: "bogus" }, "x")).offending).toMatchObject({ name: "mode" });
    expect(refused(() => checkOptions({ contents: "disk" }, "x")).offending).toMatchObject({ name: "contents" });
    expect(refused(() => checkOptions({ verify: "yes" }, "x")).offending).toMatchObject({ name: "verify" });
    expect(refused(() => checkOptions({ machineOptions: { seed: -1 } }, "x")).offending).toMatchObject({
      name: "seed",
    });
    expect(checkOptions({ maxMemory: "1GiB", workers: 2 }, "x")).toEqual({ maxMemory: 2 ** 30, workers: 2 });
  });

  it("the library's entry points refuse bad options with a ConfigError before opening anything", async () => {
    const path = "/nonexistent/image";
    const cases: [string, () => Promise<unknown>][] = [
      ["resumeImage maxMemory NaN", () => resumeImage(path, { maxMemory: Number.NaN })],
      ["resumeImage workers 1.5", () => resumeImage(path, { workers: 1.5 })],
      ["resumeImage offset 2**60", () => resumeImage(path, { offset: 2 ** 60 })],
      ["resumeImage mode bogus", () => resumeImage(path, { mode: "bogus" as "planned" })],
      ["ResumeSession.open workers 1e9", () => ResumeSession.open(path, { workers: 1e9 })],
      ["inspectImage offset -1", () => inspectImage(path, { offset: -1 })],
      ["simulate mode bogus", () => simulate({ mode: "bogus" as "planned" })],
    ];
    for (const [name, call] of cases) {
      await expect(call(), name).rejects.toBeInstanceOf(ConfigError);
    }
  });

  it("a missing file is a ResumeError of phase open with ENOENT, and null options are none", async () => {
    await expect(resumeImage("/nonexistent/image", null as unknown as undefined)).rejects.toMatchObject({
      name: "ResumeError",
      phase: "open",
      code: "ENOENT",
    });
    await expect(inspectImage("/nonexistent/image")).rejects.toMatchObject({ phase: "open", code: "ENOENT" });
  });
});
