// The failure catalogue (F1-F19) as named, repeatable scenarios.
import type { Profile } from "../harness/profile/profile.ts";
import { leasesOf } from "../harness/profile/profile.ts";
import { qualifiedName, type Scenario } from "../harness/run/scenario.ts";
import { backendTerminatedScenario } from "./backend-terminated.ts";
import { clockRateSkew } from "./clock-rate-skew.ts";
import { clockStep } from "./clock-step.ts";
import { flappingLatency } from "./flapping-latency.ts";
import { gracefulRestartMidItem } from "./graceful-restart-mid-item.ts";
import { lateRenewReply } from "./late-renew-reply.ts";
import { leaderKilled } from "./leader-killed.ts";
import { leaseLostMidBatch } from "./lease-lost-mid-batch.ts";
import { leaseRowLocked } from "./lease-row-locked.ts";
import { pauseAfterDelivery } from "./pause-after-delivery.ts";
import { pauseDrill } from "./pause-drill.ts";
import { postgresBlackholed } from "./postgres-blackholed.ts";
import { postgresOutage } from "./postgres-outage.ts";
import { postgresRefused } from "./postgres-refused.ts";
import { renewReplyLost } from "./renew-reply-lost.ts";
import { restartSameIdentity } from "./restart-same-identity.ts";
import { resumeBeforeTakeover } from "./resume-before-takeover.ts";
import { resumeNearExpiry } from "./resume-near-expiry.ts";
import { sameIdentitySuccessorScenario } from "./same-identity-successor.ts";
import { slowReplicaOnLeader } from "./slow-replica-on-leader.ts";
import { slowStandbyReply } from "./slow-standby-reply.ts";
import { staleHolderAfterTakeover } from "./stale-holder-after-takeover.ts";
import { tolerableLatency } from "./tolerable-latency.ts";
import { ttlDisagreement } from "./ttl-disagreement.ts";
import { workRowsLocked } from "./work-rows-locked.ts";
import { zombieSameIdentity } from "./zombie-same-identity.ts";

/** Every scenario, in catalogue order. */
export const scenarios: Scenario[] = [
  pauseDrill,
  leaseLostMidBatch,
  pauseAfterDelivery,
  slowReplicaOnLeader,
  lateRenewReply,
  slowStandbyReply,
  renewReplyLost,
  postgresRefused,
  postgresBlackholed,
  postgresOutage,
  leaderKilled,
  restartSameIdentity,
  staleHolderAfterTakeover,
  flappingLatency,
  resumeNearExpiry,
  resumeBeforeTakeover,
  clockStep,
  clockRateSkew,
  zombieSameIdentity,
  gracefulRestartMidItem,
  ttlDisagreement,
  tolerableLatency,
  leaseRowLocked,
  workRowsLocked,
  backendTerminatedScenario,
  sameIdentitySuccessorScenario,
];

/** The main leader faults, run on every other lease of a profile too (the ttl-sweeper's, for the reference). */
export const ON_EVERY_LEASE = [
  "pause-drill",
  "lease-lost-mid-batch",
  "slow-replica-on-leader",
  "leader-killed",
];

/** One entry of a catalogue: a scenario aimed at one lease, and its name (`name` or `name@lease`). */
export interface CatalogueEntry {
  name: string;
  scenario: Scenario;
  lease: string;
}

/** The catalogue for a profile: every scenario on its primary lease, the main ones on its other leases. */
export function catalogue(profile: Profile): CatalogueEntry[] {
  const [primary, ...others] = leasesOf(profile) as [string, ...string[]];
  return [
    ...scenarios.map((scenario) => ({ name: scenario.name, scenario, lease: primary })),
    ...others.flatMap((lease) =>
      scenarios
        .filter((s) => ON_EVERY_LEASE.includes(s.name))
        .map((scenario) => ({ name: qualifiedName(scenario.name, lease, primary), scenario, lease })),
    ),
  ];
}

/** The scenario and check each of a profile's variants must be caught by (its negative controls). */
export function catches(
  profile: Profile,
): Record<string, { scenario: string; check: string; set?: Record<string, number> }[]> {
  return Object.fromEntries(Object.entries(profile.data.variants).map(([name, v]) => [name, v.caughtBy]));
}
