import type { ProbeConnection } from "../env/worker-proxies.ts";
import { LeaseChaosError } from "../errors.ts";
import type { Fault, FaultContext } from "./fault.ts";
import { addToxic, removeToxic, type Stream } from "./toxic.ts";

/** Options of a latency fault: how much, in which direction(s). */
export interface LatencyOptions {
  latencyMs: number;
  jitterMs?: number;
  /** "downstream" delays replies only (a late reply); "both" delays each way */
  streams: Stream[];
}

/**
 * F3/F4/F12: a slow replica. Latency on one worker's proxy only; the connect itself is never
 * delayed (Toxiproxy cannot), and latency applies per direction, so a round trip pays each.
 */
export function latency(worker: string, options: LatencyOptions): Fault {
  const names = options.streams.map((s) => `lease-chaos-latency-${s}`);
  let probe: ProbeConnection | null = null;
  let measuredMs = 0;
  // The least a round trip can take: every direction at its smallest draw.
  const expectedMs = options.streams.length * (options.latencyMs - (options.jitterMs ?? 0));
  return {
    kind: "latency",
    target: worker,
    async inject({ env }: FaultContext) {
      probe = await env.openWorkerProbe(worker, 5_000);
      for (const stream of options.streams) {
        await addToxic(env, worker, {
          name: `lease-chaos-latency-${stream}`,
          type: "latency",
          stream,
          attributes: { latency: options.latencyMs, jitter: options.jitterMs ?? 0 },
        });
      }
      measuredMs = await probe.selectOne(4 * options.latencyMs + 2_000);
    },
    async verify() {
      probe?.close();
      if (measuredMs < expectedMs) {
        throw new LeaseChaosError(
          "E_FAULT_NOT_APPLIED",
          `SELECT 1 through ${worker}'s proxy took ${Math.round(measuredMs)} ms, expected >= ${expectedMs} ms`,
        );
      }
      return `SELECT 1 through ${worker}'s proxy took ${Math.round(measuredMs)} ms (latency ${options.latencyMs} ms ${options.streams.join("+")})`;
    },
    async heal({ env }: FaultContext) {
      probe?.close();
      for (const name of names) await removeToxic(env, worker, name);
    },
  };
}
