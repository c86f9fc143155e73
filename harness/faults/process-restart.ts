import { LeaseChaosError } from "../errors.ts";
import type { Fault, FaultContext } from "./fault.ts";

/**
 * F10: restart a worker with the same identity while its lease is still valid. The new process
 * remembers nothing: it must not lead before a fresh acquire (a new epoch).
 */
export function processRestart(worker: string): Fault {
  return {
    kind: "process-restart",
    target: worker,
    async inject({ env }: FaultContext) {
      await env.restartWorker(worker);
    },
    async verify({ env }: FaultContext) {
      const state = await env.workerState(worker);
      if (state !== "running")
        throw new LeaseChaosError("E_FAULT_NOT_APPLIED", `worker ${worker} is ${state} after restart`);
      return `worker ${worker} restarted with the same WORKLOAD_ID`;
    },
    async heal() {
      // Nothing to undo: the restart is the whole fault.
    },
  };
}
