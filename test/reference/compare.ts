/**
 * Run one scenario through the reference model and through the engine, and put what each did side by side in the
 * same shape, so that a test can compare them field by field with readable diffs.
 */

import { type EngineRun, type ProbeOptions, probeResume } from "../helpers/engineProbe.js";
import { readImagePages } from "../helpers/thawImageReader.js";
import { type Content, type ModelResult, runModel } from "./model.js";
import type { Scenario } from "./scenarios.js";

/** A frame whose contents differ from what the model predicts. */
export interface ContentMismatch {
  pfn: number;
  expected: Content;
}

/** Both sides of one scenario. */
export interface Crosscheck {
  model: ModelResult;
  engine: EngineRun;
  /** Frames whose engine contents are not what the model's symbolic contents say. */
  contentMismatches: ContentMismatch[];
  /** Frames whose contents the model predicted (all but restore metadata). */
  contentChecked: number;
}

/**
 * contentMismatches - Compare every frame of the engine's machine with the model's prediction: the image page of a
 * PFN (read back from the image file), zeros, or what a frame held when the resume began.
 */
export function compareContents(
  model: ModelResult,
  engine: EngineRun,
): { mismatches: ContentMismatch[]; checked: number } {
  const { machine, before } = engine;
  const { frames, pageSize } = machine.spec;
  const image = readImagePages(engine.imagePath);
  const zeros = new Uint8Array(pageSize);
  const mismatches: ContentMismatch[] = [];
  let checked = 0;
  for (let pfn = 0; pfn < frames; pfn++) {
    const expected = model.content(pfn);
    let bytes: Uint8Array;
    switch (expected.kind) {
      case "meta":
        continue;
      case "zero":
        bytes = zeros;
        break;
      case "boot":
        bytes = before.subarray(expected.pfn * pageSize, (expected.pfn + 1) * pageSize);
        break;
      case "image": {
        const page = image.pages.get(expected.pfn);
        if (page === undefined) throw new Error(`the image has no PFN ${expected.pfn}`);
        bytes = page ?? zeros;
        break;
      }
    }
    checked++;
    if (Buffer.compare(machine.frame(pfn), bytes) !== 0) mismatches.push({ pfn, expected });
  }
  return { mismatches, checked };
}

/**
 * crosscheck - Run @scenario in the model and in the engine (image written into @dir), with the
 * @probe.failAllocationAt-th page allocation made to fail when it is not 0, and the image's PFN entries shuffled when
 * @probe.shuffleMetadata is not 0 (the model does not care about their order, kernel/power/snapshot.c:
 * unpack_orig_pfns()).
 */
export async function crosscheck(dir: string, scenario: Scenario, probe: ProbeOptions = {}): Promise<Crosscheck> {
  const model = runModel(scenario.machine, scenario.image, { failAllocationAt: probe.failAllocationAt ?? 0 });
  const engine = await probeResume(dir, scenario.options, scenario.image, probe);
  const { mismatches, checked } = compareContents(model, engine);
  return { model, engine, contentMismatches: mismatches, contentChecked: checked };
}
