/** The worker timings of a run, all derived from the lease ttl so one knob scales a drill. */
export interface Timings {
  ttlMs: number;
  renewIntervalMs: number;
  retryIntervalMs: number;
  safetyMarginMs: number;
  batchIntervalMs: number;
  batchSize: number;
  itemWorkMs: number;
  /** a statement with no reply by then is indeterminate and its connection is dropped */
  queryTimeoutMs: number;
}

/** Timings for a ttl: renew 4 times per ttl, standbys poll 10 times, a 10% safety margin. */
export function timingsFor(ttlMs: number): Timings {
  return {
    ttlMs,
    renewIntervalMs: Math.round(ttlMs / 4),
    retryIntervalMs: Math.round(ttlMs / 10),
    safetyMarginMs: Math.max(50, Math.round(ttlMs / 10)),
    batchIntervalMs: Math.round(ttlMs / 10),
    batchSize: 10,
    itemWorkMs: 10,
    queryTimeoutMs: Math.round(ttlMs / 2),
  };
}

/** The template values of these timings ({{ttlMs}}, {{renewIntervalMs}} ...). */
export function timingValues(t: Timings): Record<string, number> {
  return { ...t };
}

/** Items per second one leader gets through with these timings (a batch, then the interval). */
export function throughputPerSecond(t: Timings): number {
  // ~3 ms of statements per item on loopback besides its work time
  const batchMs = t.batchIntervalMs + t.batchSize * (t.itemWorkMs + 3);
  return (1000 * t.batchSize) / batchMs;
}
