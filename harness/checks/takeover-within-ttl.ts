import type { Evidence, WallMs, WorkerLog } from "../observe/evidence.ts";
import type { Check, CheckResult, Violation } from "./check.ts";
import { clockTime, sinceStart } from "./format.ts";
import { isWorkStart, LOG_MSG } from "./logs.ts";
import { fail, maxOrNull, pass, unknown } from "./result.ts";
import { ofKind } from "./select.ts";
import { type Term, termsByLease, termsOf } from "./terms.ts";

const ID = "takeover-within-ttl";

/** Liveness of the election: a lease that expired is held again within ttlMs (runbook: "within leaderElection.ttlMs"). */
export const takeoverWithinTtl: Check = {
  id: ID,
  description:
    "after a term ends by expiry, the next term of that lease starts within ttlMs of its expires_at; reports failover time from the fault's start",
  run,
};

/** One expired term and what followed it (all database/host wall clock). */
interface Takeover {
  old: Term;
  next: Term | undefined;
  takeoverMs: number | null;
  failoverFromFaultMs: number | null;
  leaderlessGapMs: number | null;
}

function run(evidence: Evidence): CheckResult {
  if (ofKind(evidence, "lease-change").length === 0) return unknown(ID, "no lease history recorded");
  const { meta } = evidence;
  const faultStarts = ofKind(evidence, "fault").map((f) => f.start);
  const work = ofKind(evidence, "worker-log");
  const takeovers: Takeover[] = [];
  for (const terms of termsByLease(termsOf(evidence)).values()) {
    terms.forEach((old, i) => {
      if (old.endReason === "expired") takeovers.push(measure(old, terms[i + 1], faultStarts, work));
    });
  }
  const metrics = {
    takeoverMs: maxOrNull(takeovers.flatMap((t) => t.takeoverMs ?? [])),
    failoverFromFaultMs: maxOrNull(takeovers.flatMap((t) => t.failoverFromFaultMs ?? [])),
    leaderlessGapMs: maxOrNull(takeovers.flatMap((t) => t.leaderlessGapMs ?? [])),
  };
  if (takeovers.length === 0)
    return pass(ID, "no lease expired during the run (nothing to take over)", metrics);

  // A takeover that happened is always judged; a term expiring within the last ttlMs of
  // observation with no successor yet had no full chance to be taken over.
  const judged = takeovers.filter(
    (t) =>
      (t.next !== undefined && t.next.start <= meta.observedUntil) ||
      t.old.expiresAt + meta.ttlMs <= meta.observedUntil,
  );
  const violations = judged.flatMap((t) => late(t, meta.ttlMs, evidence) ?? []);
  if (violations.length > 0) return fail(ID, violations, metrics);
  if (judged.length === 0) {
    return pass(
      ID,
      `${takeovers.length} expiry(ies), all within ttl of the end of observation (not judged)`,
      metrics,
    );
  }
  const fromFault =
    metrics.failoverFromFaultMs === null
      ? ""
      : `; failover ${metrics.failoverFromFaultMs} ms from fault start`;
  return pass(
    ID,
    `${judged.length} takeover(s), slowest ${metrics.takeoverMs} ms after expiry (ttl ${meta.ttlMs} ms)${fromFault}`,
    metrics,
  );
}

function measure(old: Term, next: Term | undefined, faultStarts: WallMs[], logs: WorkerLog[]): Takeover {
  if (!next) return { old, next, takeoverMs: null, failoverFromFaultMs: null, leaderlessGapMs: null };
  const faultStart = maxOrNull(faultStarts.filter((s) => s <= old.expiresAt));
  const lastOldWork = logs
    .filter(
      (l) =>
        isWorkStart(l) && l.worker === old.holder && l.epoch === old.epoch && l.leaseName === old.leaseName,
    )
    .at(-1);
  const firstNewBatch = logs.find(
    (l) =>
      l.msg === LOG_MSG.batchStarted &&
      l.worker === next.holder &&
      l.epoch === next.epoch &&
      l.leaseName === next.leaseName &&
      l.ts >= next.start,
  );
  return {
    old,
    next,
    takeoverMs: next.start - old.expiresAt,
    failoverFromFaultMs: faultStart === null ? null : next.start - faultStart,
    leaderlessGapMs: lastOldWork && firstNewBatch ? firstNewBatch.ts - lastOldWork.ts : null,
  };
}

function late({ old, next, takeoverMs }: Takeover, ttlMs: number, evidence: Evidence): Violation | null {
  if (takeoverMs !== null && takeoverMs <= ttlMs) return null;
  const expired = `${old.holder}'s epoch ${old.epoch} expired at ${clockTime(old.expiresAt)}`;
  const base = {
    worker: old.holder,
    epoch: old.epoch,
    ts: old.expiresAt,
    leaseName: old.leaseName,
    expiresAt: old.expiresAt,
    ttlMs,
  };
  if (!next || next.start > evidence.meta.observedUntil) {
    const waitedMs = evidence.meta.observedUntil - old.expiresAt;
    return {
      ...base,
      noTakeoverForMs: waitedMs,
      message: `nobody acquired ${old.leaseName} after ${expired}: no takeover in ${waitedMs} ms (ttl ${ttlMs} ms)`,
    };
  }
  return {
    ...base,
    nextHolder: next.holder,
    nextEpoch: next.epoch,
    takeoverMs,
    message: `${next.holder} acquired ${old.leaseName} at ${sinceStart(evidence.meta, next.start)}, ${takeoverMs} ms after ${expired} (ttl ${ttlMs} ms)`,
  };
}
