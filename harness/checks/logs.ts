import type { Evidence, WorkerLog } from "../observe/evidence.ts";
import { ofKind } from "./select.ts";

/** The log messages the runbook greps for, verbatim: workers are judged on exactly these. */
export const LOG_MSG = {
  batchStarted: "batch started",
  itemStarted: "item started",
  leader: "lease state = LEADER",
  expiredLocally: "lease expired locally; skip batch until renewed",
  // Learning from the database that the lease is gone: a gate that watches its deadline has always
  // warned before this (its deadline lies before the database's expires_at); a cached gate never does.
  leaseLost: "lease lost",
} as const;

const OF_INTEREST = new Set<string>(Object.values(LOG_MSG));

/** True for a line that starts work needing the lease: a batch, or one item with an external effect. */
export function isWorkStart(line: WorkerLog): boolean {
  return line.msg === LOG_MSG.batchStarted || line.msg === LOG_MSG.itemStarted;
}

/** The worker log lines the lease invariants read, in ts order. */
export function linesOfInterest(evidence: Evidence): WorkerLog[] {
  return ofKind(evidence, "worker-log").filter((l) => OF_INTEREST.has(l.msg));
}
