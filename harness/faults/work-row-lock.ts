import { quoteIdent } from "../observe/journal.ts";
import type { ProfileRole } from "../profile/profile.ts";
import { HeldLock, notApplied, sessionsOfWorker, shortQuery, writesTable } from "./database.ts";
import type { Fault, FaultContext } from "./fault.ts";

/** Options of a work-path lock: which effect tables, and how long to wait for work to stall on them. */
export interface WorkRowLockOptions {
  /** the effect tables to lock (default: every effect table of the target's role) */
  tables?: string[];
  /** how long verify waits for one of the target's statements to stall on the lock (default 10 s) */
  waitMs?: number;
}

/** How one table is locked: a whole table, or every row it holds now. */
export interface TableLock {
  table: string;
  how: "table" | "rows";
}

/**
 * The locks for a role's effect tables. A table whose effects are inserts is locked whole IN
 * EXCLUSIVE MODE, which stalls every write and lets plain reads through (the harness's backlog
 * samples); a table whose effects are updates of existing rows gets a row lock on each row it
 * holds now (FOR UPDATE), so the harness's enqueue can still insert new work into it.
 */
export function effectLocks(role: ProfileRole, tables?: string[]): TableLock[] {
  const out = new Map<string, TableLock["how"]>();
  for (const e of role.work.effects) {
    if (tables && !tables.includes(e.table)) continue;
    const how = e.on === "insert" ? "table" : "rows";
    out.set(e.table, out.get(e.table) === "table" ? "table" : how);
  }
  return [...out].map(([table, how]) => ({ table, how }));
}

function lockSql(l: TableLock): string {
  return l.how === "table"
    ? `LOCK TABLE ${quoteIdent(l.table)} IN EXCLUSIVE MODE`
    : `SELECT 1 FROM ${quoteIdent(l.table)} FOR UPDATE`;
}

/**
 * F17: the work path stalls while the network and the lease path are fine. The harness's own
 * session holds locks on the target role's effect tables (its work.effects) in an open
 * transaction: its writes wait, its renewals have nothing to wait for. A correct worker keeps its
 * lease (scenarios inject it as tolerable). Verified by a session of the target waiting on the
 * locks (wait_event_type = 'Lock', behind the harness's backend). Heal rolls back.
 */
export function workRowLock(worker: string, options: WorkRowLockOptions = {}): Fault {
  const waitMs = options.waitMs ?? 10_000;
  let lock: HeldLock | null = null;
  let locks: TableLock[] = [];
  return {
    kind: "work-row-lock",
    target: worker,
    async inject({ env, system }: FaultContext) {
      const role = system.roleOf(worker);
      locks = effectLocks(role, options.tables);
      if (locks.length === 0)
        throw notApplied(
          `roles.${role.name}.work.effects names no table${options.tables ? ` among ${options.tables.join(", ")}` : ""}: nothing to lock`,
        );
      lock = (
        await HeldLock.take(
          env,
          locks.map((l) => ({ sql: lockSql(l) })),
        )
      ).lock;
    },
    async verify({ env, system }: FaultContext) {
      if (!lock) throw notApplied("the harness holds no lock");
      const held = locks.map((l) =>
        l.how === "table" ? `${l.table} (EXCLUSIVE)` : `${l.table}'s rows (FOR UPDATE)`,
      );
      const table = system.leaseTable.table;
      // The work path's statement: one that writes the lease table is a renewal held back behind it.
      const found = await lock.waiter(env, worker, (s) => !writesTable(s.query, table), waitMs);
      if (!found)
        throw notApplied(
          `no work statement of ${worker} waited on the harness's locks of ${held.join(", ")} within ${waitMs} ms`,
        );
      const s = found.session;
      const renewal = sessionsOfWorker(found.waiting, worker).find((x) => writesTable(x.query, table));
      return `the harness holds ${held.join(", ")}; ${worker}'s ${shortQuery(s.query)} (pid ${s.pid}, ${s.applicationName}) waits on it (wait_event_type ${s.waitEventType}, ${s.waitEvent})${renewal ? `; its ${shortQuery(renewal.query)} waits behind it too` : ""}`;
    },
    async heal() {
      const held = lock;
      lock = null;
      await held?.release();
    },
  };
}
