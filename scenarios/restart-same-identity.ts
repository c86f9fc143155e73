// A restart that keeps the workload id and comes back while its old lease is still valid.
import { processRestart } from "../harness/faults/process-restart.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, identifyLeader, OUTBOX, takeoverLowerBoundMs } from "./steps.ts";

/** F10: restart the leader with the same WORKLOAD_ID inside the ttl; no leadership without a fresh acquire. */
export const restartSameIdentity: Scenario = {
  name: "restart-same-identity",
  summary:
    "F10: restart the leader with the same identity inside the ttl; it leads only after a fresh acquire",
  // The restarted holder's old lease must lapse before anyone acquires again.
  lowerBoundMs: (t) => takeoverLowerBoundMs(t),
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    await run.step(`restart ${leader.holder} with the same WORKLOAD_ID`, async () => {
      const fault = await run.inject(processRestart(leader.holder));
      run.note(fault.window.detail);
      await fault.heal();
    });
    await run.step("the lease changes hands only through a fresh acquire (a new epoch)", async () => {
      const row = await run.waitForLeaseRow(
        OUTBOX,
        (r) => r.epoch > leader.epoch && r.holder !== null,
        3 * run.ttlMs,
      );
      run.note(row ? `holder_workload_id = ${row.holder}, fencing_epoch = ${row.epoch}` : "no new epoch");
    });
  },
};
