// Negative controls, part: elections: takeover, lease length, inherited terms, ttl disagreements, hair triggers. Each variant of the reference worker must fail the
// check that names it on its scenario (the pause drill"s own are in pause-drill.test.ts).
import { controlsSuite } from "./support/suite.ts";

await controlsSuite([
  "no-takeover",
  "lease-too-long",
  "adopt-own-lease",
  "own-ttl-expiry",
  "hair-trigger-timeout",
]);
