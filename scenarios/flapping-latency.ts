// Latency that comes and goes around the ttl boundary, from the run's seed.
import { latency } from "../harness/faults/latency.ts";
import { seededRandom } from "../harness/random.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, identifyLeader } from "./steps.ts";

const CYCLES = 4;

/** F12: latency on the leader's proxy toggled on and off near the ttl boundary; no overlap, no stale effect. */
export const flappingLatency: Scenario = {
  name: "flapping-latency",
  summary: "F12: latency on the leader toggled on and off near the ttl boundary (seeded schedule)",
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const random = seededRandom(run.meta.seed ^ 0x5eed);
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const latencyMs = Math.round(run.ttlMs * (0.3 + 0.3 * random()));
      const onMs = Math.round(run.ttlMs * (0.6 + 0.6 * random()));
      const offMs = Math.round(run.ttlMs * (0.2 + 0.3 * random()));
      await run.step(
        `cycle ${cycle}: ${latencyMs} ms each way on ${leader.holder} for ${onMs} ms, then ${offMs} ms clear`,
        async () => {
          const fault = await run.inject(
            latency(leader.holder, { latencyMs, streams: ["upstream", "downstream"] }),
          );
          await run.hold(onMs);
          await fault.heal();
          await run.hold(offMs);
        },
      );
    }
  },
};
