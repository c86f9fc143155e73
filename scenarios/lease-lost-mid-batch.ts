// The runbook's title: the lease is lost while a batch is in flight.
import type { Scenario } from "../harness/run/scenario.ts";
import {
  bringUp,
  healAndRead,
  identifyLeader,
  pauseAtItem,
  slowItems,
  takeoverLowerBoundMs,
  waitForTakeover,
} from "./steps.ts";

/** F2: pause the leader after it passed its gate for an item; the standby takes over; resume. */
export const leaseLostMidBatch: Scenario = {
  name: "lease-lost-mid-batch",
  summary: "F2: pause the leader between its gate and its write; the stale write must be fenced off",
  faults: ["F2"],
  premises: ["fault-mid-item", "target-term-ended", "lease-changed-hands"],
  lowerBoundMs: (t) => takeoverLowerBoundMs(t),
  timings: slowItems,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const pause = await pauseAtItem(
      run,
      leader.holder,
      `queue a large batch; pause ${leader.holder} while an item is in flight, soon after a renew`,
      { soonAfterRenew: true },
    );
    await waitForTakeover(run, leader);
    await healAndRead(run, pause, leader.holder);
  },
};
