import type { Evidence, RefusedEffect, RunMeta, WorkerLog } from "../observe/evidence.ts";
import type { Check, CheckResult, Violation } from "./check.ts";
import { capabilitiesOf, logToleranceMs, marginOf } from "./context.ts";
import { clockTime, describeOutside, outsideFields, sinceStart } from "./format.ts";
import { isWorkStart, linesOfInterest } from "./logs.ts";
import { fail, pass, unknown } from "./result.ts";
import { ofKind } from "./select.ts";
import { knownExpiresAt, outsideTerm, type Term, termOf, termsOf } from "./terms.ts";

const ID = "no-batch-after-local-expiry";

/**
 * The runbook's invariant, judged on what the worker attempted, not on what its system let through:
 * (a) every batch or item start of W lies inside a term of W, before its known expires_at, and no
 *     later than expires_at - W's safety margin + a stated log tolerance (a correct local deadline
 *     is at most expires_at - margin, since it is anchored at the send of the renew);
 * (b) after W's term ends, W's next line about it is its expired-locally warning (or it had warned
 *     already since its last leader line): never work, a stale leader claim, or the lease-lost news;
 * (c) every refused effect of W has a gate line before it (else its gate cannot be judged: unknown).
 */
export const noBatchAfterLocalExpiry: Check = {
  id: ID,
  description:
    "every batch/item start of W lies inside term (W, e), before expires_at - safetyMarginMs + logToleranceMs; " +
    "after W's term ends, W's next line about it is the expired-locally warning (or it warned since its last leader line); " +
    "refused effects are attempts and need a gate line before them",
  coverage(caps) {
    const judged = ["lease history"];
    const notJudged: string[] = [];
    const work = caps.lines.batchStarted || caps.lines.itemStarted;
    if (work) judged.push("work-start lines");
    else notJudged.push("rules a, c: lines.batchStarted and lines.itemStarted are not mapped");
    if (caps.lines.expiredLocally) judged.push("expired-locally lines");
    else notJudged.push("rule b: lines.expiredLocally is not mapped");
    if (!caps.lineEpoch)
      notJudged.push(
        "lines carry no epoch (logs.fields.epoch): a line is judged against W's term at its time",
      );
    if (caps.refusals) judged.push("refused effects");
    return { judged, notJudged, possible: work || caps.lines.expiredLocally };
  },
  run,
};

function run(evidence: Evidence): CheckResult {
  const caps = capabilitiesOf(evidence);
  if (ofKind(evidence, "lease-change").length === 0) return unknown(ID, "no lease history recorded");
  if (!caps.lines.batchStarted && !caps.lines.itemStarted && !caps.lines.expiredLocally)
    return unknown(
      ID,
      "the profile maps no work-start or expired-locally line (lines.batchStarted, lines.itemStarted, lines.expiredLocally)",
    );
  const lines = linesOfInterest(evidence);
  if (lines.length === 0)
    return unknown(ID, "no mapped worker line recorded (logs missing, or the profile's lines do not match)");
  const terms = termsOf(evidence);
  const { meta } = evidence;
  const toleranceMs = logToleranceMs(meta);

  // One violation per offending line; later rules only add lines not already judged.
  const byLine = new Map<WorkerLog, Violation>();
  for (const line of lines) {
    const v = isWorkStart(line)
      ? judgeWork(line, terms, meta, toleranceMs)
      : line.means === "leader"
        ? judgeLeaderClaim(line, terms, meta)
        : null;
    if (v) byLine.set(line, v);
  }
  if (caps.lines.expiredLocally) {
    for (const term of terms) {
      if (term.endReason !== "expired" && term.endReason !== "taken-over") continue;
      const offending = firstLineWithoutWarning(term, lines, terms);
      if (!offending) continue;
      const existing = byLine.get(offending);
      if (existing) Object.assign(existing, { notWarnedFirst: true, termEpoch: term.epoch });
      else byLine.set(offending, warnMissing(offending, term, meta));
    }
  }
  const refused = ofKind(evidence, "refused-effect");
  const ungated = refused.filter((r) => !gateLineOf(r, lines, terms));

  const violations = [...byLine.values()].sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0));
  const pastMs = violations.map((v) => v.msPastExpiry).filter((ms) => typeof ms === "number");
  const marginMs = violations.map((v) => v.msIntoMargin).filter((ms) => typeof ms === "number");
  const work = lines.filter(isWorkStart);
  const metrics = {
    maxMsPastExpiry: pastMs.length > 0 ? Math.max(...pastMs) : 0,
    maxMsIntoMargin: marginMs.length > 0 ? Math.max(...marginMs) : 0,
    workStartsChecked: work.length,
    workStartsWithoutEpoch: work.filter((l) => l.epoch === undefined).length,
    refusedAttempts: refused.length,
    refusedWithoutGateLine: ungated.length,
  };
  if (violations.length > 0) return fail(ID, violations, metrics);
  if (ungated.length > 0) {
    const r = ungated[0] as RefusedEffect;
    return unknown(
      ID,
      `${ungated.length} refused effect(s) with no gate line before them (first: ${r.worker}'s ${r.type} of ${r.itemId} at ${sinceStart(meta, r.ts)}): map lines.itemStarted (with logs.fields.item) to judge their gates`,
      metrics,
    );
  }
  const ended = terms.filter((t) => t.endReason === "expired" || t.endReason === "taken-over").length;
  return pass(
    ID,
    `${work.length} batch/item starts inside their terms and ${toleranceMs} ms of their safety margins; ${ended} ended term(s) warned before any other word; ${refused.length} refused attempt(s) gated in time`,
    metrics,
  );
}

function what(line: WorkerLog): string {
  return line.means === "batch-started" ? "a batch" : "an item";
}

/** The term a line speaks for: by its epoch, or (without one) the term of its worker at its time. */
function termForLine(line: WorkerLog, terms: Term[]): Term | undefined {
  if (line.epoch !== undefined) return termOf(terms, line.leaseName, line.worker, line.epoch, line.ts);
  const mine = terms.filter(
    (t) => t.leaseName === line.leaseName && t.holder === line.worker && t.start <= line.ts,
  );
  return mine.find((t) => line.ts < t.end) ?? mine.at(-1);
}

// Rule (a): work needs the database's grant at that moment, and a deadline a margin before expiry.
function judgeWork(line: WorkerLog, terms: Term[], meta: RunMeta, toleranceMs: number): Violation | null {
  const base = {
    worker: line.worker,
    instance: line.instance,
    epoch: line.epoch ?? null,
    ts: line.ts,
    lines: [line.line],
  };
  const when = sinceStart(meta, line.ts);
  const epochText = line.epoch === undefined ? "" : ` with epoch ${line.epoch}`;
  const term = termForLine(line, terms);
  if (!term) {
    return {
      ...base,
      message:
        line.epoch === undefined
          ? `worker ${line.worker} started ${what(line)} at ${when} outside any term of ${line.worker}`
          : `worker ${line.worker} started ${what(line)} with epoch ${line.epoch} at ${when}, but never held epoch ${line.epoch} (no term (${line.worker}, ${line.epoch}))`,
    };
  }
  const out = outsideTerm(term, line.ts);
  if (out) {
    return {
      ...base,
      epoch: line.epoch ?? term.epoch,
      ...outsideFields(out),
      endReason: term.endReason,
      message: `worker ${line.worker} started ${what(line)}${epochText} at ${when}, ${describeOutside(out)}`,
    };
  }
  const known = knownExpiresAt(term, line.ts) ?? term.expiresAt;
  const marginMs = marginOf(meta, line.worker);
  const intoMs = line.ts - (known - marginMs);
  if (marginMs > 0 && intoMs > toleranceMs) {
    return {
      ...base,
      epoch: line.epoch ?? term.epoch,
      msIntoMargin: Math.round(intoMs),
      expiresAt: known,
      safetyMarginMs: marginMs,
      message: `worker ${line.worker} started ${what(line)}${epochText} at ${when}, ${Math.round(known - line.ts)} ms before expires_at ${clockTime(known)}: ${Math.round(intoMs)} ms inside its ${marginMs} ms safety margin (a correct deadline is at most expires_at - ${marginMs} ms; tolerance ${toleranceMs} ms)`,
    };
  }
  return null;
}

// A leader line for an epoch whose term has ended is leadership without a fresh acquire.
function judgeLeaderClaim(line: WorkerLog, terms: Term[], meta: RunMeta): Violation | null {
  const base = {
    worker: line.worker,
    instance: line.instance,
    epoch: line.epoch ?? null,
    ts: line.ts,
    lines: [line.line],
  };
  const when = sinceStart(meta, line.ts);
  const term = termForLine(line, terms);
  if (!term) {
    return {
      ...base,
      message:
        line.epoch === undefined
          ? `worker ${line.worker} logged ${JSON.stringify(line.msg)} at ${when}, but held no term then`
          : `worker ${line.worker} logged ${JSON.stringify(line.msg)} for epoch ${line.epoch} at ${when}, but never held epoch ${line.epoch}`,
    };
  }
  const out = outsideTerm(term, line.ts);
  // Before start cannot be a stale claim; on one host clock it would only be log-timestamp jitter.
  if (!out || out.kind === "before-start") return null;
  return {
    ...base,
    epoch: line.epoch ?? term.epoch,
    ...outsideFields(out),
    message: `worker ${line.worker} logged ${JSON.stringify(line.msg)} for epoch ${term.epoch} at ${when} without a fresh acquire, ${describeOutside(out)}`,
  };
}

// Rule (b): after the term ends, the worker's first word about the old epoch must be the warning.
// A warning given since its last leader line counts: the local deadline fires a margin early, and
// a worker already in a local lapse when an indeterminate renew commits late is correct.
function firstLineWithoutWarning(term: Term, lines: WorkerLog[], terms: Term[]): WorkerLog | undefined {
  const mine = lines.filter((l) => l.worker === term.holder && l.leaseName === term.leaseName);
  const speaksForThisEpoch = (l: WorkerLog) => l.epoch === undefined || l.epoch === term.epoch;
  const before = mine.filter((l) => l.ts >= term.start && l.ts < term.end && speaksForThisEpoch(l));
  const lastClaim = before.filter((l) => l.means === "leader").at(-1)?.ts ?? term.start;
  if (before.some((l) => l.means === "expired-locally" && l.ts >= lastClaim)) return undefined;
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
    if (laterTermOfHolder(l) || l.means === "expired-locally") return undefined;
    return l;
  }
  return undefined;
}

function warnMissing(line: WorkerLog, term: Term, meta: RunMeta): Violation {
  const ended = term.endReason === "expired" ? "expired" : "was taken over";
  const msPastExpiry = Math.max(0, Math.round(line.ts - term.expiresAt));
  return {
    worker: line.worker,
    instance: line.instance,
    epoch: line.epoch ?? term.epoch,
    ts: line.ts,
    msPastExpiry,
    termEpoch: term.epoch,
    termEnd: term.end,
    expiresAt: term.expiresAt,
    notWarnedFirst: true,
    lines: [line.line],
    message: `worker ${line.worker} logged ${JSON.stringify(line.msg)} at ${sinceStart(meta, line.ts)}, ${msPastExpiry} ms past expiry: its term (epoch ${term.epoch}) ${ended} at ${clockTime(term.end)} and it had not warned that it expired locally`,
  };
}

// Rule (c): a refused attempt's gate is the worker's last work-start line before it in the same
// term (the item's own line when lines name items).
function gateLineOf(r: RefusedEffect, lines: WorkerLog[], terms: Term[]): WorkerLog | undefined {
  const mine = lines.filter(
    (l) => l.worker === r.worker && l.leaseName === r.leaseName && isWorkStart(l) && l.ts <= r.ts,
  );
  const sameItem = mine.filter((l) => l.item === r.itemId || l.items?.includes(r.itemId));
  if (sameItem.length) return sameItem.at(-1);
  const last = mine.at(-1);
  if (!last) return undefined;
  const term = r.epoch === null ? undefined : termOf(terms, r.leaseName, r.worker, r.epoch, r.ts);
  return !term || last.ts >= term.start ? last : undefined;
}
