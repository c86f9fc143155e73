// The quarterly drill "lease lost mid-batch" (the runbook), step by step.
import type { Scenario } from "../harness/run/scenario.ts";
import {
  bringUp,
  healAndRead,
  identifyLeader,
  pauseBetweenBatches,
  takeoverLowerBoundMs,
  waitForTakeover,
} from "./steps.ts";

/** F1: pause the leader past ttlMs between batches, unpause, read its log. */
export const pauseDrill: Scenario = {
  name: "pause-drill",
  summary: "F1: pause the leader past ttlMs between batches; it must log local expiry first",
  faults: ["F1"],
  premises: ["target-term-ended", "lease-changed-hands"],
  lowerBoundMs: (t) => takeoverLowerBoundMs(t),
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const pause = await pauseBetweenBatches(
      run,
      leader.holder,
      `pause ${leader.holder} (${run.env.pauseMethod ?? "pause"}) between batches; its renewer stalls`,
    );
    await waitForTakeover(run, leader);
    await healAndRead(run, pause, leader.holder);
  },
};
