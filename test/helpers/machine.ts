/**
 * Checks that a failed resume left the machine as it booted (§4.12): the evidence fuzz/evidence.ts reads.
 */
export { bootDigest, rollbackState } from "../../fuzz/evidence.js";

/** The rollback state of a machine that lost nothing. */
export const CLEAN = { freeLow: 0, freeHigh: 0, untouchedChanged: 0, bitmapsAlive: 0, restorePblist: 0 };
