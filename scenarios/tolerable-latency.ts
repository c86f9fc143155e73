// A slightly slow replica that a correct election rides out.
import { latency } from "../harness/faults/latency.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, identifyLeader, inject } from "./steps.ts";

/** Each direction ttl/40: a renew's round trip of ttl/20, far inside the renew budget. */
const latencyMs = (ttlMs: number) => Math.round(ttlMs / 40);

/**
 * A tolerable fault: latency well inside the renew budget on the leader for two ttl. Nothing may
 * change hands and the leader must not lapse: an election that flaps under a slow replica is an
 * outage too (no-needless-failover).
 */
export const tolerableLatency: Scenario = {
  name: "tolerable-latency",
  summary:
    "latency far inside the renew budget on the leader: nothing may change hands, the leader must not lapse",
  faults: ["F3"],
  premises: ["tolerable-fault-applied"],
  lowerBoundMs: (t) => 2 * t.ttlMs,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const slow = await inject(
      run,
      `${latencyMs(run.ttlMs)} ms each way on ${leader.holder}'s connection (a slightly slow replica)`,
      latency(leader.holder, { latencyMs: latencyMs(run.ttlMs), streams: ["upstream", "downstream"] }),
      { tolerable: true },
    );
    await run.step(`keep it for 2 x ttl (${2 * run.ttlMs} ms)`, () => run.hold(2 * run.ttlMs));
    await run.step("the replica is fast again", () => slow.heal());
  },
};
