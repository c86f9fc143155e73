// Latency that comes and goes around the ttl boundary, from the run's seed.
import { latency } from "../harness/faults/latency.ts";
import { seededRandom } from "../harness/random.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, identifyLeader } from "./steps.ts";

/** The seeded on/off schedule of the flapping latency: the same seed gives the same cycles. */
function schedule(ttlMs: number, seed: number, cycles = 4) {
  const random = seededRandom(seed ^ 0x5eed);
  return Array.from({ length: cycles }, () => ({
    latencyMs: Math.round(ttlMs * (0.3 + 0.3 * random())),
    onMs: Math.round(ttlMs * (0.6 + 0.6 * random())),
    offMs: Math.round(ttlMs * (0.2 + 0.3 * random())),
  }));
}

/** F12: latency on the leader's proxy toggled on and off near the ttl boundary; no overlap, no stale effect. */
export const flappingLatency: Scenario = {
  name: "flapping-latency",
  faults: ["F12"],
  summary: "F12: latency on the leader toggled on and off near the ttl boundary (seeded schedule)",
  knobs: { cycles: { help: "how many on/off cycles of latency", default: () => 4, min: 1, max: 100 } },
  lowerBoundMs: (t, seed) => schedule(t.ttlMs, seed).reduce((sum, c) => sum + c.onMs + c.offMs, 0),
  async steps(run) {
    await bringUp(run);
    for (const [i, { latencyMs, onMs, offMs }] of schedule(
      run.ttlMs,
      run.meta.seed,
      run.knob("cycles"),
    ).entries()) {
      const cycle = i + 1;
      // Whoever leads now: after a takeover the next cycle hits the new leader.
      const { holder } = await identifyLeader(run);
      await run.step(
        `cycle ${cycle}: ${latencyMs} ms each way on ${holder} for ${onMs} ms, then ${offMs} ms clear`,
        async () => {
          const fault = await run.inject(latency(holder, { latencyMs, streams: ["upstream", "downstream"] }));
          await run.hold(onMs);
          await fault.heal();
          await run.hold(offMs);
        },
      );
    }
  },
};
