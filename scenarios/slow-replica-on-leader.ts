// The runbook's incident: the leader's Postgres connection turns slow while its batch loop goes on.
import { latency } from "../harness/faults/latency.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import {
  bringUp,
  healAndRead,
  holdFault,
  identifyLeader,
  takeoverLowerBoundMs,
  waitForTakeover,
} from "./steps.ts";

/** F3: latency on the leader's proxy beyond the renew budget; it must step down at its local deadline. */
export const slowReplicaOnLeader: Scenario = {
  name: "slow-replica-on-leader",
  summary: "F3: the leader's connection slows past the renew budget; it steps down at its local deadline",
  // Takeover, then the fault is held one more ttl.
  lowerBoundMs: (t) => takeoverLowerBoundMs(t) + t.ttlMs,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    // Each direction 0.6 ttl: a renew's round trip (1.2 ttl) cannot finish inside the lease.
    const latencyMs = Math.round(0.6 * run.ttlMs);
    const slow = await run.step(
      `slow replica: ${latencyMs} ms each way on ${leader.holder}'s connection`,
      async () => {
        const fault = await run.inject(
          latency(leader.holder, { latencyMs, streams: ["upstream", "downstream"] }),
        );
        run.note(fault.window.detail);
        return fault;
      },
    );
    await waitForTakeover(run, leader);
    await holdFault(run, leader.holder, run.ttlMs);
    await healAndRead(run, slow, leader.holder);
  },
};
