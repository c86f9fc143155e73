import { LeaseChaosError } from "../errors.ts";
import type { Fault, FaultContext } from "./fault.ts";

/**
 * A rolling deploy of a changed configuration: the worker is restarted (same identity) with its
 * lease ttl multiplied by `factor`, while the others keep theirs, as when replicas of two releases
 * run side by side. Replicas that disagree on the ttl must still agree on the lease: a standby
 * judges expiry from the stored expires_at, never from its own ttl. Heal restarts it with the
 * run's ttl again (the rollback).
 */
export function ttlChange(
  worker: string,
  factor: number,
  restart: (ttlFactor: number) => Promise<number>,
): Fault {
  let changed = false;
  let ttlMs = 0;
  return {
    kind: "ttl-change",
    target: worker,
    async inject() {
      ttlMs = await restart(factor);
      changed = true;
    },
    async verify({ env }: FaultContext) {
      const state = await env.workerState(worker);
      if (state !== "running")
        throw new LeaseChaosError("E_FAULT_NOT_APPLIED", `worker ${worker} is ${state} after its restart`);
      return `worker ${worker} restarted with ttl ${ttlMs} ms (x${factor}), the others keep theirs`;
    },
    async heal() {
      if (!changed) return;
      changed = false;
      await restart(1);
    },
  };
}
