// A slightly slow replica that a correct election rides out.
import { latency } from "../harness/faults/latency.ts";
import { holdKnob } from "../harness/run/knobs.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { tolerableRoundTripMs } from "../harness/run/tolerance.ts";
import { bringUp, identifyLeader, inject } from "./steps.ts";

/**
 * A tolerable fault: latency well inside the renew budget on the leader for two ttl. Nothing may
 * change hands and the leader must not lapse: an election that flaps under a slow replica is an
 * outage too (no-needless-failover). The latency is sized from the leader's own timings (its renew
 * period, margin and statement timeout as its profile states them): half a tolerable round trip
 * each way.
 */
export const tolerableLatency: Scenario = {
  name: "tolerable-latency",
  summary:
    "latency far inside the renew budget on the leader: nothing may change hands, the leader must not lapse",
  faults: ["F3"],
  premises: ["tolerable-fault-applied"],
  knobs: {
    latencyMs: {
      help: "latency each way on the leader's connection (default: half of a quarter of its renew budget, from its profile's timings)",
      default: (_t, _seed, worker) => Math.max(1, Math.floor(tolerableRoundTripMs(worker).ms / 2)),
      min: 0,
      max: 600_000,
    },
    holdMs: holdKnob("how long it stays", 2),
  },
  lowerBoundMs: (t) => 2 * t.ttlMs,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const slow = await inject(
      run,
      `${run.knob("latencyMs")} ms each way on ${leader.holder}'s connection (a slightly slow replica; ${tolerableRoundTripMs(run.workerTimings(leader.holder)).why})`,
      latency(leader.holder, { latencyMs: run.knob("latencyMs"), streams: ["upstream", "downstream"] }),
      { tolerable: true },
    );
    await run.step(`keep it for ${run.knob("holdMs")} ms`, () => run.hold(run.knob("holdMs")));
    await run.step("the replica is fast again", () => slow.heal());
  },
};
