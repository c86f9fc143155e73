// The leader's database goes away and says so.
import { proxyDown } from "../harness/faults/proxy-down.ts";
import { leaderFaultScenario } from "./steps.ts";

/** F7 (refused): the leader's proxy is disabled: connections closed, new ones refused. */
export const postgresRefused = leaderFaultScenario({
  name: "postgres-refused",
  summary: "F7: Postgres refuses the leader's connections; it ends in local expiry, never a hang",
  describe: (leader) => `pg_isready from ${leader} fails: its proxy refuses connections`,
  fault: (leader) => proxyDown(leader),
});
