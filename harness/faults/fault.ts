import type { StartedEnvironment } from "../env/provider.ts";

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
  /** what it hits (a worker id, a proxy name) */
  target: string;
  inject(ctx: FaultContext): Promise<void>;
  /** resolves with a description of the evidence that it applied, or rejects saying why not */
  verify(ctx: FaultContext): Promise<string>;
  heal(ctx: FaultContext): Promise<void>;
}
