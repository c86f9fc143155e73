import type { Evidence, WallMs } from "../observe/evidence.ts";

/** Three-valued, as in Jepsen: unknown means the evidence could not decide (never a pass). */
export type Verdict = "pass" | "fail" | "unknown";

/** One piece of evidence behind a failure: who, which epoch, when, by how much, which lines. */
export interface Violation {
  message: string;
  worker?: string;
  epoch?: number | null;
  ts?: WallMs;
  msPastExpiry?: number;
  lines?: unknown[];
  [key: string]: unknown;
}

/** The outcome of one check on one run. */
export interface CheckResult {
  id: string;
  verdict: Verdict;
  /** one line a person reads in the verdict table */
  detail: string;
  violations: Violation[];
  metrics?: Record<string, number | null>;
}

/** An invariant: a pure function of recorded evidence. */
export interface Check {
  id: string;
  description: string;
  run(evidence: Evidence): CheckResult;
}
