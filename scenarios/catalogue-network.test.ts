// The failure catalogue with the reference worker, part: the leader"s connection: slow, lost replies, refused, blackholed, down.
// (The catalogue is split over files so that Vitest"s --shard balances them.)
import { referenceSuite } from "./support/suite.ts";

referenceSuite([
  "slow-replica-on-leader",
  "late-renew-reply",
  "slow-standby-reply",
  "renew-reply-lost",
  "postgres-refused",
  "postgres-blackholed",
  "postgres-outage",
]);
