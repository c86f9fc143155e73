import type { Evidence } from "../observe/evidence.ts";
import type { Check, CheckResult, RunVerdict, Verdict } from "./check.ts";
import { capabilitiesOf } from "./context.ts";
import { fencedEffectsWithinTerm } from "./fenced-effects-within-term.ts";
import { noBatchAfterLocalExpiry } from "./no-batch-after-local-expiry.ts";
import { noDuplicateDelivery } from "./no-duplicate-delivery.ts";
import { noInheritedTerm } from "./no-inherited-term.ts";
import { noNeedlessFailover } from "./no-needless-failover.ts";
import { progressAfterHeal } from "./progress-after-heal.ts";
import { unknown } from "./result.ts";
import { singleLeader } from "./single-leader.ts";
import { takeoverWithinTtl } from "./takeover-within-ttl.ts";

/** Every invariant, in the order of the verdict table (docs/checks.md). */
export const checks: Check[] = [
  noBatchAfterLocalExpiry,
  fencedEffectsWithinTerm,
  singleLeader,
  takeoverWithinTtl,
  noDuplicateDelivery,
  progressAfterHeal,
  noInheritedTerm,
  noNeedlessFailover,
];

/** The ids a scenario may name. */
export const checkIds: string[] = checks.map((c) => c.id);

/**
 * The id of one of the checks, as a type: `toHaveCheckVerdict("single-leadr", ...)` or a scenario's
 * `checks: ["single-leadr"]` does not compile. (registry.test.ts holds it equal to `checkIds`.)
 */
export type CheckId =
  | "no-batch-after-local-expiry"
  | "fenced-effects-within-term"
  | "single-leader"
  | "takeover-within-ttl"
  | "no-duplicate-delivery"
  | "progress-after-heal"
  | "no-inherited-term"
  | "no-needless-failover";

/** Run the named checks (all by default); a crashing check is unknown, never a pass. */
export function runChecks(evidence: Evidence, ids?: string[], from: Check[] = checks): CheckResult[] {
  const chosen = ids ?? from.map((c) => c.id);
  const selected = chosen.map((id) => {
    const check = from.find((c) => c.id === id);
    if (!check)
      throw new TypeError(`unknown check id "${id}"; expected one of: ${from.map((c) => c.id).join(", ")}`);
    return check;
  });
  return selected.filter((check) => applies(check, evidence)).map((check) => runOne(check, evidence));
}

// A check that cannot tell whether it applies is run, so that its crash shows as unknown.
function applies(check: Check, evidence: Evidence): boolean {
  try {
    return check.applies?.(evidence) ?? true;
  } catch {
    return true;
  }
}

function runOne(check: Check, evidence: Evidence): CheckResult {
  let result: CheckResult;
  try {
    result = check.run(evidence);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result = unknown(check.id, `check crashed: ${message}`);
  }
  // Which evidence it judged, from what the run's profile provides: the verdict table shows it.
  try {
    const { judged, notJudged } = check.coverage(capabilitiesOf(evidence));
    return {
      ...result,
      judged: result.judged ?? judged,
      notJudged: [...(result.notJudged ?? []), ...notJudged],
    };
  } catch {
    return result;
  }
}

/** The run's verdict: fail beats unknown beats pass; no verdicts at all decide nothing. */
export function worstVerdict(verdicts: Verdict[]): Verdict {
  if (verdicts.length === 0) return "unknown";
  if (verdicts.includes("fail")) return "fail";
  if (verdicts.includes("unknown")) return "unknown";
  return "pass";
}

/**
 * The verdict of several runs: the worst of those judged. Skipped runs (a scenario that cannot apply
 * to the profile) count for nothing, and nothing judged is unknown: a gate never goes green on nothing.
 */
export function runsVerdict(verdicts: RunVerdict[]): Verdict {
  return worstVerdict(verdicts.filter((v): v is Verdict => v !== "skipped"));
}

/** All checks' metrics in one flat object; a name two checks share is kept as `<check id>.<name>` for the later one. */
export function summarizeMetrics(results: CheckResult[]): Record<string, number | null> {
  const summary: Record<string, number | null> = {};
  for (const r of results) {
    for (const [name, value] of Object.entries(r.metrics ?? {})) {
      summary[name in summary ? `${r.id}.${name}` : name] = value;
    }
  }
  return summary;
}
