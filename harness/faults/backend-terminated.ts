import {
  closeOwnSession,
  notApplied,
  openOwnSession,
  pollFor,
  sessionsIn,
  sessionsOfWorker,
  shortQuery,
  type WorkerSession,
  writesTable,
} from "./database.ts";
import type { Fault, FaultContext } from "./fault.ts";

/** Which of a worker's sessions: its renewer's, its work path's, or whichever. */
export type SessionKind = "lease" | "work" | "any";

/** Options of a terminated backend: which session, and how long to look for it. */
export interface BackendTerminatedOptions {
  /**
   * "lease": the session whose last statement wrote the lease table (its renewer); "work": a
   * session whose last statement did not (its work path); "any": the most recently active one.
   */
  session?: SessionKind;
  /** how long to look for such a session before the fault does not apply (default 5 s) */
  findMs?: number;
}

/** How long pg_terminate_backend waits for the backend to exit, and verify looks for it after. */
const GONE_WITHIN_MS = 2_000;

function pick(sessions: WorkerSession[], kind: SessionKind, leaseTable: string): WorkerSession | undefined {
  if (kind === "any") return sessions[0];
  // A session that has run nothing yet says nothing about its path.
  const said = sessions.filter((s) => s.query.trim() !== "");
  return said.find((s) => writesTable(s.query, leaseTable) === (kind === "lease"));
}

/**
 * F18: one session of the worker dies (a failover of a connection pooler, an operator's
 * pg_terminate_backend, an idle-session reaper). The harness finds the target's sessions by
 * application name (PGAPPNAME, or a name carrying its id) and picks one by what it last ran, then
 * terminates its backend. Verified by the backend being gone from pg_stat_activity. A correct
 * worker reconnects that path; the other path goes on. Nothing to heal.
 */
export function backendTerminated(worker: string, options: BackendTerminatedOptions = {}): Fault {
  const kind = options.session ?? "any";
  const findMs = options.findMs ?? 5_000;
  let victim: WorkerSession | null = null;
  return {
    kind: "backend-terminated",
    target: worker,
    async inject({ env, system }: FaultContext) {
      const table = system.leaseTable.table;
      const client = await openOwnSession(env);
      try {
        let seen: WorkerSession[] = [];
        victim = await pollFor(async () => {
          seen = sessionsOfWorker(await sessionsIn(client), worker);
          return pick(seen, kind, table) ?? null;
        }, findMs);
        if (!victim)
          throw notApplied(
            seen.length === 0
              ? `no session of ${worker} in pg_stat_activity within ${findMs} ms (the harness finds them by application_name: PGAPPNAME or a name carrying the workload id)`
              : `none of ${worker}'s ${seen.length} session(s) is its ${kind} session within ${findMs} ms (last statements: ${seen.map((s) => shortQuery(s.query)).join(" | ")})`,
          );
        const pid = victim.pid;
        const { rows } = await client
          .query<{ done: boolean }>("SELECT pg_terminate_backend($1::int, $2::bigint) AS done", [
            pid,
            GONE_WITHIN_MS,
          ])
          .catch((err: unknown) => {
            throw notApplied(`pg_terminate_backend(${pid}) failed: ${(err as Error).message}`, err);
          });
        if (rows[0]?.done !== true)
          throw notApplied(
            `pg_terminate_backend(${victim.pid}) did not end ${worker}'s backend in ${GONE_WITHIN_MS} ms`,
          );
      } finally {
        await closeOwnSession(client);
      }
    },
    async verify({ env }: FaultContext) {
      const v = victim;
      if (!v) throw notApplied("no backend was terminated");
      const client = await openOwnSession(env);
      try {
        const gone = await pollFor(
          async () => ((await sessionsIn(client)).some((s) => s.pid === v.pid) ? null : true),
          GONE_WITHIN_MS,
        );
        if (!gone) throw notApplied(`backend ${v.pid} of ${worker} is still in pg_stat_activity`);
      } finally {
        await closeOwnSession(client);
      }
      return `terminated ${worker}'s ${kind === "any" ? "" : `${kind} `}session: backend ${v.pid} (${v.applicationName}), last statement ${shortQuery(v.query)}; it is gone from pg_stat_activity`;
    },
    async heal() {
      // Nothing to undo: the session is gone, and the worker's reconnect is what is judged.
    },
  };
}
