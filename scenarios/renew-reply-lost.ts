// The renew commits but its reply never comes back.
import { blackhole } from "../harness/faults/blackhole.ts";
import { leaderFaultScenario } from "./steps.ts";

/** F6: every reply to the leader is dropped (renews still commit); an unknown outcome means stop at the deadline. */
export const renewReplyLost = leaderFaultScenario({
  name: "renew-reply-lost",
  summary: "F6: the leader's renews commit but their replies are lost; it stops at its local deadline",
  describe: (leader) => `drop every reply to ${leader} (timeout toxic, downstream)`,
  fault: (leader) => blackhole(leader, ["downstream"]),
});
