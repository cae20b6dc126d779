/**
 * Checks that a failed resume left the machine as it booted (kernel/power/hibernate.c: load_image_and_restore()): the
 * evidence fuzz/evidence.ts reads.
 */
export { bootDigest, rollbackState } from "../../fuzz/evidence.js";

/** The rollback state of a machine that lost nothing. */
export const CLEAN = { freeLow: 0, freeHigh: 0, untouchedChanged: 0, bitmapsAlive: 0, restorePblist: 0 };
