import type { BacklogSample, Evidence, RunMeta } from "../observe/evidence.ts";
import type { Check, CheckResult, Violation } from "./check.ts";
import { clockTime, sinceStart } from "./format.ts";
import { fail, pass, unknown } from "./result.ts";
import { ofKind } from "./select.ts";

const ID = "progress-after-heal";

/** The runbook's symptoms are gone: backlog back to zero within the bound after healing, and no worker died. */
export const progressAfterHeal: Check = {
  id: ID,
  description:
    "a backlog sample within drainBoundMs of the heal shows zero pending_forward and overdue reservations; no worker exited unexpectedly",
  run,
};

function run(evidence: Evidence): CheckResult {
  const { meta } = evidence;
  const violations = crashes(evidence);
  const backlog = drained(evidence);
  const metrics = { drainMs: backlog.drainMs };
  if (backlog.violation) violations.unshift(backlog.violation);
  if (violations.length > 0) return fail(ID, violations, metrics);
  if (backlog.unknown) return unknown(ID, backlog.unknown, metrics);
  const since = meta.healedAt === null ? "the start" : "the heal";
  return pass(
    ID,
    `backlog drained ${backlog.drainMs} ms after ${since} (bound ${meta.drainBoundMs} ms); all workers alive`,
    metrics,
  );
}

// Only the series a present role can drain: a forwarder-only run never clears overdue reservations.
function backlogOf(meta: RunMeta, s: BacklogSample): number {
  const roles = new Set(meta.workers.map((w) => w.role));
  const all = roles.size === 0;
  return (
    (all || roles.has("outbox-forwarder") ? s.pendingForward : 0) +
    (all || roles.has("ttl-sweeper") ? s.overdueReservations : 0)
  );
}

function drained(evidence: Evidence): { drainMs: number | null; violation?: Violation; unknown?: string } {
  const { meta } = evidence;
  const healedAt = meta.healedAt ?? meta.startedAt;
  const deadline = Math.min(healedAt + meta.drainBoundMs, meta.observedUntil);
  const after = ofKind(evidence, "backlog").filter((s) => s.ts >= healedAt && s.ts <= meta.observedUntil);
  if (after.length === 0) return { drainMs: null, unknown: "no backlog sample after the heal" };
  const window = after.filter((s) => s.ts <= deadline);
  const zero = window.find((s) => backlogOf(meta, s) === 0);
  if (zero) return { drainMs: zero.ts - healedAt };
  if (window.length === 0)
    return { drainMs: null, unknown: `no backlog sample within ${meta.drainBoundMs} ms of the heal` };
  // Observation ended before the bound: not drained yet is not yet a failure.
  if (healedAt + meta.drainBoundMs > meta.observedUntil) {
    return {
      drainMs: null,
      unknown: `backlog not drained when observation ended, before the ${meta.drainBoundMs} ms bound`,
    };
  }
  const last = window.at(-1) as BacklogSample;
  return {
    drainMs: null,
    violation: {
      ts: last.ts,
      pendingForward: last.pendingForward,
      overdueReservations: last.overdueReservations,
      drainBoundMs: meta.drainBoundMs,
      message: `backlog not drained within ${meta.drainBoundMs} ms of ${clockTime(healedAt)}: last sample at ${sinceStart(meta, last.ts)} had pending_forward ${last.pendingForward}, overdue reservations ${last.overdueReservations}`,
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
