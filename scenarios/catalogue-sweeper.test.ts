// The failure catalogue with the reference worker, part: flapping latency, and the main faults on the ttl-sweeper"s lease.
// (The catalogue is split over files so that Vitest"s --shard balances them.)
import { referenceSuite } from "./support/suite.ts";

referenceSuite([
  "flapping-latency",
  "lease-lost-mid-batch@ttl-sweeper",
  "slow-replica-on-leader@ttl-sweeper",
  "leader-killed@ttl-sweeper",
]);
