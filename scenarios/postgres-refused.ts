// The leader's database goes away and says so.
import { proxyDown } from "../harness/faults/proxy-down.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import {
  bringUp,
  healAndRead,
  holdFault,
  identifyLeader,
  takeoverLowerBoundMs,
  waitForTakeover,
} from "./steps.ts";

/** F7 (refused): the leader's proxy is disabled: connections closed, new ones refused. */
export const postgresRefused: Scenario = {
  name: "postgres-refused",
  summary: "F7: Postgres refuses the leader's connections; it ends in local expiry, never a hang",
  // Takeover, then the fault is held one more ttl.
  lowerBoundMs: (t) => takeoverLowerBoundMs(t) + t.ttlMs,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const down = await run.step(
      `pg_isready from ${leader.holder} fails: its proxy refuses connections`,
      async () => {
        const fault = await run.inject(proxyDown(leader.holder));
        run.note(fault.window.detail);
        return fault;
      },
    );
    await waitForTakeover(run, leader);
    await holdFault(run, leader.holder, run.ttlMs);
    await healAndRead(run, down, leader.holder);
  },
};
