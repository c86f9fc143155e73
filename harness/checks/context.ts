// What the checks read from a run's metadata besides events: what the profile could give, the
// tolerances they state, and each worker's own ttl and margin.
import type { Evidence, RunMeta } from "../observe/evidence.ts";
import type { Capabilities } from "../profile/profile.ts";

/** Everything provided: synthetic histories and runs recorded before profiles existed. */
export const FULL_CAPABILITIES: Capabilities = {
  lines: {
    leader: true,
    expiredLocally: true,
    batchStarted: true,
    itemStarted: true,
    leaseLost: true,
    standby: true,
    refused: true,
  },
  lineTime: true,
  lineEpoch: true,
  lineItem: true,
  leaseEpoch: true,
  effects: true,
  effectEpoch: true,
  uniqueEffects: true,
  refusals: true,
  backlog: true,
  enqueue: true,
  atomicBatches: false,
};

/** The profile's capabilities as recorded with the run. */
export function capabilitiesOf(evidence: Evidence): Capabilities {
  return evidence.meta.profile?.capabilities ?? FULL_CAPABILITIES;
}

/**
 * How late a line may be stamped after the gate it reports: a worker logs right after its gate,
 * but on a loaded machine a process can be descheduled in between. max(25 ms, ttl / 40).
 */
export function logToleranceMs(meta: RunMeta): number {
  return meta.logToleranceMs ?? Math.max(25, Math.round(meta.ttlMs / 40));
}

/** The safety margin worker `id` keeps before expires_at (0 when it declares none). */
export function marginOf(meta: RunMeta, id: string): number {
  return meta.workers.find((w) => w.id === id)?.safetyMarginMs ?? meta.safetyMarginMs;
}

/** The ttl worker `id` was told (a rolling deploy may give replicas different ones). */
export function ttlOf(meta: RunMeta, id: string): number {
  return meta.workers.find((w) => w.id === id)?.ttlMs ?? meta.ttlMs;
}
