// The leader's database refuses connections.
import { proxyDown } from "../harness/faults/proxy-down.ts";
import { leaderFaultScenario } from "./steps.ts";

/** F7 (refused): the leader's proxy is disabled; open connections close, new ones are refused. */
export const postgresRefused = leaderFaultScenario({
  name: "postgres-refused",
  summary: "F7: the leader's connection is refused; it ends in local expiry, never a hang",
  faults: ["F7"],
  describe: (leader) => `refuse ${leader}'s connections (its proxy disabled)`,
  fault: (leader) => proxyDown(leader),
});
