// A work path that stalls on a lock while the renewals have nothing to wait for.
import { effectLocks, workRowLock } from "../harness/faults/work-row-lock.ts";
import { holdKnob } from "../harness/run/knobs.ts";
import { needsEffects } from "../harness/run/needs.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, identifyLeader, inject } from "./steps.ts";

/**
 * F17: the harness's own session locks the leader's effect tables (inserts: the table IN EXCLUSIVE
 * MODE, reads go on; updates: every row it holds, FOR UPDATE) for two ttl. Its writes wait; its
 * network is fine and its renewals touch nothing locked. Injected as tolerable: a work-path stall
 * must never cost the term (no-needless-failover), and the work must resume after.
 */
export const workRowsLocked: Scenario = {
  name: "work-rows-locked",
  summary:
    "F17: the harness locks the leader's effect tables: its work stalls while its renewals must go on; nothing may change hands",
  faults: ["F17"],
  premises: ["tolerable-fault-applied", "work-stalled"],
  needs: needsEffects,
  knobs: { holdMs: holdKnob("how long the work path stays locked", 2) },
  lowerBoundMs: (t) => 2 * t.ttlMs,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const held = effectLocks(run.role)
      .map((l) => (l.how === "table" ? `${l.table} (EXCLUSIVE)` : `${l.table}'s rows (FOR UPDATE)`))
      .join(", ");
    const lock = await inject(
      run,
      `lock ${leader.holder}'s effect tables from the harness's own session: ${held}; its work stalls`,
      workRowLock(leader.holder, { waitMs: 2 * run.ttlMs }),
      { tolerable: true },
    );
    await run.step(`keep them locked ${run.knob("holdMs")} ms; its renewals must go on`, async () => {
      const from = Date.now();
      await run.hold(run.knob("holdMs"));
      const grants = run.recorder.events.filter(
        (e) =>
          e.kind === "lease-change" &&
          e.leaseName === run.lease &&
          e.holder === leader.holder &&
          e.ts >= from,
      ).length;
      run.note(`${grants} grant(s) of ${leader.holder}'s lease while its work was locked`);
    });
    await run.step("release the locks; its work must resume", async () => {
      const next = run.nextEffect(leader.holder, 2 * run.ttlMs).catch(() => null);
      await lock.heal();
      const effect = await next;
      run.note(
        effect
          ? `${leader.holder}'s first effect after the release: ${effect.type} of ${effect.itemId}`
          : `no effect of ${leader.holder} within ${2 * run.ttlMs} ms of the release`,
      );
    });
  },
};
