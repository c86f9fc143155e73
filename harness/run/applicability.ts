// Whether a scenario can run on a profile, decided before anything starts: it runs; it runs
// degraded (it adapts to the worker's shape, or some of its checks cannot judge everything); or it
// is skipped, naming the profile entries it needs. `run`, `matrix`, `explore` and `doctor` all ask
// here, so doctor's list is what the commands do.
import { checks as allChecks } from "../checks/registry.ts";
import { type Profile, roleOfLease } from "../profile/profile.ts";
import { describeNeed, type Need, type NeedContext, needsWorkEvidence } from "./needs.ts";
import { premiseNeeds } from "./premises.ts";
import type { Scenario } from "./scenario.ts";

/** How a scenario applies to a profile. */
export interface Applicability {
  status: "runs" | "degraded" | "skipped";
  /** skipped: the unmet needs */
  needs: Need[];
  /** degraded: what it does differently, and what its checks cannot judge (`check: rule`) */
  degraded: string[];
}

/** How `scenario`, aimed at `lease`, applies to `profile`. */
export function applicability(scenario: Scenario, profile: Profile, lease: string): Applicability {
  const ctx: NeedContext = { profile, lease, role: roleOfLease(profile, lease) };
  const needs = dedupe([
    ...needsWorkEvidence(ctx),
    ...(scenario.needs?.(ctx) ?? []),
    ...premiseNeeds(scenario.premises ?? [], ctx),
  ]);
  if (needs.length > 0) return { status: "skipped", needs, degraded: [] };
  const ids = scenario.checks ?? allChecks.map((c) => c.id);
  const notJudged = allChecks
    .filter((c) => ids.includes(c.id))
    .flatMap((c) => c.coverage(profile.capabilities).notJudged.map((n) => `${c.id}: ${n}`));
  const degraded = [...(scenario.adapts?.(ctx) ?? []), ...notJudged];
  return { status: degraded.length > 0 ? "degraded" : "runs", needs: [], degraded };
}

/** A skipped run's reason, one line: `needs lines.itemStarted (...); roles.x.work.enqueue (...)`. */
export function skipReason(a: Applicability): string {
  return `needs ${a.needs.map(describeNeed).join("; ")}`;
}

function dedupe(needs: Need[]): Need[] {
  const seen = new Set<string>();
  return needs.filter((n) => !seen.has(n.entry) && seen.add(n.entry));
}
