// The leader's wall clock is stepped back (an NTP correction), then its renewer stalls.
import { clockFault } from "../harness/faults/clock.ts";
import { needsClocks } from "../harness/run/needs.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import {
  bringUp,
  healAndRead,
  identifyLeader,
  inject,
  pauseBetweenBatches,
  takeoverLowerBoundMs,
  waitForTakeover,
} from "./steps.ts";

/**
 * F13 (step): the leader's wall clock jumps back by one ttl (libfaketime; its monotonic clock is
 * untouched), then it is paused past the ttl. A deadline on the monotonic clock is unaffected; a
 * gate comparing the wall clock with expires_at believes it has a ttl more and works after expiry.
 * The harness turns the worker's log times back into real time from the known step.
 */
export const clockStep: Scenario = {
  name: "clock-step",
  summary:
    "F13: the leader's wall clock steps back one ttl, then it is paused: a monotonic deadline must not care",
  faults: ["F13", "F1"],
  premises: ["clock-moved", "target-term-ended", "lease-changed-hands"],
  clockFaults: "wall",
  needs: needsClocks("wall"),
  knobs: {
    stepMs: {
      help: "how far the wall clock steps (negative: back)",
      default: (t) => -t.ttlMs,
      min: -3_600_000,
      max: 3_600_000,
    },
  },
  lowerBoundMs: (t) => takeoverLowerBoundMs(t),
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const step = await inject(
      run,
      `step ${leader.holder}'s wall clock by ${run.knob("stepMs")} ms (an NTP correction)`,
      // Its lines confirm the step only when they carry a time of their own (logs.fields.time).
      clockFault(leader.holder, { offsetMs: run.knob("stepMs"), rate: 1 }, async (timeoutMs) =>
        run.profile.capabilities.lineTime
          ? run.nextLine(leader.holder, null, timeoutMs).then(
              (l) => (l.parsed ? l : null),
              () => null,
            )
          : null,
      ),
    );
    const pause = await pauseBetweenBatches(
      run,
      leader.holder,
      `pause ${leader.holder} (SIGSTOP) between batches past the ttl`,
    );
    await waitForTakeover(run, leader);
    await healAndRead(run, pause, leader.holder);
    await run.step("fix its clock again", () => step.heal());
  },
};
