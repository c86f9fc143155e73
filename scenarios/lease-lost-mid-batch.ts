// The runbook's title: the lease is lost while a batch is in flight.
import { processPause } from "../harness/faults/process-pause.ts";
import { MSG } from "../harness/run/run.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import {
  bringUp,
  healAndRead,
  identifyLeader,
  slowItems,
  takeoverLowerBoundMs,
  waitForTakeover,
} from "./steps.ts";

/** F2: pause the leader after it passed its gate for an item; the standby takes over; resume. */
export const leaseLostMidBatch: Scenario = {
  name: "lease-lost-mid-batch",
  summary: "F2: pause the leader between its gate and its write; the stale write must be fenced off",
  lowerBoundMs: (t) => takeoverLowerBoundMs(t),
  timings: slowItems,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const pause = await run.step(
      `queue a large batch; pause ${leader.holder} while an item is in flight`,
      async () => {
        await run.produceOutbox(8);
        await run.nextLog(leader.holder, [MSG.batchStarted], 5 * run.ttlMs);
        await run.nextLog(leader.holder, [MSG.itemStarted], 5 * run.ttlMs);
        const fault = await run.inject(processPause(leader.holder));
        run.note(fault.window.detail);
        return fault;
      },
    );
    await waitForTakeover(run, leader);
    await healAndRead(run, pause, leader.holder);
  },
};
