// The outbox's classic hole: an event delivered but not yet marked when the leader stops.
import type { Scenario } from "../harness/run/scenario.ts";
import {
  bringUp,
  healAndRead,
  identifyLeader,
  pauseAtLog,
  slowItems,
  takeoverLowerBoundMs,
  waitForTakeover,
} from "./steps.ts";

/** F2b: pause the leader right after a delivery; the next leader must not deliver that event again. */
export const pauseAfterDelivery: Scenario = {
  name: "pause-after-delivery",
  summary:
    "F2b: pause the leader right after it delivered an event; the next leader must not deliver it again",
  lowerBoundMs: (t) => takeoverLowerBoundMs(t),
  timings: slowItems,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const pause = await pauseAtLog(
      run,
      leader.holder,
      "item delivered",
      `queue a batch; pause ${leader.holder} right after it delivers an event`,
    );
    await waitForTakeover(run, leader);
    await healAndRead(run, pause, leader.holder);
  },
};
