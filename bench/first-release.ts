// The catalogue and the bug variants as the first release shipped them: the benches report today's
// figures for the same work beside the figures for everything there is now.

/** The first release's 13 scenarios. */
export const FIRST_SCENARIOS = [
  "pause-drill",
  "lease-lost-mid-batch",
  "pause-after-delivery",
  "slow-replica-on-leader",
  "late-renew-reply",
  "renew-reply-lost",
  "postgres-refused",
  "postgres-blackholed",
  "postgres-outage",
  "leader-killed",
  "restart-same-identity",
  "stale-holder-after-takeover",
  "flapping-latency",
];

/** The first release's 7 bug variants. */
export const FIRST_VARIANTS = [
  "cached-leader",
  "response-anchored-deadline",
  "no-fencing",
  "gate-once-per-batch",
  "no-takeover",
  "steal-unexpired",
  "non-atomic-forward",
];
