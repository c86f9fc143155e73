// Which faults a correct worker must ride out, from its own timings as its profile states them
// (its renew period, margin and statement timeout), not from a fixed fraction of the ttl: a slow
// replica whose round trip fits a worker's renew budget several times over must cost it nothing.
import type { ProfileRole } from "../profile/profile.ts";
import type { Timings } from "./timing.ts";

/** A worker's own timings, as far as its profile tells them; null where it does not. */
export interface WorkerTimings {
  ttlMs: number;
  safetyMarginMs: number;
  renewIntervalMs: number | null;
  statementTimeoutMs: number | null;
}

/** The timings of a role's workers under the harness's `t`: what its templates take, else what it declares. */
export function workerTimingsOf(role: ProfileRole, t: Timings): WorkerTimings {
  const takes = (name: string) => role.takes.includes(name);
  return {
    ttlMs: role.ttlMs ?? t.ttlMs,
    safetyMarginMs: takes("safetyMarginMs") ? t.safetyMarginMs : (role.safetyMarginMs ?? 0),
    renewIntervalMs: takes("renewIntervalMs") ? t.renewIntervalMs : (role.renewIntervalMs ?? null),
    statementTimeoutMs: takes("queryTimeoutMs") ? t.queryTimeoutMs : (role.statementTimeoutMs ?? null),
  };
}

/** How many times over a tolerable round trip fits the renew budget: room for a retry and a slow host. */
export const TOLERANCE_FACTOR = 4;

/**
 * The longest database round trip a correct worker must ride out with no change of holder: a
 * quarter of its renew budget. The budget is the time a renew has before the deadline of the one
 * before it closes (ttl - margin - renew period; a renew period not known counts as half the ttl),
 * and no more than its statement timeout, after which it gives the statement up.
 */
export function tolerableRoundTripMs(w: WorkerTimings): { ms: number; why: string } {
  const renew = w.renewIntervalMs ?? Math.round(w.ttlMs / 2);
  const renewBudget = w.ttlMs - w.safetyMarginMs - renew;
  const budget = Math.max(
    1,
    w.statementTimeoutMs === null ? renewBudget : Math.min(renewBudget, w.statementTimeoutMs),
  );
  const ms = Math.max(1, Math.floor(budget / TOLERANCE_FACTOR));
  const parts = [
    `renew budget ${renewBudget} ms (ttl ${w.ttlMs} - margin ${w.safetyMarginMs} - renew every ${renew}${w.renewIntervalMs === null ? " (not known: ttl/2)" : ""})`,
    ...(w.statementTimeoutMs === null ? [] : [`statement timeout ${w.statementTimeoutMs} ms`]),
  ];
  return { ms, why: `1/${TOLERANCE_FACTOR} of min(${parts.join(", ")})` };
}
