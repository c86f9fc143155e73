import type { ClockSetting, StartedEnvironment } from "../env/provider.ts";

/** What a fault may act on. */
export interface FaultContext {
  env: StartedEnvironment;
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
  /** a clock fault: how it sets the target's clock */
  clock?: ClockSetting;
  inject(ctx: FaultContext): Promise<void>;
  /** resolves with a description of the evidence that it applied, or rejects saying why not */
  verify(ctx: FaultContext): Promise<string>;
  heal(ctx: FaultContext): Promise<void>;
}
