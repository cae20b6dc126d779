import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EngineMemory, holdMemory } from "../src/engine/memory.js";
import { createMachine } from "../src/machine/machine.js";
import { ResumeSession, resumeImage } from "../src/resume.js";
import { suspendMachine } from "../src/suspend.js";
import type { ChildCall, ChildResult } from "./helpers/libraryChild.js";
import { tempDir } from "./helpers/tmp.js";

const dir = tempDir();

async function image(name: string, memory = "32MiB"): Promise<string> {
  const out = join(dir, name);
  const machine = await createMachine({ memory, seed: 3 });
  suspendMachine(machine, { out });
  machine.dispose();
  return out;
}

describe("sessions and machines that can be released", () => {
  it("100 resumeImage calls in one process: RSS stays flat (each machine's memory is reused, not left to the GC)", async () => {
    const path = await image("loop.thaw");
    const call: ChildCall = { call: "resume", path, repeat: 100 };
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", join("test", "helpers", "libraryChild.ts"), JSON.stringify(call)],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split("\n").pop()!) as ChildResult;
    expect(result.ok, JSON.stringify(result.error)).toBe(true);
    const rss = result.rssBytes!;
    expect(rss).toHaveLength(10);
    // Without release each resume leaves its ~40 MiB memory to the GC: 100 of them grow by gigabytes.
    expect(Math.max(...rss.slice(1)) - rss[0]!).toBeLessThan(64 * 2 ** 20);
    expect(result.peakRssBytes).toBeLessThan(512 * 2 ** 20);
  }, 150_000);

  it("a disposed session's machine memory is reused by the next machine of its size, zeroed", async () => {
    const path = await image("reuse.thaw", "8MiB");
    const first = await ResumeSession.open(path);
    const memory = first.machine.memory;
    first.run();
    first.dispose();
    first.dispose();
    const second = await ResumeSession.open(path);
    expect(second.machine.memory).toBe(memory);
    const result = second.run();
    expect(result.verify?.mismatches).toEqual([]);
    second.dispose();
  });

  it("a session resumed into a caller's machine leaves that machine alone", async () => {
    const path = await image("caller.thaw", "8MiB");
    const machine = await createMachine({ memory: "8MiB", seed: 3 });
    const session = await ResumeSession.open(path, { machine });
    session.run();
    session.dispose();
    expect(machine.engine).toBeDefined();
    expect(() => machine.ctx(0)).not.toThrow();
    machine.dispose();
    await expect(resumeImage(path)).resolves.toMatchObject({ ok: true });
  });

  it("a memory a thread may still write into is pooled only once that thread has exited", async () => {
    const first = await EngineMemory.create(2 ** 20);
    let exited: () => void = () => {};
    holdMemory(first.memory, new Promise<void>((resolve) => (exited = resolve)));
    first.release();
    const second = await EngineMemory.create(2 ** 20);
    expect(second.memory).not.toBe(first.memory);
    exited();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const third = await EngineMemory.create(2 ** 20);
    expect(third.memory).toBe(first.memory);
  });

  it("with the read-ahead thread: dispose, then the next session of the size restores and verifies", async () => {
    const path = await image("thread.thaw", "8MiB");
    for (let i = 0; i < 4; i++) {
      using session = await ResumeSession.open(path, { crcThread: true });
      expect(session.run().verify?.mismatches).toEqual([]);
    }
  });
});
