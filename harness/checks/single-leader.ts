import type { Evidence, RunMeta } from "../observe/evidence.ts";
import type { Check, CheckResult, Violation } from "./check.ts";
import { clockTime, sinceStart } from "./format.ts";
import { fail, pass, unknown } from "./result.ts";
import { ofKind } from "./select.ts";
import { type Term, termOwnEnd, termsByLease, termsOf } from "./terms.ts";

const ID = "single-leader";

/** At most one holder per lease at any database instant, with strictly increasing fencing epochs. */
export const singleLeader: Check = {
  id: ID,
  description:
    "terms of one lease never overlap (next start >= previous expiry or release); epochs strictly increase",
  coverage(caps) {
    return {
      judged: ["lease history"],
      notJudged: caps.leaseEpoch
        ? []
        : ["leaseTable.columns.epoch is null: epochs are synthesized, so only overlaps are judged"],
      possible: true,
    };
  },
  run,
};

function run(evidence: Evidence): CheckResult {
  if (ofKind(evidence, "lease-change").length === 0) return unknown(ID, "no lease history recorded");
  const byLease = termsByLease(termsOf(evidence));
  const violations: Violation[] = [];
  let maxOverlapMs = 0;
  let pairs = 0;
  for (const terms of byLease.values()) {
    for (let i = 1; i < terms.length; i++) {
      const prev = terms[i - 1] as Term;
      const next = terms[i] as Term;
      pairs++;
      // The term's own end, not `end`: `end` is already cut at the next start and would hide the overlap.
      const overlapMs = Math.round(termOwnEnd(prev) - next.start);
      if (overlapMs > 0) {
        maxOverlapMs = Math.max(maxOverlapMs, overlapMs);
        violations.push(overlap(prev, next, overlapMs, evidence.meta));
      }
      if (next.epoch <= prev.epoch) violations.push(epochNotIncreasing(prev, next, evidence.meta));
    }
  }
  const metrics = { maxOverlapMs, handovers: pairs };
  if (violations.length > 0)
    return fail(
      ID,
      violations.sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0)),
      metrics,
    );
  return pass(
    ID,
    `${pairs} handover(s) across ${byLease.size} lease(s), no overlap, epochs increasing`,
    metrics,
  );
}

function overlap(prev: Term, next: Term, overlapMs: number, meta: RunMeta): Violation {
  return {
    worker: next.holder,
    epoch: next.epoch,
    ts: next.start,
    leaseName: next.leaseName,
    previousHolder: prev.holder,
    previousEpoch: prev.epoch,
    expiresAt: prev.expiresAt,
    overlapMs,
    message: `${next.holder} acquired ${next.leaseName} with epoch ${next.epoch} at ${sinceStart(meta, next.start)} while ${prev.holder}'s epoch ${prev.epoch} was still granted until ${clockTime(termOwnEnd(prev))}: ${overlapMs} ms overlap`,
  };
}

function epochNotIncreasing(prev: Term, next: Term, meta: RunMeta): Violation {
  return {
    worker: next.holder,
    epoch: next.epoch,
    ts: next.start,
    leaseName: next.leaseName,
    previousHolder: prev.holder,
    previousEpoch: prev.epoch,
    message: `${next.holder} took ${next.leaseName} at ${sinceStart(meta, next.start)} with epoch ${next.epoch}, not above ${prev.holder}'s epoch ${prev.epoch}`,
  };
}
