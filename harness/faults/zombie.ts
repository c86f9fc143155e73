import { LeaseChaosError } from "../errors.ts";
import type { Fault, FaultContext } from "./fault.ts";

/**
 * F14: a second process with the same identity (a lingering zombie of an old deployment, a pod
 * that came back): same WORKLOAD_ID, its own connection. It must not lead under the first one's
 * term. Heal kills it.
 */
export function zombie(worker: string, start: () => Promise<string>): Fault {
  let key: string | null = null;
  return {
    kind: "zombie",
    target: worker,
    async inject() {
      key = await start();
    },
    async verify({ env }: FaultContext) {
      if (!key) throw new LeaseChaosError("E_FAULT_NOT_APPLIED", "the second process did not start");
      const state = await env.workerState(key);
      if (state !== "running")
        throw new LeaseChaosError("E_FAULT_NOT_APPLIED", `the second process ${key} is ${state}`);
      return `a second process of ${worker} (${key}) runs beside it`;
    },
    async heal({ env }: FaultContext) {
      if (!key) return;
      const k = key;
      key = null;
      await env.killWorker(k);
    },
  };
}
