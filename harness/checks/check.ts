import type { Evidence, WallMs } from "../observe/evidence.ts";
import type { Capabilities } from "../profile/profile.ts";

/** Three-valued, as in Jepsen: unknown means the evidence could not decide (never a pass). */
export type Verdict = "pass" | "fail" | "unknown";

/** A run's outcome: its checks' worst verdict, or skipped when the scenario cannot apply to the profile. */
export type RunVerdict = Verdict | "skipped";

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
  /** the evidence the check judged, e.g. "lease history", "work-start lines" */
  judged?: string[];
  /** rules it could not judge and the profile entry that would let it */
  notJudged?: string[];
}

/** How fully a check can judge a profile's evidence: what it reads, and what is missing for the rest. */
export interface Coverage {
  judged: string[];
  notJudged: string[];
  /** false: nothing to judge at all (the verdict can only be unknown) */
  possible: boolean;
}

/** An invariant: a pure function of recorded evidence. */
export interface Check {
  id: string;
  description: string;
  /**
   * false when the run holds nothing this check is about (no tolerable fault for no-needless-failover):
   * it is left out of the verdict rather than passed on nothing
   */
  applies?(evidence: Evidence): boolean;
  /** what the check can judge given what the profile provides (doctor, verdict table) */
  coverage(caps: Capabilities): Coverage;
  run(evidence: Evidence): CheckResult;
}
