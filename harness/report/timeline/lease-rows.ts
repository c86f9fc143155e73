// The lease rows behind a violation: the database's own record of the term it broke and of what
// came next, so a reader can check the message against the rows instead of trusting it.
import { type Term, termOf } from "../../checks/terms.ts";
import type { LeaseChange, WallMs } from "../../observe/evidence.ts";

/** What a lease row was to the term a violation broke. */
export type LeaseRowRole = "acquire" | "renewal" | "release" | "next holder";

/** One journaled change of the lease row, with its part in the story. */
export interface LeaseRow {
  role: LeaseRowRole;
  change: LeaseChange;
}

/** Renewals left out between two shown rows (a long term renews hundreds of times). */
export interface ElidedRows {
  elided: number;
}

/** The rows of one term of one holder, and the release and next acquire after it. */
export interface TermRows {
  leaseName: string;
  holder: string;
  epoch: number;
  rows: (LeaseRow | ElidedRows)[];
}

// Grants shown before the violation: enough to see the renew rhythm stop.
const LAST_GRANTS = 3;

/**
 * The term of `holder` on `leaseName` a violation at `ts` is about (by `epoch` when it names one
 * the holder held, else the holder's latest term started by then), with its grants around `ts` and
 * the changes that ended it; null when the holder held no term on that lease.
 */
export function termRows(
  changes: LeaseChange[],
  terms: Term[],
  leaseName: string,
  holder: string,
  epoch: number | null,
  ts: WallMs,
): TermRows | null {
  // An epoch it never held (a forged or stale claim): the rows of the term it did hold then.
  const term =
    (epoch === null ? undefined : termOf(terms, leaseName, holder, epoch, ts)) ??
    latestTerm(terms, leaseName, holder, ts);
  if (!term) return null;
  const onLease = changes.filter((c) => c.leaseName === leaseName).toSorted((a, b) => a.ts - b.ts);
  const lastGrantAt = (term.grants.at(-1) ?? { at: term.start }).at;
  const own = onLease.filter(
    (c) => c.holder === holder && c.epoch === term.epoch && c.ts >= term.start && c.ts <= lastGrantAt,
  );
  const rows: (LeaseRow | ElidedRows)[] = grantRows(own, ts);
  rows.push(...afterTerm(onLease, term, lastGrantAt));
  return { leaseName, holder, epoch: term.epoch, rows };
}

function latestTerm(terms: Term[], leaseName: string, holder: string, ts: WallMs): Term | undefined {
  const mine = terms.filter((t) => t.leaseName === leaseName && t.holder === holder);
  return mine.filter((t) => t.start <= ts).at(-1) ?? mine[0];
}

// The acquire, the last few grants up to `ts`, the first grant after it and the term's last grant;
// the renewals in between are counted, not listed.
function grantRows(own: LeaseChange[], ts: WallMs): (LeaseRow | ElidedRows)[] {
  const keep = new Set<number>([0, own.length - 1]);
  const upTo = own.findLastIndex((c) => c.ts <= ts);
  for (let i = Math.max(0, upTo - LAST_GRANTS + 1); i <= upTo; i++) keep.add(i);
  if (upTo + 1 < own.length) keep.add(upTo + 1);
  const rows: (LeaseRow | ElidedRows)[] = [];
  let skipped = 0;
  for (const [i, change] of own.entries()) {
    if (!keep.has(i)) {
      skipped++;
      continue;
    }
    if (skipped > 0) rows.push({ elided: skipped });
    skipped = 0;
    rows.push({ role: i === 0 ? "acquire" : "renewal", change });
  }
  return rows;
}

// What followed the term's last grant: rows that freed the lease (the first few), up to the next
// holder's acquire.
function afterTerm(onLease: LeaseChange[], term: Term, lastGrantAt: WallMs): LeaseRow[] {
  const rows: LeaseRow[] = [];
  let releases = 0;
  for (const c of onLease) {
    if (c.ts <= lastGrantAt) continue;
    if (c.op === "DELETE" || c.holder === null) {
      if (releases++ < 2) rows.push({ role: "release", change: c });
      continue;
    }
    if (c.holder === term.holder && c.epoch === term.epoch) continue;
    rows.push({ role: "next holder", change: c });
    break;
  }
  return rows;
}
