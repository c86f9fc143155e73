import type { CheckResult, Violation } from "./check.ts";

type Metrics = Record<string, number | null>;

/** A passing result: the evidence decided and nothing was wrong. */
export function pass(id: string, detail: string, metrics?: Metrics): CheckResult {
  return { id, verdict: "pass", detail, violations: [], ...(metrics && { metrics }) };
}

/** An undecided result: evidence missing, never to be read as a pass. */
export function unknown(id: string, detail: string, metrics?: Metrics): CheckResult {
  return { id, verdict: "unknown", detail, violations: [], ...(metrics && { metrics }) };
}

/** A failing result whose detail is the first violation, with a count when there are several. */
export function fail(id: string, violations: Violation[], metrics?: Metrics): CheckResult {
  const first = violations[0]?.message ?? "failed without a recorded violation";
  const detail = violations.length > 1 ? `${violations.length} violations; first: ${first}` : first;
  return { id, verdict: "fail", detail, violations, ...(metrics && { metrics }) };
}

/** The largest of some numbers, or null when there are none (a metric that did not apply). */
export function maxOrNull(values: number[]): number | null {
  return values.length === 0 ? null : Math.max(...values);
}
