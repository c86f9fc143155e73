// The outbox's classic hole: an event delivered but not yet marked when the leader stops.
import { needsEffects, needsEnqueue } from "../harness/run/needs.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import {
  bringUp,
  healAndRead,
  identifyLeader,
  pauseAfterEffect,
  slowItems,
  takeoverLowerBoundMs,
  waitForTakeover,
} from "./steps.ts";

/** F2b: pause the leader right after one of its unique effects (a delivery); the next leader must not repeat it. */
export const pauseAfterDelivery: Scenario = {
  name: "pause-after-delivery",
  summary:
    "F2 (after the write): pause the leader right after it delivered an item; the next leader must not deliver it again",
  faults: ["F2"],
  premises: ["target-term-ended", "lease-changed-hands"],
  needs: (ctx) => [...needsEnqueue(ctx), ...needsEffects(ctx)],
  lowerBoundMs: (t) => takeoverLowerBoundMs(t),
  timings: slowItems,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const unique = run.role.work.effects.find((e) => e.unique);
    const pause = await pauseAfterEffect(
      run,
      leader.holder,
      `queue a batch; pause ${leader.holder} right after it delivers an item`,
      unique ? (unique.name ?? unique.table) : undefined,
    );
    await waitForTakeover(run, leader);
    await healAndRead(run, pause, leader.holder);
  },
};
