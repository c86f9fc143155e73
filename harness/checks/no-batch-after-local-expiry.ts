import type { Evidence, RunMeta, WorkerLog } from "../observe/evidence.ts";
import type { Check, CheckResult, Violation } from "./check.ts";
import { clockTime, describeOutside, outsideFields, sinceStart } from "./format.ts";
import { isWorkStart, LOG_MSG, linesOfInterest } from "./logs.ts";
import { fail, pass, unknown } from "./result.ts";
import { ofKind } from "./select.ts";
import { outsideTerm, type Term, termOf, termsOf } from "./terms.ts";

const ID = "no-batch-after-local-expiry";

/** The runbook's invariant: no batch or gated item outside the worker's term, and expiry is noticed first. */
export const noBatchAfterLocalExpiry: Check = {
  id: ID,
  description:
    "every batch/item start of W with epoch e lies inside term (W, e) before its known expires_at; " +
    "after W's term ends, W's next line of interest is `lease expired locally`, not work or a stale LEADER",
  run,
};

function run(evidence: Evidence): CheckResult {
  const lines = linesOfInterest(evidence);
  if (lines.length === 0) return unknown(ID, "no worker log lines of interest recorded (logs missing?)");
  if (ofKind(evidence, "lease-change").length === 0) return unknown(ID, "no lease history recorded");
  const terms = termsOf(evidence);
  const { meta } = evidence;

  // One violation per offending line; the ordering rule only adds lines not already judged.
  const byLine = new Map<WorkerLog, Violation>();
  for (const line of lines) {
    const v = isWorkStart(line)
      ? judgeWork(line, terms, meta)
      : line.msg === LOG_MSG.leader
        ? judgeLeaderClaim(line, terms, meta)
        : null;
    if (v) byLine.set(line, v);
  }
  for (const term of terms) {
    if (term.endReason !== "expired" && term.endReason !== "taken-over") continue;
    const offending = firstLineWithoutWarning(term, lines, terms);
    if (!offending) continue;
    const existing = byLine.get(offending);
    if (existing) existing.notWarnedFirst = true;
    else byLine.set(offending, warnMissing(offending, term, meta));
  }

  const violations = [...byLine.values()].sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0));
  const pastMs = violations.map((v) => v.msPastExpiry).filter((ms) => typeof ms === "number");
  const work = lines.filter(isWorkStart);
  const metrics = {
    maxMsPastExpiry: pastMs.length > 0 ? Math.max(...pastMs) : 0,
    workStartsChecked: work.length,
    workStartsWithoutEpoch: work.filter((l) => l.epoch === undefined).length,
  };
  if (violations.length > 0) return fail(ID, violations, metrics);
  const ended = terms.filter((t) => t.endReason === "expired" || t.endReason === "taken-over").length;
  return pass(
    ID,
    `${work.length} batch/item starts inside their terms; ${ended} ended term(s) with no work or LEADER claim before the expiry warning`,
    metrics,
  );
}

function what(line: WorkerLog): string {
  return line.msg === LOG_MSG.batchStarted ? "a batch" : "an item";
}

// Rule (a): work needs the database's grant at that moment.
function judgeWork(line: WorkerLog, terms: Term[], meta: RunMeta): Violation | null {
  const base = { worker: line.worker, epoch: line.epoch ?? null, ts: line.ts, lines: [line.line] };
  const when = sinceStart(meta, line.ts);
  if (line.epoch === undefined) {
    const mine = terms.filter((t) => t.leaseName === line.leaseName && t.holder === line.worker);
    if (mine.some((t) => outsideTerm(t, line.ts) === null)) return null;
    return {
      ...base,
      message: `worker ${line.worker} started ${what(line)} without an epoch at ${when}, outside any term of ${line.worker}`,
    };
  }
  const term = termOf(terms, line.leaseName, line.worker, line.epoch, line.ts);
  if (!term) {
    return {
      ...base,
      message: `worker ${line.worker} started ${what(line)} with epoch ${line.epoch} at ${when}, but never held epoch ${line.epoch} (no term (${line.worker}, ${line.epoch}))`,
    };
  }
  const out = outsideTerm(term, line.ts);
  if (!out) return null;
  return {
    ...base,
    ...outsideFields(out),
    endReason: term.endReason,
    message: `worker ${line.worker} started ${what(line)} with epoch ${line.epoch} at ${when}, ${describeOutside(out)}`,
  };
}

// A LEADER line for an epoch whose term has ended is leadership without a fresh acquire.
function judgeLeaderClaim(line: WorkerLog, terms: Term[], meta: RunMeta): Violation | null {
  if (line.epoch === undefined) return null;
  const base = { worker: line.worker, epoch: line.epoch, ts: line.ts, lines: [line.line] };
  const when = sinceStart(meta, line.ts);
  const term = termOf(terms, line.leaseName, line.worker, line.epoch, line.ts);
  if (!term) {
    return {
      ...base,
      message: `worker ${line.worker} logged "${LOG_MSG.leader}" for epoch ${line.epoch} at ${when}, but never held epoch ${line.epoch}`,
    };
  }
  const out = outsideTerm(term, line.ts);
  // Before start cannot be a stale claim; on one host clock it would only be log-timestamp jitter.
  if (!out || out.kind === "before-start") return null;
  return {
    ...base,
    ...outsideFields(out),
    message: `worker ${line.worker} logged "${LOG_MSG.leader}" for epoch ${line.epoch} at ${when} without a fresh acquire, ${describeOutside(out)}`,
  };
}

// Rule (b): after the term ends, the worker's first word about the old epoch must be the warning.
// A warning already logged since the last grant counts: the local deadline fires a safety margin early.
function firstLineWithoutWarning(term: Term, lines: WorkerLog[], terms: Term[]): WorkerLog | undefined {
  const mine = lines.filter((l) => l.worker === term.holder && l.leaseName === term.leaseName);
  const lastGrantAt = term.grants.at(-1)?.at ?? term.start;
  const speaksForThisEpoch = (l: WorkerLog) => l.epoch === undefined || l.epoch === term.epoch;
  const warnedEarly = mine.some(
    (l) =>
      l.msg === LOG_MSG.expiredLocally && speaksForThisEpoch(l) && l.ts >= lastGrantAt && l.ts < term.end,
  );
  if (warnedEarly) return undefined;
  const laterTermOfHolder = (l: WorkerLog) =>
    l.epoch !== undefined
      ? l.epoch > term.epoch
      : terms.some(
          (t) =>
            t.holder === term.holder &&
            t.leaseName === term.leaseName &&
            t.start > term.start &&
            t.start <= l.ts,
        );
  for (const l of mine) {
    if (l.ts < term.end) continue;
    // A fresh acquire (or work under it) belongs to a later term, judged there by rule (a).
    if (laterTermOfHolder(l) || l.msg === LOG_MSG.expiredLocally) return undefined;
    return l;
  }
  return undefined;
}

function warnMissing(line: WorkerLog, term: Term, meta: RunMeta): Violation {
  const ended = term.endReason === "expired" ? "expired" : "was taken over";
  const msPastExpiry = Math.max(0, Math.round(line.ts - term.expiresAt));
  return {
    worker: line.worker,
    epoch: line.epoch ?? term.epoch,
    ts: line.ts,
    msPastExpiry,
    termEpoch: term.epoch,
    termEnd: term.end,
    expiresAt: term.expiresAt,
    notWarnedFirst: true,
    lines: [line.line],
    message: `worker ${line.worker} logged "${line.msg}" at ${sinceStart(meta, line.ts)}, ${msPastExpiry} ms past expiry: its term (epoch ${term.epoch}) ${ended} at ${clockTime(term.end)} and it had not logged "${LOG_MSG.expiredLocally}"`,
  };
}
