import { LeaseChaosError } from "../errors.ts";
import type { Fault, FaultContext } from "./fault.ts";

/**
 * F15: a graceful restart (SIGTERM / docker stop, as a rolling deploy sends it): the worker may
 * release its lease and must do no work after that. Heal starts it again with the same identity.
 */
export function processStop(worker: string, graceMs: number): Fault {
  let stopped = false;
  return {
    kind: "process-stop",
    target: worker,
    silences: true,
    async inject({ env }: FaultContext) {
      stopped = true;
      await env.stopWorker(worker, graceMs);
    },
    async verify({ env }: FaultContext) {
      const state = await env.workerState(worker);
      if (state !== "exited")
        throw new LeaseChaosError(
          "E_FAULT_NOT_APPLIED",
          `worker ${worker} is ${state} ${graceMs} ms after SIGTERM`,
        );
      return `worker ${worker} exited after SIGTERM (grace ${graceMs} ms)`;
    },
    async heal({ env }: FaultContext) {
      if (!stopped) return;
      stopped = false;
      await env.restartWorker(worker);
    },
  };
}
