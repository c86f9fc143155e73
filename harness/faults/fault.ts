import type { ClockSetting, StartedEnvironment } from "../env/provider.ts";
import type { ProfileRole } from "../profile/profile.ts";
import type { LeaseTableData } from "../profile/schema.ts";

/**
 * The system under test as its profile describes it: what a fault acting on the database needs to
 * find its rows and sessions, in the profile's names (never the reference worker's).
 */
export interface SystemUnderTest {
  /** the lease table and its columns */
  leaseTable: LeaseTableData;
  /** the role of a worker key (its workload id, or `<id>.<n>` for a second process of it) */
  roleOf(worker: string): ProfileRole;
}

/** What a fault may act on. */
export interface FaultContext {
  env: StartedEnvironment;
  system: SystemUnderTest;
}

/**
 * One fault kind: injected, verified to have taken effect (faults that silently do not apply are
 * the classic chaos-tool bug), and healed idempotently.
 */
export interface Fault {
  /** the fault kind, as named in reports (e.g. "process-pause") */
  kind: string;
  /** what it hits (a worker's key) */
  target: string;
  /** it stops its target from reaching the database at all (a standby under it cannot take over) */
  silences?: boolean;
  /** it holds the target's lease row: every contender's acquire and renew of that lease stalls */
  holdsLease?: boolean;
  /** a clock fault: how it sets the target's clock */
  clock?: ClockSetting;
  inject(ctx: FaultContext): Promise<void>;
  /** resolves with a description of the evidence that it applied, or rejects saying why not */
  verify(ctx: FaultContext): Promise<string>;
  heal(ctx: FaultContext): Promise<void>;
}
