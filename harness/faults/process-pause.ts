import pRetry from "p-retry";
import { LeaseChaosError } from "../errors.ts";
import type { Fault, FaultContext } from "./fault.ts";

/** F1/F2: freeze a worker (SIGSTOP / docker pause); its timers and renewals stop with it. */
export function processPause(worker: string): Fault {
  let paused = false;
  return {
    kind: "process-pause",
    target: worker,
    silences: true,
    async inject({ env }: FaultContext) {
      await env.pauseWorker(worker);
      paused = true;
    },
    async verify({ env }: FaultContext) {
      // The signal is asynchronous; the kernel marks the task stopped within a few ms.
      const state = await pRetry(
        async () => {
          const s = await env.workerState(worker);
          if (s !== "paused")
            throw new LeaseChaosError("E_FAULT_NOT_APPLIED", `worker ${worker} is ${s}, not paused`);
          return s;
        },
        { retries: 20, minTimeout: 5, maxTimeout: 20, factor: 1 },
      );
      return `worker ${worker} is ${state}`;
    },
    async heal({ env }: FaultContext) {
      if (!paused) return;
      paused = false;
      await env.resumeWorker(worker);
    },
  };
}
