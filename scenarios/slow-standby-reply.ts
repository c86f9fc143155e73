// The standby's database is slow to answer while it takes over.
import { latency } from "../harness/faults/latency.ts";
import { latencyKnob } from "../harness/run/knobs.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import {
  bringUp,
  healAndRead,
  identifyLeader,
  inject,
  pauseBetweenBatches,
  takeoverLowerBoundMs,
  waitForTakeover,
} from "./steps.ts";

/**
 * F5: replies to the standbys arrive late (downstream latency), then the leader is paused past the
 * ttl. The acquire commits on time and the term starts on the database's clock; the new leader
 * learns of it a latency later. Takeover time is measured from the database, not the reply.
 */
export const slowStandbyReply: Scenario = {
  name: "slow-standby-reply",
  summary:
    "F5: the standby's acquire reply is slow; its term starts on the database's clock, the old leader steps down",
  faults: ["F5", "F1"],
  premises: ["target-term-ended", "lease-changed-hands"],
  knobs: { latencyMs: latencyKnob("how late replies to the standbys arrive", 0.3) },
  lowerBoundMs: (t) => takeoverLowerBoundMs(t),
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const latencyMs = run.knob("latencyMs");
    for (const standby of run.standbysOf(leader.holder))
      await inject(
        run,
        `replies to standby ${standby} arrive ${latencyMs} ms late`,
        latency(standby, { latencyMs, streams: ["downstream"] }),
      );
    const pause = await pauseBetweenBatches(
      run,
      leader.holder,
      `pause ${leader.holder} (SIGSTOP) between batches past the ttl`,
    );
    await waitForTakeover(run, leader);
    await healAndRead(run, pause, leader.holder);
  },
};
