// A renewal that stalls inside the database while the network and the work path are fine.
import { clockTime } from "../harness/checks/format.ts";
import { leaseRowLock } from "../harness/faults/lease-row-lock.ts";
import { holdKnob } from "../harness/run/knobs.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, healAndRead, identifyLeader, waitForRenew } from "./steps.ts";

/**
 * F16: right after a renew, the harness's own session locks the leader's lease row (FOR SHARE, in
 * an open transaction, as a long transaction or a stuck migration would). Its renewals wait in the
 * database; its proxy, its connections and its work path (reads, fences that share-lock the row)
 * are fine. The lock is held past the lease's expires_at. A correct leader steps down at its local
 * deadline though nothing ever told it no; work that outruns the deadline is the bug.
 */
export const leaseRowLocked: Scenario = {
  name: "lease-row-locked",
  summary:
    "F16: the harness locks the leader's lease row: its renewals stall while network and work are fine; it steps down at its local deadline",
  faults: ["F16"],
  premises: ["renewals-stalled", "work-went-on"],
  knobs: { pastExpiryMs: holdKnob("how long the lock stays after the lease's expires_at", 0.25) },
  lowerBoundMs: (t) => Math.round(1.25 * t.ttlMs),
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const table = run.profile.data.leaseTable.table;
    const lock = await run.step(
      `right after a renew, lock ${leader.holder}'s row in ${table} from the harness's own session; its renewals stall`,
      async () => {
        await waitForRenew(run, leader.holder);
        const fault = await run.inject(leaseRowLock(leader.holder, { waitMs: run.ttlMs }));
        run.note(fault.window.detail);
        return fault;
      },
    );
    // Every write of the row waits on the lock: the last change is the grant in force.
    const grant = run.lastLeaseChange();
    if (grant?.holder !== leader.holder || grant.expiresAt === null)
      throw new Error(`${run.lease}'s row changed hands before the lock: ${grant?.holder ?? "no holder"}`);
    const expiresAt = grant.expiresAt;
    await run.step(
      `keep the lock until ${run.knob("pastExpiryMs")} ms past its expires_at (${clockTime(expiresAt)}); its work path stays open`,
      async () => {
        await run.until(expiresAt + run.knob("pastExpiryMs"));
        const warned = run
          .linesOf(leader.holder)
          .find((l) => l.means === "expired-locally" && l.ts >= lock.window.start);
        run.note(
          warned
            ? `${leader.holder}: ${warned.msg} ${Math.round(expiresAt - warned.ts)} ms before expires_at`
            : `${leader.holder} logged no local expiry under the lock`,
        );
      },
    );
    await healAndRead(run, lock, leader.holder);
  },
};
