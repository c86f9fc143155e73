// Negative controls, part: effects: fencing, at-least-once, wedged connections, draining after release. Each variant of the reference worker must fail the
// check that names it on its scenario (the pause drill"s own are in pause-drill.test.ts).
import { controlsSuite } from "./support/suite.ts";

await controlsSuite(["no-fencing", "non-atomic-forward", "no-reconnect-after-timeout", "release-then-drain"]);
