import { LeaseChaosError } from "../errors.ts";
import type { Fault, FaultContext } from "./fault.ts";
import { addToxic, removeToxic, type Stream } from "./toxic.ts";

/** How long a probe must go unanswered to count as blackholed. */
const SILENCE_MS = 300;

/**
 * F6/F7: a database that hangs. Toxiproxy's `timeout` toxic with timeout 0 drops every byte in
 * its direction and never closes: downstream only = the statement runs but its reply is lost.
 * Removing it closes the proxy's connections (as in Toxiproxy), so workers reconnect after heal.
 */
export function blackhole(worker: string, streams: Stream[]): Fault {
  const names = streams.map((s) => `lease-chaos-blackhole-${s}`);
  let answeredMs: number | null = null;
  return {
    kind: streams.length === 1 && streams[0] === "downstream" ? "reply-lost" : "blackhole",
    target: worker,
    // Nothing the worker sends arrives: it cannot acquire or renew.
    silences: streams.includes("upstream"),
    async inject({ env }: FaultContext) {
      const probe = await env.openWorkerProbe(worker, 5_000);
      try {
        for (const stream of streams) {
          await addToxic(env, worker, {
            name: `lease-chaos-blackhole-${stream}`,
            type: "timeout",
            stream,
            attributes: { timeout: 0 },
          });
        }
        answeredMs = await probe.selectOne(SILENCE_MS).then(
          (ms) => ms,
          () => null,
        );
      } finally {
        probe.close();
      }
    },
    async verify() {
      if (answeredMs !== null)
        throw new LeaseChaosError(
          "E_FAULT_NOT_APPLIED",
          `SELECT 1 through ${worker}'s proxy answered in ${Math.round(answeredMs)} ms`,
        );
      return `SELECT 1 through ${worker}'s proxy got no reply in ${SILENCE_MS} ms (${streams.join("+")} dropped)`;
    },
    async heal({ env }: FaultContext) {
      for (const name of names) await removeToxic(env, worker, name);
    },
  };
}
