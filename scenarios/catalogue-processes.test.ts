// The failure catalogue with the reference worker, part: processes and clocks: kills, restarts, zombies, a rolling deploy, clock faults.
// (The catalogue is split over files so that Vitest"s --shard balances them.)
import { referenceSuite } from "./support/suite.ts";

referenceSuite([
  "leader-killed",
  "restart-same-identity",
  "zombie-same-identity",
  "ttl-disagreement",
  "tolerable-latency",
  "clock-step",
  "clock-rate-skew",
]);
