import { LeaseChaosError } from "../errors.ts";
import type { Fault, FaultContext } from "./fault.ts";

/** F9: kill a worker outright (SIGKILL / docker kill); no release, no goodbye. Heal restarts it. */
export function processKill(worker: string): Fault {
  let killed = false;
  return {
    kind: "process-kill",
    target: worker,
    silences: true,
    async inject({ env }: FaultContext) {
      await env.killWorker(worker);
      killed = true;
    },
    async verify({ env }: FaultContext) {
      const state = await env.workerState(worker);
      if (state !== "exited")
        throw new LeaseChaosError("E_FAULT_NOT_APPLIED", `worker ${worker} is ${state}, not gone`);
      return `worker ${worker} is gone (SIGKILL)`;
    },
    async heal({ env }: FaultContext) {
      if (!killed) return;
      killed = false;
      // The replacement comes back with the same identity, as a Deployment's pod would.
      await env.restartWorker(worker);
    },
  };
}
