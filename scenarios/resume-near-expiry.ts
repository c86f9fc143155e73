// The paused leader wakes up a moment before its lease expires: inside its safety margin.
import { seededRandom } from "../harness/random.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, identifyLeader, pauseClearOfRenewal, resumeInsideMargin, waitForRenew } from "./steps.ts";

/** Where inside the margin the resume lands, from the seed: 30-70 % of the margin before expires_at. */
export function resumeOffsetMs(marginMs: number, seed: number): number {
  return Math.round(marginMs * (0.3 + 0.4 * seededRandom(seed ^ 0x0ff5e7)()));
}

/**
 * The leader is paused between batches and resumed inside its safety margin, before the database's
 * expires_at (at an offset drawn from the seed). A correct local deadline (at most expires_at minus
 * the margin) has passed: the worker warns and does no work until a renew succeeds. A deadline
 * without a margin, or one a slow clock stretches, lets it work inside the margin.
 */
export const resumeNearExpiry: Scenario = {
  name: "resume-near-expiry",
  summary:
    "the leader resumes inside its safety margin, just before expires_at: a correct gate has already closed",
  faults: ["F1"],
  premises: ["resumed-inside-margin"],
  knobs: {
    offsetMs: {
      help: "how long before expires_at it resumes (default: 30-70 % of the margin, from the seed)",
      default: (t, seed) => resumeOffsetMs(t.safetyMarginMs, seed),
      min: 1,
      max: 600_000,
    },
  },
  lowerBoundMs: (t) => t.ttlMs - t.renewIntervalMs,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    // A renew first: the first acquire's deadline may date from a slow cold start, not from a send.
    await waitForRenew(run, leader.holder);
    const pause = await pauseClearOfRenewal(
      run,
      leader.holder,
      `pause ${leader.holder} (SIGSTOP) between batches`,
    );
    // The knob speaks of the run's margin; a worker with a margin of its own resumes inside that one.
    await resumeInsideMargin(run, leader.holder, pause, (margin) =>
      margin === run.timings.safetyMarginMs ? run.knob("offsetMs") : resumeOffsetMs(margin, run.meta.seed),
    );
  },
};
