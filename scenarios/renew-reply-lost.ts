// The renew commits, but its reply never comes back.
import { blackhole } from "../harness/faults/blackhole.ts";
import { leaderFaultScenario } from "./steps.ts";

/** F6: every reply to the leader is dropped (timeout toxic, downstream); renewals are indeterminate. */
export const renewReplyLost = leaderFaultScenario({
  name: "renew-reply-lost",
  summary: "F6: every reply to the leader is dropped; an indeterminate renew must end at the local deadline",
  faults: ["F6"],
  describe: (leader) => `drop every reply to ${leader} (renew committed, reply lost)`,
  fault: (leader) => blackhole(leader, ["downstream"]),
});
