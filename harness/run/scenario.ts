import type { CheckId } from "../checks/registry.ts";
import type { WorkerSpec } from "../observe/evidence.ts";
import type { Profile } from "../profile/profile.ts";
import type { Knobs } from "./knobs.ts";
import type { Need, NeedContext } from "./needs.ts";
import type { PremiseId } from "./premises.ts";
import type { Run } from "./run.ts";
import type { Timings } from "./timing.ts";

/** What a scenario's worker set is built from: the profile, the variant, the target lease and the timings. */
export interface WorkerPlanContext {
  profile: Profile;
  bug: string | null;
  lease: string;
  timings: Timings;
}

/** A worker to start, with what the scenario changes about it (a ttl of its own in a rolling deploy). */
export interface PlannedWorker extends WorkerSpec {
  /** template values this instance gets instead of the run's (e.g. ttlMs) */
  overrides?: Partial<Timings>;
  /** started only once its lease has a holder, so another instance leads first */
  delayed?: boolean;
}

/** A scenario: data composed from parts, its steps reading like the runbook. */
export interface Scenario {
  name: string;
  /** one line for `lease-chaos list` */
  summary: string;
  /** the catalogue's fault id(s), e.g. F1 */
  faults?: string[];
  /** the check ids that apply; all of them when absent */
  checks?: CheckId[];
  /**
   * What the fault must have caused for the verdict to mean anything (a takeover, a new epoch, a
   * refused stale write ...); one that did not happen makes the verdict unknown, never pass.
   */
  premises?: PremiseId[];
  /**
   * The profile entries its steps need, unmet ones only (its premises' needs are added to them): a
   * run with an unmet need is skipped, naming it, before anything starts.
   */
  needs?: (ctx: NeedContext) => Need[];
  /** what it does differently for this profile's shape (e.g. an atomic batch), for doctor and the report */
  adapts?: (ctx: NeedContext) => string[];
  /** the workers to start; every role's instances from the profile when absent */
  workers?: (ctx: WorkerPlanContext) => PlannedWorker[];
  /** its parameters (`run NAME --set latencyMs=1500`), with defaults and ranges */
  knobs?: Knobs;
  /** the target lease's instances start under libfaketime (clock faults) */
  clockFaults?: "wall" | "all";
  /**
   * The waits the scenario cannot avoid (fault durations, ttl lapses) for a run with these timings
   * and seed: what a benchmark compares its wall time with.
   */
  lowerBoundMs(t: Timings, seed: number): number;
  /** adjusts the worker timings derived from the ttl (e.g. slower items for a mid-batch pause) */
  timings?: (base: Timings) => Timings;
  steps(run: Run): Promise<void>;
}

/** Every role's instances, as the profile lists them; the variant runs where it applies. */
export function profileWorkers({ profile, bug }: WorkerPlanContext): PlannedWorker[] {
  const variant = bug ? profile.data.variants[bug] : undefined;
  return profile.roles.flatMap((role) =>
    role.ids.map((id) => ({
      id,
      leaseName: role.lease,
      role: role.name,
      bug: bug && (!variant?.roles || variant.roles.includes(role.name)) ? bug : null,
    })),
  );
}

/** A scenario's name with its target lease: `pause-drill@ttl-sweeper`; the primary lease needs none. */
export function qualifiedName(scenario: string, lease: string, primaryLease: string): string {
  return lease === primaryLease ? scenario : `${scenario}@${lease}`;
}

/** Splits `name@lease` into its parts. */
export function splitQualified(name: string): { scenario: string; lease: string | null } {
  const at = name.indexOf("@");
  return at < 0
    ? { scenario: name, lease: null }
    : { scenario: name.slice(0, at), lease: name.slice(at + 1) };
}
