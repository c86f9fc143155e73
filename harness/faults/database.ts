// What the faults that act on the database itself share: a session of the harness's own, straight to
// Postgres (the environment's observer endpoint, never behind a fault proxy), and a view of a
// worker's sessions in pg_stat_activity, found by application name (PGAPPNAME) as activity.ts does.
import pg from "pg";
import type { StartedEnvironment } from "../env/provider.ts";
import { LeaseChaosError } from "../errors.ts";
import { belongsTo } from "../observe/activity.ts";

/** The application_name of a fault's own session: no worker's id, so no worker is credited with it. */
export const FAULT_APP_NAME = "lease-chaos/fault";

/** How long the harness's own lock statements may wait for a worker's statement in flight. */
export const OWN_LOCK_TIMEOUT_MS = 2_000;

/** One session of a worker as pg_stat_activity shows it (query_start on the database clock). */
export interface WorkerSession {
  pid: number;
  applicationName: string;
  state: string | null;
  waitEventType: string | null;
  waitEvent: string | null;
  /** its statement now, or its last one when idle */
  query: string;
  queryStart: number | null;
  /** backends it waits for (pg_blocking_pids) */
  blockedBy: number[];
}

/** Opens a session of the harness's own straight to the run's database; the caller ends it. */
export async function openOwnSession(env: StartedEnvironment, timeoutMs = 5_000): Promise<pg.Client> {
  const client = new pg.Client({
    ...env.observerDb,
    application_name: FAULT_APP_NAME,
    connectionTimeoutMillis: timeoutMs,
  });
  // A session that dies under the fault (Postgres restarted) must not crash the harness: the next
  // statement on it fails, and heal treats that as healed.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    throw notApplied(
      `the harness could not open a session of its own to Postgres at ${env.observerDb.host}:${env.observerDb.port}: ${(err as Error).message}`,
      err,
    );
  }
  return client;
}

/** Ends a session of the harness's own, waiting at most a second (a dead one is simply dropped). */
export async function closeOwnSession(client: pg.Client): Promise<void> {
  await Promise.race([
    client.end().catch(() => {}),
    new Promise((resolve) => setTimeout(resolve, 1_000).unref()),
  ]);
}

/** The workload id of a worker key: `fwd-a` for `fwd-a` and for its second process `fwd-a.1`. */
export function workloadIdOf(key: string): string {
  return key.split(".")[0] as string;
}

/** Every client session in the run's database but the caller's, newest statement first. */
export async function sessionsIn(client: pg.Client): Promise<WorkerSession[]> {
  const { rows } = await client.query<{
    pid: number;
    application_name: string | null;
    state: string | null;
    wait_event_type: string | null;
    wait_event: string | null;
    query: string | null;
    query_start: number | null;
    blocked_by: number[] | null;
  }>(
    `SELECT pid, application_name, state, wait_event_type, wait_event, query,
            (extract(epoch FROM query_start) * 1000)::float8 AS query_start,
            pg_blocking_pids(pid) AS blocked_by
     FROM pg_stat_activity
     WHERE backend_type = 'client backend' AND datname = current_database() AND pid <> pg_backend_pid()
     ORDER BY query_start DESC NULLS LAST`,
  );
  return rows.map((r) => ({
    pid: r.pid,
    applicationName: r.application_name ?? "",
    state: r.state,
    waitEventType: r.wait_event_type,
    waitEvent: r.wait_event,
    query: r.query ?? "",
    queryStart: r.query_start === null ? null : Number(r.query_start),
    blockedBy: r.blocked_by ?? [],
  }));
}

/** The sessions of worker `key` among `all` (by application name, as activity.ts credits them). */
export function sessionsOfWorker(all: WorkerSession[], key: string): WorkerSession[] {
  const id = workloadIdOf(key);
  return all.filter((s) => belongsTo(s.applicationName, id));
}

/**
 * True when session `s` waits, directly or behind other waiters, on a lock backend `holder` holds.
 * (A second waiter for a row queues behind the first one's tuple lock, not behind the holder.)
 */
export function waitsOn(s: WorkerSession, holder: number, all: WorkerSession[]): boolean {
  const byPid = new Map(all.map((x) => [x.pid, x]));
  const seen = new Set<number>();
  const queue = [...s.blockedBy];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (pid === holder) return true;
    if (seen.has(pid)) continue;
    seen.add(pid);
    queue.push(...(byPid.get(pid)?.blockedBy ?? []));
  }
  return false;
}

// The table as a statement may spell it: quoted or not, with its schema or (unqualified) any schema.
function tablePattern(table: string): string {
  const part = (p: string) => `"?${p.replace(/[$]/g, "\\$")}"?`;
  const [a, b] = table.split(".") as [string, string?];
  return b === undefined ? `(?:"?\\w+"?\\s*\\.\\s*)?${part(a)}` : `${part(a)}\\s*\\.\\s*${part(b)}`;
}

/** True when a statement writes `table` (UPDATE, INSERT INTO, DELETE FROM it): an acquire, a renew, a release. */
export function writesTable(query: string, table: string): boolean {
  return new RegExp(
    `\\b(?:update|insert\\s+into|delete\\s+from)\\s+(?:only\\s+)?${tablePattern(table)}(?![\\w$"])`,
    "i",
  ).test(query);
}

/** A statement as a fault's detail quotes it: one line, at most 80 characters. */
export function shortQuery(query: string): string {
  const line = query.replace(/\s+/g, " ").trim();
  return line.length > 80 ? `${line.slice(0, 77)}...` : line || "(none yet)";
}

/**
 * Polls until `find` returns a value or timeoutMs passes (null then). A fault waits this way for
 * evidence in the database (a session blocked on its lock), never for a fixed time.
 */
export async function pollFor<T>(
  find: () => Promise<T | null>,
  timeoutMs: number,
  everyMs = 25,
): Promise<T | null> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== null) return found;
    if (performance.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** A fault found no evidence that it applied: the run is unknown, never a pass. */
export function notApplied(message: string, cause?: unknown): LeaseChaosError {
  return new LeaseChaosError("E_FAULT_NOT_APPLIED", message, cause === undefined ? undefined : { cause });
}

/**
 * Locks held in a transaction of the harness's own session until released (rolled back). Taken
 * with a lock_timeout of its own, so a lock the harness cannot get in time fails the injection
 * instead of hanging it.
 */
export class HeldLock {
  private constructor(
    private client: pg.Client | null,
    /** the backend holding the locks */
    readonly pid: number,
  ) {}

  /** Opens a session, begins a transaction and runs `statements` in it (each may take a lock). */
  static async take(
    env: StartedEnvironment,
    statements: { sql: string; values?: unknown[] }[],
  ): Promise<{ lock: HeldLock; rowCounts: number[] }> {
    const client = await openOwnSession(env);
    try {
      const pid = Number(
        (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid,
      );
      await client.query("BEGIN");
      await client.query(`SET LOCAL lock_timeout = ${OWN_LOCK_TIMEOUT_MS}`);
      const rowCounts: number[] = [];
      for (const s of statements) {
        const t0 = performance.now();
        try {
          rowCounts.push((await client.query(s.sql, s.values ?? [])).rowCount ?? 0);
        } catch (err) {
          throw notApplied(
            `the harness's own session failed after ${Math.round(performance.now() - t0)} ms to take its lock (${shortQuery(s.sql)}): ${(err as Error).message}`,
            err,
          );
        }
      }
      return { lock: new HeldLock(client, pid), rowCounts };
    } catch (err) {
      await closeOwnSession(client);
      throw err;
    }
  }

  /**
   * Waits up to timeoutMs for a session of worker `key` that waits on these locks and that `accept`s
   * (e.g. a renewal); watched from a second session, since a transaction sees one snapshot of
   * pg_stat_activity. Resolves with it and every session that waits on the locks, or null.
   */
  async waiter(
    env: StartedEnvironment,
    key: string,
    accept: (s: WorkerSession) => boolean,
    timeoutMs: number,
  ): Promise<{ session: WorkerSession; waiting: WorkerSession[] } | null> {
    const watcher = await openOwnSession(env);
    try {
      return await pollFor(async () => {
        const all = await sessionsIn(watcher);
        const waiting = all.filter((s) => s.waitEventType === "Lock" && waitsOn(s, this.pid, all));
        const session = sessionsOfWorker(waiting, key).find(accept);
        return session ? { session, waiting } : null;
      }, timeoutMs);
    } finally {
      await closeOwnSession(watcher);
    }
  }

  /** Rolls back and ends the session; a second call does nothing. */
  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    await client.query("ROLLBACK").catch(() => {});
    await closeOwnSession(client);
  }
}
