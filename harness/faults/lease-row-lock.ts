import { quoteIdent } from "../observe/journal.ts";
import { HeldLock, notApplied, shortQuery, writesTable } from "./database.ts";
import type { Fault, FaultContext } from "./fault.ts";

/** Options of a lease-row lock: how strong, and how long to wait for a renewal to stall on it. */
export interface LeaseRowLockOptions {
  /**
   * "share" (SELECT ... FOR SHARE, the default): every writer of the row stalls (renew, acquire,
   * release) while plain reads and fences that share-lock the row go on, so the work path is fine.
   * "update" (FOR UPDATE): share-locking fences stall too.
   */
  mode?: "share" | "update";
  /** how long verify waits for one of the target's renewals to stall on the lock (default 10 s) */
  waitMs?: number;
}

/**
 * F16: the renewal stalls on the database side while the network and the work path are fine. The
 * harness's own session (straight to Postgres, never through a proxy) holds a row lock on the
 * target's lease row in the profile's lease table, in an open transaction, as a long transaction or
 * a stuck migration would. Every contender's acquire stalls on it too (holdsLease). Verified by a
 * session of the target whose statement writes the lease table waiting on the lock
 * (pg_stat_activity wait_event_type = 'Lock', behind the harness's backend in pg_blocking_pids).
 * Heal rolls back. A renewal the worker gave up on still waits in its backend, and may commit when
 * the lock goes: that is Postgres, not the harness (see docs/faults.md).
 */
export function leaseRowLock(worker: string, options: LeaseRowLockOptions = {}): Fault {
  const mode = options.mode ?? "share";
  const waitMs = options.waitMs ?? 10_000;
  let lock: HeldLock | null = null;
  let what = "";
  return {
    kind: "lease-row-lock",
    target: worker,
    holdsLease: true,
    async inject({ env, system }: FaultContext) {
      const lease = system.roleOf(worker).lease;
      const { table, columns } = system.leaseTable;
      what = `${table} row ${JSON.stringify(lease)} (FOR ${mode.toUpperCase()})`;
      const taken = await HeldLock.take(env, [
        {
          sql: `SELECT 1 FROM ${quoteIdent(table)} WHERE ${quoteIdent(columns.name)} = $1 FOR ${mode === "update" ? "UPDATE" : "SHARE"}`,
          values: [lease],
        },
      ]);
      lock = taken.lock;
      if (taken.rowCounts[0] === 0)
        throw notApplied(`${table} has no row for lease ${JSON.stringify(lease)}`);
    },
    async verify({ env, system }: FaultContext) {
      if (!lock) throw notApplied("the harness holds no lock");
      const table = system.leaseTable.table;
      const found = await lock.waiter(env, worker, (s) => writesTable(s.query, table), waitMs);
      if (!found)
        throw notApplied(
          `no statement of ${worker} writing ${table} waited on the harness's lock of ${what} within ${waitMs} ms`,
        );
      const { session: s, waiting } = found;
      const others = waiting.length - 1;
      return `the harness holds ${what}; ${worker}'s ${shortQuery(s.query)} (pid ${s.pid}, ${s.applicationName}) waits on it (wait_event_type ${s.waitEventType}, ${s.waitEvent})${others > 0 ? `; ${others} other session(s) wait too` : ""}`;
    },
    async heal() {
      const held = lock;
      lock = null;
      await held?.release();
    },
  };
}
