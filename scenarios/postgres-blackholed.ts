// The leader's database goes silent: packets vanish both ways.
import { blackhole } from "../harness/faults/blackhole.ts";
import { leaderFaultScenario } from "./steps.ts";

/** F7 (blackholed): nothing the leader sends arrives and nothing comes back; statements hang. */
export const postgresBlackholed = leaderFaultScenario({
  name: "postgres-blackholed",
  summary: "F7: the leader's connection is blackholed both ways; it ends in local expiry, never a hang",
  faults: ["F7"],
  describe: (leader) => `blackhole ${leader}'s connection both ways`,
  fault: (leader) => blackhole(leader, ["upstream", "downstream"]),
});
