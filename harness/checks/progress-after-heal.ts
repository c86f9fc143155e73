import type { BacklogSample, Evidence, EvidenceEvent } from "../observe/evidence.ts";
import type { Check, CheckResult, Violation } from "./check.ts";
import { capabilitiesOf } from "./context.ts";
import { clockTime, sinceStart } from "./format.ts";
import { fail, pass, unknown } from "./result.ts";
import { ofKind } from "./select.ts";

const ID = "progress-after-heal";

/** How long the backlog must stay at zero once drained: one zero sample is not a drained system. */
export function drainHoldMs(ttlMs: number): number {
  return Math.round(ttlMs / 2);
}

/**
 * The runbook's symptoms are gone and every worker is back:
 * (1) after the heal, once new work stops, the backlog reaches zero within drainBoundMs and stays
 *     at zero for drainHoldMs;
 * (2) no worker exited unless the harness made it;
 * (3) every worker shows activity after the heal in evidence any worker leaves: bytes through its
 *     own proxy, a lease change or an effect of its own (a wedged connection shows none). Where the
 *     proxy's byte counters cannot be read, mapped log lines count, and a silent worker is unknown.
 */
export const progressAfterHeal: Check = {
  id: ID,
  description:
    "after the heal the backlog reaches zero within drainBoundMs and stays there drainHoldMs; no unexpected exit; every worker shows database activity (its proxy's bytes, lease changes, effects) after the heal",
  coverage(caps) {
    const judged = ["process exits", "proxy traffic, lease changes and effects after the heal"];
    const notJudged: string[] = [];
    if (caps.backlog) judged.unshift("backlog samples");
    else notJudged.push("rule 1: a role with work has no backlog query (roles.*.work.backlog)");
    return { judged, notJudged, possible: true };
  },
  run,
};

function run(evidence: Evidence): CheckResult {
  const { meta } = evidence;
  const caps = capabilitiesOf(evidence);
  const violations = crashes(evidence);
  const backlog = caps.backlog
    ? drained(evidence)
    : { drainMs: null, unknown: "the profile gives no backlog query (roles.*.work.backlog)" };
  const activity = active(evidence);
  if (backlog.violation) violations.unshift(backlog.violation);
  violations.push(...activity.violations);
  const metrics = {
    drainMs: backlog.drainMs,
    silentWorkers: activity.violations.length + activity.undecided.length,
  };
  if (violations.length > 0) return fail(ID, violations, metrics);
  if (backlog.unknown) return unknown(ID, backlog.unknown, metrics);
  if (activity.undecided.length > 0)
    return unknown(
      ID,
      `no database activity could be read for ${activity.undecided.join(", ")} (no live proxy byte counts, no session of theirs in pg_stat_activity: set PGAPPNAME or an application_name with the workload id) and they logged no mapped line after the heal`,
      metrics,
    );
  const since =
    meta.drainFrom !== undefined
      ? meta.healedAt === null
        ? "new work stopped"
        : "the heal and the end of new work"
      : meta.healedAt === null
        ? "the start"
        : "the heal";
  return pass(
    ID,
    `backlog drained ${backlog.drainMs} ms after ${since} and stayed drained ${drainHoldMs(meta.ttlMs)} ms (bound ${meta.drainBoundMs} ms); all ${activity.checked} workers alive and active (${activity.by})`,
    metrics,
  );
}

function total(s: BacklogSample): number {
  return Object.values(s.byLease ?? {}).reduce((a, b) => a + b, 0);
}

function drained(evidence: Evidence): { drainMs: number | null; violation?: Violation; unknown?: string } {
  const { meta } = evidence;
  // Evidence from before drainFrom was recorded counts from the heal.
  const healedAt = meta.drainFrom ?? meta.healedAt ?? meta.startedAt;
  const holdMs = drainHoldMs(meta.ttlMs);
  const deadline = Math.min(healedAt + meta.drainBoundMs, meta.observedUntil);
  const after = ofKind(evidence, "backlog").filter((s) => s.ts >= healedAt && s.ts <= meta.observedUntil);
  if (after.length === 0)
    return { drainMs: null, unknown: "no backlog sample after the heal and the end of new work" };
  for (const [i, s] of after.entries()) {
    if (s.ts > deadline) break;
    if (total(s) !== 0) continue;
    const holdEnd = s.ts + holdMs;
    const rising = after.slice(i + 1).find((x) => x.ts <= holdEnd && total(x) !== 0);
    if (rising) continue;
    if (holdEnd > meta.observedUntil)
      return {
        drainMs: null,
        unknown: `the backlog reached zero at ${sinceStart(meta, s.ts)} but observation ended before ${holdMs} ms at zero`,
      };
    return { drainMs: Math.round(s.ts - healedAt) };
  }
  if (healedAt + meta.drainBoundMs > meta.observedUntil)
    return {
      drainMs: null,
      unknown: `backlog not drained when observation ended, before the ${meta.drainBoundMs} ms bound`,
    };
  const window = after.filter((s) => s.ts <= deadline);
  const last = (window.at(-1) ?? after[0]) as BacklogSample;
  return {
    drainMs: null,
    violation: {
      ts: last.ts,
      byLease: last.byLease,
      drainBoundMs: meta.drainBoundMs,
      message: `backlog not drained (and held at zero ${holdMs} ms) within ${meta.drainBoundMs} ms of ${clockTime(healedAt)}: last sample at ${sinceStart(meta, last.ts)} had ${Object.entries(
        last.byLease ?? {},
      )
        .map(([l, n]) => `${l} ${n}`)
        .join(", ")}`,
    },
  };
}

function crashes(evidence: Evidence): Violation[] {
  const { meta } = evidence;
  // An exit right after the harness killed or stopped that worker is the fault itself, even if the
  // recorder did not mark it expected; a start in between makes the worker live again.
  const causedByHarness = new Set<string>();
  const violations: Violation[] = [];
  for (const p of ofKind(evidence, "process")) {
    if (p.event === "kill" || p.event === "stop") causedByHarness.add(p.worker);
    if (p.event === "start") causedByHarness.delete(p.worker);
    if (p.event !== "exit" || p.expected === true || p.ts >= meta.observedUntil) continue;
    if (causedByHarness.has(p.worker)) continue;
    const how = p.signal ? `signal ${p.signal}` : `code ${p.code ?? "unknown"}`;
    violations.push({
      worker: p.worker,
      ts: p.ts,
      code: p.code ?? null,
      signal: p.signal ?? null,
      message: `worker ${p.worker} exited with ${how} at ${sinceStart(meta, p.ts)}`,
    });
  }
  return violations;
}

/** The workload ids with a process still running when observation ended. */
function runningAtEnd(evidence: Evidence): string[] {
  const live = new Map<string, Set<number>>();
  for (const p of ofKind(evidence, "process")) {
    if (p.ts > evidence.meta.observedUntil || (p.event !== "start" && p.event !== "exit")) continue;
    const set = live.get(p.worker) ?? new Set<number>([1]);
    live.set(p.worker, set);
    if (p.event === "start") set.add(p.instance ?? 1);
    if (p.event === "exit") set.delete(p.instance ?? 1);
  }
  return [...new Set(evidence.meta.workers.filter((w) => !w.extra).map((w) => w.id))].filter(
    (id) => (live.get(id)?.size ?? 1) > 0,
  );
}

function active(evidence: Evidence): {
  violations: Violation[];
  undecided: string[];
  checked: number;
  by: string;
} {
  const { meta } = evidence;
  const from = meta.healedAt ?? meta.startedAt;
  const until = meta.observedUntil;
  const within = (e: EvidenceEvent) => e.kind !== "fault" && e.ts >= from && e.ts <= until;
  // What a fault held back is let through the moment it heals: a wedged worker's statement, sent
  // into a blackhole, reaches Postgres then (its query_start moves, maybe a renew commits) though
  // the worker never speaks again. Activity counts from a quarter ttl after the heal, by when a
  // live worker has renewed or polled anew (and never past half the time observed).
  const settleMs = Math.round(Math.min(meta.ttlMs / 4, (until - from) / 2));
  const settled = from + settleMs;
  const afterSettled = (e: EvidenceEvent) => e.kind !== "fault" && e.ts >= settled && e.ts <= until;
  const samples = ofKind(evidence, "traffic");
  // Bytes prove activity wherever counted; their absence only where the proxy counts them live.
  const liveBytes = meta.traffic === "live" && samples.some((t) => t.bytes !== undefined);
  const violations: Violation[] = [];
  const undecided: string[] = [];
  const counts = { traffic: 0, statements: 0, db: 0, lines: 0 };
  const workers = runningAtEnd(evidence);
  for (const id of workers) {
    const mine = samples.filter((t) => t.worker === id);
    const bytesAt = (pred: (ts: number) => boolean) =>
      mine.filter((t) => pred(t.ts) && t.bytes !== undefined).at(-1)?.bytes;
    const before = bytesAt((ts) => ts <= settled) ?? 0;
    const after = bytesAt((ts) => ts > settled && ts <= until) ?? before;
    if (after > before) {
      counts.traffic += 1;
      continue;
    }
    if (mine.some((t) => t.lastStatementAt !== undefined && t.lastStatementAt > settled && t.ts <= until)) {
      counts.statements += 1;
      continue;
    }
    const db = evidence.events.some(
      (e) =>
        (e.kind === "effect" || e.kind === "refused-effect"
          ? e.worker === id
          : e.kind === "lease-change"
            ? e.holder === id
            : false) && afterSettled(e),
    );
    if (db) {
      counts.db += 1;
      continue;
    }
    const sessionsKnown = mine.some((t) => t.lastStatementAt !== undefined);
    if (liveBytes || sessionsKnown) {
      const last = ofKind(evidence, "worker-log")
        .filter((l) => l.worker === id)
        .at(-1);
      violations.push({
        worker: id,
        ts: from,
        bytesAfterHeal: after - before,
        lines: last ? [last.line] : [],
        message: `worker ${id} showed no database activity in the ${Math.round(until - settled)} ms from ${settleMs} ms after the heal: ${liveBytes ? "no bytes through its proxy, " : ""}no statement in pg_stat_activity, no lease change, no effect${last ? ` (its last line at ${sinceStart(meta, last.ts)}: ${JSON.stringify(last.msg)})` : ""}`,
      });
      continue;
    }
    const lines = ofKind(evidence, "worker-log").some(
      (l) => l.worker === id && l.means !== undefined && within(l),
    );
    if (lines) counts.lines += 1;
    else undecided.push(id);
  }
  const names: Record<string, string> = {
    traffic: "proxy traffic",
    statements: "statements in pg_stat_activity",
    db: "lease changes or effects",
    lines: "log lines only",
  };
  const by = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} by ${names[k]}`)
    .join(", ");
  return { violations, undecided, checked: workers.length, by: by || "none to check" };
}
