// A restart that keeps the workload id and comes back while its old lease is still valid.
import { processRestart } from "../harness/faults/process-restart.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, identifyLeader, inject, takeoverLowerBoundMs } from "./steps.ts";

/** F10: restart the leader with the same identity inside the ttl; no leadership without a fresh acquire. */
export const restartSameIdentity: Scenario = {
  name: "restart-same-identity",
  summary:
    "F10: restart the leader with the same identity inside the ttl; it leads only after a fresh acquire",
  faults: ["F10"],
  premises: ["new-epoch-after-restart"],
  // The restarted holder's old lease must lapse before anyone acquires again.
  lowerBoundMs: (t) => takeoverLowerBoundMs(t),
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    await inject(run, `restart ${leader.holder} with the same identity`, processRestart(leader.holder));
    await run.step("the lease changes hands only through a fresh acquire (a new epoch)", async () => {
      const change = await run
        .waitForLease((c) => c.epoch > leader.epoch && c.holder !== null, "a new epoch", 3 * run.ttlMs)
        .catch(() => null);
      run.note(
        change
          ? `holder = ${change.holder}, epoch = ${change.epoch}`
          : `no new epoch within ${3 * run.ttlMs} ms`,
      );
    });
  },
};
