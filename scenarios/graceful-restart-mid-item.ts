// A rolling deploy sends SIGTERM while an item is in flight.
import { processStop } from "../harness/faults/process-stop.ts";
import { holdKnob } from "../harness/run/knobs.ts";
import { atomicBatches, needsEnqueue, needsItemGate } from "../harness/run/needs.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, identifyLeader, inject, itemGateAdapts, slowItems, waitForTakeover } from "./steps.ts";

/**
 * F15: SIGTERM (docker stop) to the leader right after it passed its gate for an item. It may let
 * that item meet the fence and release its lease, but it must start no work after the release (or
 * after its lease ended). It is started again with the same identity.
 */
export const gracefulRestartMidItem: Scenario = {
  name: "graceful-restart-mid-item",
  summary: "F15: SIGTERM to the leader while an item is in flight: no work after its release",
  faults: ["F15"],
  premises: ["fault-mid-item", "target-term-ended"],
  needs: (ctx) => [...needsEnqueue(ctx), ...needsItemGate(ctx)],
  adapts: itemGateAdapts,
  knobs: { graceMs: holdKnob("how long SIGTERM gives it before SIGKILL", 1) },
  lowerBoundMs: () => 0,
  timings: slowItems,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const stop = await run.step(
      `queue a batch; SIGTERM ${leader.holder} while an item is in flight`,
      async () => {
        await run.enqueue(8);
        // The first item of a batch: the rest of the batch is what a worker must not drain. A
        // batch that is one statement is caught between its batch line and its statement.
        if (run.profile.capabilities.lines.batchStarted)
          await run.nextLine(leader.holder, ["batch-started"], 5 * run.ttlMs);
        if (!atomicBatches(run.role)) await run.nextLine(leader.holder, ["item-started"], 5 * run.ttlMs);
        return inject(
          run,
          `docker stop ${leader.holder} (SIGTERM, grace ${run.knob("graceMs")} ms)`,
          processStop(leader.holder, run.knob("graceMs")),
        );
      },
    );
    await waitForTakeover(run, leader).catch((err: Error) => run.note(err.message));
    await run.step(`the new pod ${leader.holder} starts with the same identity`, () => stop.heal());
  },
};
