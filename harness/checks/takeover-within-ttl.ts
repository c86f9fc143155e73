import type { Evidence, FaultWindow, RunMeta, WallMs, WorkerLog } from "../observe/evidence.ts";
import type { Check, CheckResult, Violation } from "./check.ts";
import { ttlOf } from "./context.ts";
import { clockTime, sinceStart } from "./format.ts";
import { isWorkStart } from "./logs.ts";
import { fail, maxOrNull, pass, unknown } from "./result.ts";
import { ofKind } from "./select.ts";
import { type Term, termsByLease, termsOf } from "./terms.ts";

const ID = "takeover-within-ttl";

/**
 * Liveness of the election, judged from the database's lease history:
 * (1) every grant lasts at most the granting worker's ttlMs (+ grantToleranceMs): a lease written
 *     longer than the ttl slows every failover and is never seen from expires_at alone;
 * (2) when a holder stops renewing, a standby holds the lease within ttlMs + takeoverAllowanceMs of
 *     the holder's last grant (the moment it stopped renewing, at or before a pause or kill). A
 *     takeover a standby of which was itself under a fault (one a correct system does not simply
 *     ride out), or that waited on a fault holding the lease's row (holdsLease), is reported, not
 *     judged, and so is one in a same-identity successor's hold-off (its standbys paused until the
 *     successor holds the next term).
 */
export const takeoverWithinTtl: Check = {
  id: ID,
  description:
    "every grant's expires_at is at most ttlMs after it; after a holder's last grant, another term starts within ttlMs + ttlMs/2 (standbys under a fault excepted); reports failover from the fault's start",
  coverage() {
    return { judged: ["lease history"], notJudged: [], possible: true };
  },
  run,
};

/** How much longer than ttlMs a grant may read: the statement's clock reading precedes the trigger's. */
export const GRANT_TOLERANCE_MS = 25;

/** The standbys' polling: a takeover may come this long after the lease lapsed. */
export function takeoverAllowanceMs(ttlMs: number): number {
  return Math.round(ttlMs / 2);
}

/** One ended term and what followed it (all database/host wall clock). */
interface Takeover {
  old: Term;
  next: Term | undefined;
  lastGrantAt: WallMs;
  /** next start - last grant of the old holder */
  failoverMs: number | null;
  /** next start - expires_at of the old term */
  takeoverMs: number | null;
  failoverFromFaultMs: number | null;
  leaderlessGapMs: number | null;
  /** a standby was under a fault while it could have taken over */
  heldBack: FaultWindow | null;
}

function run(evidence: Evidence): CheckResult {
  const changes = ofKind(evidence, "lease-change");
  if (changes.length === 0) return unknown(ID, "no lease history recorded");
  const { meta } = evidence;
  const terms = termsOf(evidence);
  const violations: Violation[] = [...longGrants(terms, meta)];
  const faults = ofKind(evidence, "fault");
  const logs = ofKind(evidence, "worker-log");
  const takeovers: Takeover[] = [];
  for (const list of termsByLease(terms).values()) {
    list.forEach((old, i) => {
      if (old.endReason === "expired") takeovers.push(measure(old, list[i + 1], faults, logs, meta));
    });
  }
  const metrics = {
    takeoverMs: maxOrNull(takeovers.flatMap((t) => t.takeoverMs ?? [])),
    failoverMs: maxOrNull(takeovers.flatMap((t) => t.failoverMs ?? [])),
    failoverFromFaultMs: maxOrNull(takeovers.flatMap((t) => t.failoverFromFaultMs ?? [])),
    leaderlessGapMs: maxOrNull(takeovers.flatMap((t) => t.leaderlessGapMs ?? [])),
    grantsChecked: terms.reduce((n, t) => n + t.grants.length, 0),
  };
  // A takeover that happened is judged; a lapse too close to the end of observation had no full chance.
  const judged = takeovers.filter(
    (t) =>
      t.heldBack === null &&
      ((t.next !== undefined && t.next.start <= meta.observedUntil) ||
        t.lastGrantAt + bound(t, meta) <= meta.observedUntil),
  );
  violations.push(...judged.flatMap((t) => late(t, meta) ?? []));
  if (violations.length > 0)
    return fail(
      ID,
      violations.sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0)),
      metrics,
    );
  const byRow = takeovers.filter((t) => t.heldBack?.holdsLease === true).length;
  const bySilence = takeovers.filter((t) => t.heldBack !== null).length - byRow;
  const heldText =
    (bySilence ? `; ${bySilence} takeover(s) not judged (every standby under a fault)` : "") +
    (byRow ? `; ${byRow} takeover(s) not judged (the lease's row held by a fault)` : "");
  if (judged.length === 0)
    return pass(
      ID,
      `${metrics.grantsChecked} grant(s) within ttl; ${takeovers.length === 0 ? "no lease lapsed during the run" : `${takeovers.length} lapse(s) not judged`}${heldText}`,
      metrics,
    );
  const fromFault =
    metrics.failoverFromFaultMs === null ? "" : `; ${metrics.failoverFromFaultMs} ms from the fault's start`;
  return pass(
    ID,
    `${judged.length} takeover(s), slowest ${metrics.failoverMs} ms after the holder's last grant (bound ttl ${meta.ttlMs} + ${takeoverAllowanceMs(meta.ttlMs)} ms), ${metrics.takeoverMs} ms after expiry${fromFault}; ${metrics.grantsChecked} grant(s) within ttl${heldText}`,
    metrics,
  );
}

function bound(t: Takeover, meta: RunMeta): number {
  const ttl = ttlOf(meta, t.old.holder);
  return ttl + takeoverAllowanceMs(ttl);
}

function longGrants(terms: Term[], meta: RunMeta): Violation[] {
  const out: Violation[] = [];
  for (const t of terms) {
    const ttl = ttlOf(meta, t.holder);
    const long = t.grants.filter((g) => g.expiresAt - g.at > ttl + GRANT_TOLERANCE_MS);
    const first = long[0];
    if (!first) continue;
    const lengthMs = Math.round(first.expiresAt - first.at);
    out.push({
      worker: t.holder,
      epoch: t.epoch,
      ts: first.at,
      leaseName: t.leaseName,
      grantMs: lengthMs,
      ttlMs: ttl,
      longGrants: long.length,
      message: `${t.holder} was granted ${t.leaseName} (epoch ${t.epoch}) at ${sinceStart(meta, first.at)} until ${clockTime(first.expiresAt)}: ${lengthMs} ms, longer than its ttl ${ttl} ms (${long.length} such grant(s))`,
    });
  }
  return out;
}

function measure(
  old: Term,
  next: Term | undefined,
  faults: FaultWindow[],
  logs: WorkerLog[],
  meta: RunMeta,
): Takeover {
  const lastGrantAt = old.grants.at(-1)?.at ?? old.start;
  const waitEnd = next?.start ?? meta.observedUntil;
  // A standby under a fault while the lease was free (paused, killed, cut off, its replies lost or
  // slowed: anything but a fault a correct system rides out) may not have been able to take over
  // on time. A second process of a standby's id counts as that standby.
  // Nor could anyone while a fault held the lease's row: every acquire waits on it.
  const standbys = new Set(
    meta.workers.filter((w) => w.leaseName === old.leaseName && w.id !== old.holder).map((w) => w.id),
  );
  const leaseOf = (worker: string) => meta.workers.find((w) => w.id === worker.split(".")[0])?.leaseName;
  // A same-identity successor holds the lease's standbys off (paused) from its start until its
  // successor holds the next term (injectedAt): a lapse in that window waited on the harness, and
  // the successor's own delay (paused by another fault) is not the system's.
  const holdsBack = (f: FaultWindow): number | null => {
    if (f.fault === "same-identity-successor" && leaseOf(f.target) === old.leaseName)
      return f.injectedAt ?? f.end ?? meta.observedUntil;
    const standby = f.tolerable !== true && standbys.has(f.target.split(".")[0] as string);
    const row = f.holdsLease === true && leaseOf(f.target) === old.leaseName;
    return standby || row ? (f.end ?? meta.observedUntil) : null;
  };
  const heldBack =
    faults.find((f) => {
      const until = f.withdrawn === true ? null : holdsBack(f);
      return until !== null && f.start < waitEnd && until > old.expiresAt;
    }) ?? null;
  if (!next)
    return {
      old,
      next,
      lastGrantAt,
      failoverMs: null,
      takeoverMs: null,
      failoverFromFaultMs: null,
      leaderlessGapMs: null,
      heldBack,
    };
  const faultStart = maxOrNull(
    faults.filter((f) => f.target === old.holder && f.start <= old.expiresAt).map((f) => f.start),
  );
  const lastOldWork = logs
    .filter(
      (l) => isWorkStart(l) && l.worker === old.holder && l.leaseName === old.leaseName && l.ts < old.end,
    )
    .at(-1);
  const firstNewBatch = logs.find(
    (l) =>
      l.means === "batch-started" &&
      l.worker === next.holder &&
      l.leaseName === next.leaseName &&
      l.ts >= next.start,
  );
  return {
    old,
    next,
    lastGrantAt,
    failoverMs: Math.round(next.start - lastGrantAt),
    takeoverMs: Math.round(next.start - old.expiresAt),
    failoverFromFaultMs: faultStart === null ? null : Math.round(next.start - faultStart),
    leaderlessGapMs: lastOldWork && firstNewBatch ? Math.round(firstNewBatch.ts - lastOldWork.ts) : null,
    heldBack,
  };
}

function late(t: Takeover, meta: RunMeta): Violation | null {
  const { old, next, failoverMs, lastGrantAt } = t;
  const limit = bound(t, meta);
  if (failoverMs !== null && failoverMs <= limit) return null;
  const stopped = `${old.holder}'s last grant (epoch ${old.epoch}) at ${sinceStart(meta, lastGrantAt)}`;
  const base = {
    worker: old.holder,
    epoch: old.epoch,
    ts: lastGrantAt,
    leaseName: old.leaseName,
    expiresAt: old.expiresAt,
    boundMs: limit,
  };
  if (!next || next.start > meta.observedUntil) {
    const waitedMs = Math.round(meta.observedUntil - lastGrantAt);
    return {
      ...base,
      noTakeoverForMs: waitedMs,
      message: `nobody acquired ${old.leaseName} after ${stopped}: no takeover in ${waitedMs} ms (bound ${limit} ms = ttl + ${takeoverAllowanceMs(ttlOf(meta, old.holder))} ms)`,
    };
  }
  return {
    ...base,
    nextHolder: next.holder,
    nextEpoch: next.epoch,
    failoverMs,
    takeoverMs: t.takeoverMs,
    message: `${next.holder} acquired ${old.leaseName} at ${sinceStart(meta, next.start)}, ${failoverMs} ms after ${stopped} (bound ${limit} ms; its expires_at was ${clockTime(old.expiresAt)})`,
  };
}
