import type { Evidence, LineKind, WorkerLog } from "../observe/evidence.ts";
import { ofKind } from "./select.ts";

/** The reference worker's messages for each meaning: the runbook's words (and the profile's defaults). */
export const LOG_MSG = {
  batchStarted: "batch started",
  itemStarted: "item started",
  leader: "lease state = LEADER",
  expiredLocally: "lease expired locally; skip batch until renewed",
  leaseLost: "lease lost",
} as const;

// Learning from the database that the lease is gone is a line of interest too: a gate that watches
// its deadline has always warned before it (its deadline lies before the database's expires_at); a
// cached gate never does.
const OF_INTEREST = new Set<LineKind>([
  "leader",
  "expired-locally",
  "batch-started",
  "item-started",
  "lease-lost",
]);

/** True for a line that starts work needing the lease: a batch, or one item with an external effect. */
export function isWorkStart(line: WorkerLog): boolean {
  return line.means === "batch-started" || line.means === "item-started";
}

/** The mapped worker lines the lease invariants read, in ts order, from the start of observation. */
export function linesOfInterest(evidence: Evidence): WorkerLog[] {
  const from = evidence.meta.observedFrom ?? Number.NEGATIVE_INFINITY;
  return ofKind(evidence, "worker-log").filter(
    (l) => l.means !== undefined && OF_INTEREST.has(l.means) && l.ts >= from,
  );
}

/** How a line's meaning reads in a verdict: the profile's words, not ours. */
export function describeLine(line: WorkerLog): string {
  return JSON.stringify(line.msg);
}
