// The failure catalogue with the reference worker, part: pauses of the leader at chosen moments.
// (The catalogue is split over files so that Vitest"s --shard balances them.)
import { referenceSuite } from "./support/suite.ts";

referenceSuite([
  "lease-lost-mid-batch",
  "pause-after-delivery",
  "stale-holder-after-takeover",
  "resume-near-expiry",
  "resume-before-takeover",
  "graceful-restart-mid-item",
  "pause-drill@ttl-sweeper",
]);
