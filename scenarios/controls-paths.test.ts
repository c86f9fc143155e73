// Negative controls, part: one path stalls or dies while the other goes on (a locked lease row, locked effect tables, a terminated session, a same-identity successor). Each variant of the reference worker must fail the
// check that names it on its scenario (the pause drill"s own are in pause-drill.test.ts).
import { controlsSuite } from "./support/suite.ts";

await controlsSuite([
  "renew-assumed-on-ping",
  "unbounded-lock-wait",
  "stale-work-connection",
  "holder-only-renew",
]);
