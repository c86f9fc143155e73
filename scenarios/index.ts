// The failure catalogue (DESIGN.md F1-F12) as named, repeatable scenarios.
import type { Scenario } from "../harness/run/scenario.ts";
import { flappingLatency } from "./flapping-latency.ts";
import { lateRenewReply } from "./late-renew-reply.ts";
import { leaderKilled } from "./leader-killed.ts";
import { leaseLostMidBatch } from "./lease-lost-mid-batch.ts";
import { pauseAfterDelivery } from "./pause-after-delivery.ts";
import { pauseDrill } from "./pause-drill.ts";
import { postgresBlackholed } from "./postgres-blackholed.ts";
import { postgresOutage } from "./postgres-outage.ts";
import { postgresRefused } from "./postgres-refused.ts";
import { renewReplyLost } from "./renew-reply-lost.ts";
import { restartSameIdentity } from "./restart-same-identity.ts";
import { slowReplicaOnLeader } from "./slow-replica-on-leader.ts";
import { staleHolderAfterTakeover } from "./stale-holder-after-takeover.ts";

/** Every scenario, in catalogue order. */
export const scenarios: Scenario[] = [
  pauseDrill,
  leaseLostMidBatch,
  pauseAfterDelivery,
  slowReplicaOnLeader,
  lateRenewReply,
  renewReplyLost,
  postgresRefused,
  postgresBlackholed,
  postgresOutage,
  leaderKilled,
  restartSameIdentity,
  staleHolderAfterTakeover,
  flappingLatency,
];

/** The scenario and check each bug variant is expected to be caught by (the negative controls). */
export const catches: Record<string, { scenario: string; check: string }[]> = {
  "cached-leader": [{ scenario: "pause-drill", check: "no-batch-after-local-expiry" }],
  "response-anchored-deadline": [{ scenario: "late-renew-reply", check: "no-batch-after-local-expiry" }],
  "no-fencing": [{ scenario: "lease-lost-mid-batch", check: "fenced-effects-within-term" }],
  "gate-once-per-batch": [{ scenario: "lease-lost-mid-batch", check: "no-batch-after-local-expiry" }],
  "no-takeover": [{ scenario: "leader-killed", check: "takeover-within-ttl" }],
  "steal-unexpired": [{ scenario: "pause-drill", check: "single-leader" }],
  "non-atomic-forward": [{ scenario: "pause-after-delivery", check: "no-duplicate-delivery" }],
};
