// The runbook's incident: the leader's Postgres connection turns slow while its batch loop goes on.
import { latency } from "../harness/faults/latency.ts";
import { latencyKnob } from "../harness/run/knobs.ts";
import { leaderFaultScenario } from "./steps.ts";

/** F3: latency on the leader's proxy beyond the renew budget; it must step down at its local deadline. */
export const slowReplicaOnLeader = leaderFaultScenario({
  name: "slow-replica-on-leader",
  summary: "F3: the leader's connection slows past the renew budget; it steps down at its local deadline",
  faults: ["F3"],
  // Each direction 0.6 ttl: a renew's round trip (1.2 ttl) cannot finish inside the lease.
  knobs: {
    latencyMs: latencyKnob("latency each way on the leader's connection", 0.6),
    jitterMs: latencyKnob("jitter of that latency", 0),
  },
  describe: (leader, run) =>
    `slow replica: ${run.knob("latencyMs")} ms${run.knob("jitterMs") ? ` +- ${run.knob("jitterMs")} ms` : ""} each way on ${leader}'s connection`,
  fault: (leader, run) =>
    latency(leader, {
      latencyMs: run.knob("latencyMs"),
      jitterMs: run.knob("jitterMs"),
      streams: ["upstream", "downstream"],
    }),
});
