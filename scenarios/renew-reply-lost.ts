// The renew commits but its reply never comes back.
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

/** F6: every reply to the leader is dropped (renews still commit); an unknown outcome means stop at the deadline. */
export const renewReplyLost: Scenario = {
  name: "renew-reply-lost",
  summary: "F6: the leader's renews commit but their replies are lost; it stops at its local deadline",
  // Takeover, then the fault is held one more ttl.
  lowerBoundMs: (t) => takeoverLowerBoundMs(t) + t.ttlMs,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const lost = await run.step(
      `drop every reply to ${leader.holder} (timeout toxic, downstream)`,
      async () => {
        const fault = await run.inject(blackhole(leader.holder, ["downstream"]));
        run.note(fault.window.detail);
        return fault;
      },
    );
    await waitForTakeover(run, leader);
    await holdFault(run, leader.holder, run.ttlMs);
    await healAndRead(run, lost, leader.holder);
  },
};
