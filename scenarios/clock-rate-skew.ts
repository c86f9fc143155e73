// The leader's clocks run slow; its safety margin must cover the drift.
import { clockFault } from "../harness/faults/clock.ts";
import { needsClocks } from "../harness/run/needs.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { resumeOffsetMs } from "./resume-near-expiry.ts";
import {
  bringUp,
  identifyLeader,
  inject,
  pauseClearOfRenewal,
  resumeInsideMargin,
  waitForRenew,
} from "./steps.ts";

/** How slow the leader's clocks run: 5 %, inside the reference's 10 % margin. */
export const SKEW_RATE = 0.95;

/**
 * F13 (rate): every clock of the leader (wall and monotonic, libfaketime) runs at 0.95x; it is
 * paused and resumed inside its safety margin. A deadline with a margin of at least 5 % of the ttl
 * has still passed in real time; one with no margin is stretched past the resume and works.
 */
export const clockRateSkew: Scenario = {
  name: "clock-rate-skew",
  summary: "F13: the leader's clocks run 5% slow; resumed inside its margin, its gate must have closed",
  faults: ["F13", "F1"],
  premises: ["clock-moved", "resumed-inside-margin"],
  clockFaults: "all",
  needs: needsClocks("all"),
  knobs: {
    rate: {
      help: "how fast the leader's clocks run (1 = right)",
      default: () => SKEW_RATE,
      min: 0.5,
      max: 2,
      integer: false,
    },
  },
  lowerBoundMs: (t) => t.ttlMs - t.renewIntervalMs,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const skew = await inject(
      run,
      `${leader.holder}'s clocks run at ${run.knob("rate")}x (a slow crystal)`,
      clockFault(leader.holder, { offsetMs: 0, rate: run.knob("rate") }, async () => null),
    );
    // A renew under the skew first, so the deadline the worker computes is a skewed one.
    await waitForRenew(run, leader.holder);
    const pause = await pauseClearOfRenewal(
      run,
      leader.holder,
      `pause ${leader.holder} (SIGSTOP) between batches`,
    );
    // A slow clock stretches the worker's deadline by the drift: a correct one (expires_at minus the
    // margin, measured at 0.95x) closes about `drift` later in real time, at expires_at - (margin -
    // drift). Resume after that, inside what the drift leaves of the margin.
    const driftMs = Math.round(Math.max(0, 1 - run.knob("rate")) * run.ttlMs);
    await resumeInsideMargin(run, leader.holder, pause, (margin) =>
      resumeOffsetMs(Math.max(1, margin - driftMs), run.meta.seed),
    );
    await run.step("its clocks stop drifting", () => skew.heal());
  },
};
