// The runbook's incident: the leader's Postgres connection turns slow while its batch loop goes on.
import { latency } from "../harness/faults/latency.ts";
import { leaderFaultScenario } from "./steps.ts";

// Each direction 0.6 ttl: a renew's round trip (1.2 ttl) cannot finish inside the lease.
const latencyMs = (ttlMs: number) => Math.round(0.6 * ttlMs);

/** F3: latency on the leader's proxy beyond the renew budget; it must step down at its local deadline. */
export const slowReplicaOnLeader = leaderFaultScenario({
  name: "slow-replica-on-leader",
  summary: "F3: the leader's connection slows past the renew budget; it steps down at its local deadline",
  faults: ["F3"],
  describe: (leader, run) => `slow replica: ${latencyMs(run.ttlMs)} ms each way on ${leader}'s connection`,
  fault: (leader, run) =>
    latency(leader, { latencyMs: latencyMs(run.ttlMs), streams: ["upstream", "downstream"] }),
});
