// The old holder comes back after the new one has been working for a while.
import { needsEffects, needsEnqueue, needsItemGate } from "../harness/run/needs.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import {
  bringUp,
  healAndRead,
  identifyLeader,
  itemGateAdapts,
  pauseAtItem,
  slowItems,
  takeoverLowerBoundMs,
  waitForTakeover,
} from "./steps.ts";

/** F11: resume a holder frozen mid-item after epoch N+1 has worked; its epoch-N write must be refused. */
export const staleHolderAfterTakeover: Scenario = {
  name: "stale-holder-after-takeover",
  summary: "F11: a holder frozen mid-item resumes after the new holder worked; its stale write is refused",
  faults: ["F11"],
  premises: ["fault-mid-item", "lease-changed-hands", "stale-write-refused"],
  needs: (ctx) => [...needsEnqueue(ctx), ...needsItemGate(ctx), ...needsEffects(ctx)],
  adapts: itemGateAdapts,
  // Takeover, then one batch of the new holder.
  lowerBoundMs: (t) => takeoverLowerBoundMs(t) + t.batchIntervalMs,
  timings: slowItems,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const pause = await pauseAtItem(run, leader.holder, `freeze ${leader.holder} while an item is in flight`);
    const next = await waitForTakeover(run, leader);
    await run.step(`the new holder works under epoch ${next.epoch}`, async () => {
      const effect = await run.nextEffect(next.holder, 5 * run.ttlMs);
      run.note(`${next.holder}: ${effect.type} of ${effect.itemId} with epoch ${effect.epoch}`);
    });
    await healAndRead(run, pause, leader.holder);
    await run.step(`${leader.holder}'s in-flight write meets the fence`, async () => {
      const refused = await run
        .nextEffect(leader.holder, 2 * run.ttlMs, {
          refused: true,
          accept: (e) => e.kind === "refused-effect",
        })
        .catch(() => null);
      run.note(
        refused
          ? `refused: ${refused.type} of ${refused.itemId} with epoch ${refused.epoch}`
          : "no refused write seen",
      );
    });
  },
};
