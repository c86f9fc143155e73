// The leader's database goes silent: packets vanish both ways.
import { blackhole } from "../harness/faults/blackhole.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import {
  bringUp,
  healAndRead,
  holdFault,
  identifyLeader,
  takeoverLowerBoundMs,
  waitForTakeover,
} from "./steps.ts";

/** F7 (blackholed): nothing the leader sends arrives and nothing comes back; statements hang. */
export const postgresBlackholed: Scenario = {
  name: "postgres-blackholed",
  summary: "F7: the leader's connection is blackholed both ways; it ends in local expiry, never a hang",
  // Takeover, then the fault is held one more ttl.
  lowerBoundMs: (t) => takeoverLowerBoundMs(t) + t.ttlMs,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const hole = await run.step(`blackhole ${leader.holder}'s connection both ways`, async () => {
      const fault = await run.inject(blackhole(leader.holder, ["upstream", "downstream"]));
      run.note(fault.window.detail);
      return fault;
    });
    await waitForTakeover(run, leader);
    await holdFault(run, leader.holder, run.ttlMs);
    await healAndRead(run, hole, leader.holder);
  },
};
