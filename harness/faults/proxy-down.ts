import { LeaseChaosError } from "../errors.ts";
import type { Fault, FaultContext } from "./fault.ts";

/**
 * F7/F8: a database that refuses. The worker's proxy is disabled: its listener closes (new
 * connections get ECONNREFUSED) and every open connection is closed.
 */
export function proxyDown(worker: string): Fault {
  let down = false;
  return {
    kind: "proxy-down",
    target: worker,
    silences: true,
    async inject({ env }: FaultContext) {
      const proxy = await env.proxies.proxy(worker);
      await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
      down = true;
    },
    async verify({ env }: FaultContext) {
      let answeredMs: number;
      try {
        answeredMs = await env.probeWorkerDb(worker, 1_000);
      } catch (err) {
        return `${worker}'s proxy refuses: ${(err as Error).message}`;
      }
      throw new LeaseChaosError(
        "E_FAULT_NOT_APPLIED",
        `${worker}'s proxy still answers (SELECT 1 in ${Math.round(answeredMs)} ms)`,
      );
    },
    async heal({ env }: FaultContext) {
      if (!down) return;
      down = false;
      const proxy = await env.proxies.proxy(worker);
      await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    },
  };
}
