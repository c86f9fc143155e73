import type pg from "pg";
import { quoteIdent } from "../observe/journal.ts";
import type { LeaseTableData } from "../profile/schema.ts";
import { closeOwnSession, notApplied, openOwnSession, pollFor, workloadIdOf } from "./database.ts";
import type { Fault, FaultContext } from "./fault.ts";

/** Options of a same-identity successor: how to start it, whom to hold off, how long to wait. */
export interface SameIdentitySuccessorOptions {
  /** starts a second process with the target's identity; resolves with its key */
  start: () => Promise<string>;
  /** workers held off (paused) until the successor holds the lease: the target lease's standbys */
  holdOff: string[];
  /** how long to wait for the successor to take the next term (default 10 s) */
  takeoverMs?: number;
}

interface Held {
  holder: string | null;
  epoch: number;
}

async function leaseRow(client: pg.Client, t: LeaseTableData, lease: string): Promise<Held | null> {
  const c = t.columns;
  const epoch = c.epoch ?? c.acquiredAt;
  if (epoch === null)
    throw notApplied(
      "the lease table has neither an epoch nor an acquired-at column: a new term of the same holder cannot be told from the old one",
    );
  const { rows } = await client.query<{ holder: string | null; epoch: string | number | Date | null }>(
    `SELECT ${quoteIdent(c.holder)} AS holder, ${quoteIdent(epoch)} AS epoch FROM ${quoteIdent(t.table)} WHERE ${quoteIdent(c.name)} = $1`,
    [lease],
  );
  const row = rows[0];
  if (!row) return null;
  const e = row.epoch instanceof Date ? row.epoch.getTime() : Number(row.epoch ?? 0);
  return { holder: row.holder, epoch: e };
}

/**
 * F19: a same-identity successor, as when a StatefulSet pod is force-deleted while its node is only
 * partitioned: the replacement starts with the same name while the old process still lives. A
 * second process with the target's identity starts beside it (standing by: its own id holds the
 * lease); then the target is frozen (SIGSTOP / docker pause) and the successor takes the next term
 * once the lease expires. The lease's standbys are held off (paused) meanwhile, since each polls as
 * often as the successor and any of them could win the expired lease instead; they are let go the
 * moment the successor holds it. Verified by the lease row naming the target's id with a newer
 * epoch while the target is still frozen. Heal resumes the old process beside its successor: a
 * correct one never renews or works under its old term.
 */
export function sameIdentitySuccessor(worker: string, options: SameIdentitySuccessorOptions): Fault {
  const takeoverMs = options.takeoverMs ?? 10_000;
  const id = workloadIdOf(worker);
  let successor: string | null = null;
  const paused: string[] = [];
  let from: Held | null = null;
  let to: Held | null = null;
  const resume = async (ctx: FaultContext, keys: string[]) => {
    for (const k of keys) {
      const i = paused.indexOf(k);
      if (i < 0) continue;
      paused.splice(i, 1);
      await ctx.env.resumeWorker(k);
    }
  };
  return {
    kind: "same-identity-successor",
    target: worker,
    silences: true,
    async inject(ctx: FaultContext) {
      const { env, system } = ctx;
      const lease = system.roleOf(worker).lease;
      const client = await openOwnSession(env);
      try {
        from = await leaseRow(client, system.leaseTable, lease);
        if (from?.holder !== id)
          throw notApplied(`${worker} does not hold ${lease} (the row names ${from?.holder ?? "no holder"})`);
        successor = await options.start();
        for (const k of [...options.holdOff, worker]) {
          await env.pauseWorker(k);
          paused.push(k);
        }
        const start = from;
        to = await pollFor(
          async () => {
            const row = await leaseRow(client, system.leaseTable, lease);
            return row && row.holder === id && row.epoch > start.epoch ? row : null;
          },
          takeoverMs,
          50,
        );
      } finally {
        await closeOwnSession(client);
        await resume(ctx, options.holdOff);
      }
    },
    async verify({ env }: FaultContext) {
      if (!successor) throw notApplied("the successor did not start");
      if (!to)
        throw notApplied(
          `${successor} did not take the next term of ${worker}'s lease within ${takeoverMs} ms (still epoch ${from?.epoch})`,
        );
      const [old, next] = await Promise.all([env.workerState(worker), env.workerState(successor)]);
      if (old !== "paused") throw notApplied(`${worker} is ${old}, not frozen`);
      if (next !== "running") throw notApplied(`the successor ${successor} is ${next}`);
      const held = options.holdOff.length ? `, ${options.holdOff.join(", ")} held off until then` : "";
      return `${worker} frozen; ${successor}, a second process with its identity, took epoch ${to.epoch} after epoch ${from?.epoch}${held}`;
    },
    async heal(ctx: FaultContext) {
      // The standbys first (after a failed injection too), then the old process, beside its successor.
      await resume(ctx, [...options.holdOff, worker]);
    },
  };
}
