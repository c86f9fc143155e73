import type { Evidence, LeaseChange, WallMs } from "../observe/evidence.ts";
import { ofKind } from "./select.ts";

/** One successful acquire or renew as the database committed it (database clock). */
export interface Grant {
  at: WallMs;
  expiresAt: WallMs;
  /**
   * when the statement that made it said it ran (the row's renewed_at, or acquired_at for an
   * acquire, where the profile maps them; the database's now() is its transaction's start), when
   * that is no later than `at`: a statement may wait (on a lock) between the two
   */
  statedAt?: WallMs;
}

/** Why a term stopped granting leadership. */
export type EndReason = "expired" | "taken-over" | "released" | "open";

/** One holder's uninterrupted hold of a lease under one epoch (database clock throughout). */
export interface Term {
  leaseName: string;
  holder: string;
  epoch: number;
  /** ts of the change that set this holder + epoch */
  start: WallMs;
  /** the acquire, then each renewal */
  grants: Grant[];
  /** the last granted expires_at */
  expiresAt: WallMs;
  /** ts of the change that freed the row while this term held it; null when none did */
  releasedAt: WallMs | null;
  /** min(expiresAt, next term's start, releasedAt) */
  end: WallMs;
  endReason: EndReason;
}

// A row frees the lease when it names no holder or its expiry is already past at the change.
function frees(change: LeaseChange): boolean {
  return (
    change.op === "DELETE" ||
    change.holder === null ||
    change.expiresAt === null ||
    change.expiresAt <= change.ts
  );
}

/** Terms of every lease from the lease history; `observedUntil` tells an open term from an expired one. */
export function deriveTerms(changes: LeaseChange[], observedUntil: WallMs): Term[] {
  const byLease = new Map<string, LeaseChange[]>();
  for (const c of changes) byLease.set(c.leaseName, [...(byLease.get(c.leaseName) ?? []), c]);
  const terms: Term[] = [];
  for (const leaseChanges of byLease.values()) {
    terms.push(
      ...leaseTerms(
        leaseChanges.toSorted((a, b) => a.ts - b.ts),
        observedUntil,
      ),
    );
  }
  return terms.toSorted((a, b) => a.start - b.start);
}

/** Terms derived from a run's recorded lease history. */
export function termsOf(evidence: Evidence): Term[] {
  return deriveTerms(ofKind(evidence, "lease-change"), evidence.meta.observedUntil);
}

function leaseTerms(changes: LeaseChange[], observedUntil: WallMs): Term[] {
  const terms: Term[] = [];
  let current: Term | undefined;
  for (const c of changes) {
    if (frees(c)) {
      // Any row that names no live holder ends the current hold, whatever epoch it carries:
      // from then on the database would let anyone acquire.
      if (current && current.releasedAt === null) current.releasedAt = c.ts;
      continue;
    }
    const stated = c.renewedAt ?? c.acquiredAt;
    const grant: Grant = {
      at: c.ts,
      expiresAt: c.expiresAt as WallMs,
      ...(stated !== null && stated !== undefined && stated <= c.ts ? { statedAt: stated } : {}),
    };
    const continues =
      current?.releasedAt === null && current.holder === c.holder && current.epoch === c.epoch;
    if (current && continues) {
      current.grants.push(grant);
      current.expiresAt = grant.expiresAt;
      continue;
    }
    current = {
      leaseName: c.leaseName,
      holder: c.holder as string,
      epoch: c.epoch,
      start: c.ts,
      grants: [grant],
      expiresAt: grant.expiresAt,
      releasedAt: null,
      end: grant.expiresAt,
      endReason: "open",
    };
    terms.push(current);
  }
  for (const [i, t] of terms.entries()) closeTerm(t, terms[i + 1], observedUntil);
  return terms;
}

// A release is recorded before any next acquire, so a released term never overlaps its successor.
// A takeover exactly at expiresAt is an expiry followed by a takeover, not an overlap.
function closeTerm(term: Term, next: Term | undefined, observedUntil: WallMs): void {
  if (term.releasedAt !== null && term.releasedAt < term.expiresAt) {
    term.end = term.releasedAt;
    term.endReason = "released";
  } else if (next && next.start < term.expiresAt) {
    term.end = next.start;
    term.endReason = "taken-over";
  } else {
    term.end = term.expiresAt;
    term.endReason = !next && term.expiresAt > observedUntil ? "open" : "expired";
  }
}

/** When the term would end on its own (expiry or release), ignoring any next term's start. */
export function termOwnEnd(term: Term): WallMs {
  return term.releasedAt === null ? term.expiresAt : Math.min(term.expiresAt, term.releasedAt);
}

/** The expires_at the database held for this term at `ts`: the latest grant committed at or before it. */
export function knownExpiresAt(term: Term, ts: WallMs): WallMs | null {
  let known: WallMs | null = null;
  for (const g of term.grants) if (g.at <= ts) known = g.expiresAt;
  return known;
}

/** True when the database granted `term` at `ts`: started, not yet ended, not past the known expiry. */
export function withinTerm(term: Term, ts: WallMs): boolean {
  const known = knownExpiresAt(term, ts);
  return known !== null && term.start <= ts && ts < term.end && ts < known;
}

/** Terms grouped by lease, each list ordered by start. */
export function termsByLease(terms: Term[]): Map<string, Term[]> {
  const byLease = new Map<string, Term[]>();
  for (const t of terms) byLease.set(t.leaseName, [...(byLease.get(t.leaseName) ?? []), t]);
  for (const list of byLease.values()) list.sort((a, b) => a.start - b.start);
  return byLease;
}

/**
 * The term (lease, holder, epoch). Epochs normally name one term; if the database re-granted the same
 * holder + epoch after a release, `ts` picks the one that covers it, else the latest started by then.
 */
export function termOf(
  terms: Term[],
  leaseName: string,
  holder: string,
  epoch: number,
  ts?: WallMs,
): Term | undefined {
  const matches = terms.filter((t) => t.leaseName === leaseName && t.holder === holder && t.epoch === epoch);
  if (ts === undefined || matches.length <= 1) return matches[0];
  return (
    matches.find((t) => t.start <= ts && ts < t.end) ??
    matches.filter((t) => t.start <= ts).at(-1) ??
    matches[0]
  );
}

/** Where an instant lies relative to a term it should have been inside, and by how many ms. */
export type Outside =
  | { kind: "before-start"; ms: number; bound: WallMs }
  | { kind: "past-expiry"; ms: number; bound: WallMs }
  | { kind: "after-end"; ms: number; bound: WallMs; reason: EndReason };

/** Null when `ts` is inside the term; otherwise which edge it crossed: start, known expiry, or an early end. */
export function outsideTerm(term: Term, ts: WallMs): Outside | null {
  if (withinTerm(term, ts)) return null;
  if (ts < term.start) return { kind: "before-start", ms: term.start - ts, bound: term.start };
  // ts >= start, so the acquire itself is a known grant
  const known = knownExpiresAt(term, ts) ?? term.expiresAt;
  if (ts >= known) return { kind: "past-expiry", ms: ts - known, bound: known };
  return { kind: "after-end", ms: ts - term.end, bound: term.end, reason: term.endReason };
}
