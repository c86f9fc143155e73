// The runbook's title: the lease is lost while a batch is in flight.
import { latency } from "../harness/faults/latency.ts";
import { latencyKnob } from "../harness/run/knobs.ts";
import { needsEnqueue, needsItemGate } from "../harness/run/needs.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import {
  bringUp,
  healAndRead,
  identifyLeader,
  inject,
  itemGateAdapts,
  pauseAtItem,
  slowItems,
  takeoverLowerBoundMs,
  waitForTakeover,
} from "./steps.ts";

/**
 * F2: pause the leader after it passed its gate for an item; the standby takes over; the old leader
 * wakes on a slow connection (its replies a quarter ttl late), so what it learns from the database
 * comes late and its gate alone decides whether the rest of the batch goes on.
 */
export const leaseLostMidBatch: Scenario = {
  name: "lease-lost-mid-batch",
  summary:
    "F2: pause the leader between its gate and its write; it wakes on a slow connection; its stale write must be fenced off",
  faults: ["F2", "F4"],
  premises: ["fault-mid-item", "target-term-ended", "lease-changed-hands"],
  needs: (ctx) => [...needsEnqueue(ctx), ...needsItemGate(ctx)],
  adapts: itemGateAdapts,
  knobs: { wakeLatencyMs: latencyKnob("how late replies reach the old leader when it wakes", 0.25) },
  lowerBoundMs: (t) => takeoverLowerBoundMs(t) + Math.round(t.ttlMs / 2),
  timings: slowItems,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const pause = await pauseAtItem(
      run,
      leader.holder,
      `queue a large batch; pause ${leader.holder} while an item is in flight`,
    );
    // Slowed while it is frozen, so that it wakes the moment the standby takes over: its stale write
    // must reach the database before the new leader's first batch does (which comes a batch
    // interval and an item's work after its acquire), or there is nothing left to fence.
    const latencyMs = run.knob("wakeLatencyMs");
    const slow = await inject(
      run,
      `replies to ${leader.holder} will arrive ${latencyMs} ms late once it wakes`,
      latency(leader.holder, { latencyMs, streams: ["downstream"] }),
    );
    await waitForTakeover(run, leader);
    await healAndRead(run, pause, leader.holder);
    await run.step(`let it work on for ${2 * latencyMs} ms, then the replies are on time again`, async () => {
      await run.hold(2 * latencyMs);
      await slow.heal();
    });
  },
};
