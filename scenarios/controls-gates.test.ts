// Negative controls, part: gates that let work through after the deadline. Each variant of the reference worker must fail the
// check that names it on its scenario (the pause drill"s own are in pause-drill.test.ts).
import { controlsSuite } from "./support/suite.ts";

await controlsSuite([
  "cached-leader",
  "response-anchored-deadline",
  "gate-once-per-batch",
  "sweeper-gate-once",
  "renewer-flag-in-batch",
  "wallclock-deadline",
  "no-safety-margin",
]);
