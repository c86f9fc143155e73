// A lingering zombie: a second process with the leader's identity, beside it.
import { zombie } from "../harness/faults/zombie.ts";
import { holdKnob } from "../harness/run/knobs.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, identifyLeader, inject } from "./steps.ts";

/**
 * F14: a second process with the leader's WORKLOAD_ID starts beside it (an old deployment's pod
 * that lingers, a node that came back), on a connection of its own, for 1.5 ttl. It finds its own
 * id holding an unexpired lease; it must stand by, never lead under the first one's term.
 */
export const zombieSameIdentity: Scenario = {
  name: "zombie-same-identity",
  summary:
    "F14: a second process with the leader's identity runs beside it; it must not lead under that term",
  faults: ["F14"],
  premises: ["zombie-overlapped"],
  knobs: { holdMs: holdKnob("how long the two processes run side by side", 1.5) },
  lowerBoundMs: (t) => Math.round(1.5 * t.ttlMs),
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const z = await inject(
      run,
      `start a second ${leader.holder} beside it (same identity)`,
      zombie(leader.holder, () => run.startZombie(leader.holder)),
    );
    await run.step(`let both run for ${run.knob("holdMs")} ms`, () => run.hold(run.knob("holdMs")));
    await run.step("the zombie goes away (SIGKILL)", () => z.heal());
  },
};
