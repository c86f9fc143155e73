// A third worker plugged in by a profile alone: examples/sweeper-worker (Python asyncio, a sweep that
// is one fenced statement, tracing-style text logs, refusals only in its log). The catalogue's
// scenarios judge it like any other worker (the item scenarios pause it after its batch line, its
// batch being atomic), and each of its bug switches is caught by the check its profile names; the
// scenarios that catch them pass on the correct worker.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, test } from "vitest";
import type { CheckId } from "../harness/checks/registry.ts";
import { loadProfileFile } from "../harness/profile/load.ts";
import { expectClean, runEntry } from "./support/suite.ts";

const PROFILE = fileURLToPath(new URL("../examples/sweeper-worker/lease-chaos.config.json", import.meta.url));
// Debian's python3 with Debian's psycopg2 (.ci/run installs python3-psycopg2).
const ready = spawnSync("/usr/bin/python3", ["-c", "import psycopg2"]).status === 0;
const profile = await loadProfileFile(PROFILE);

describe.skipIf(!ready && !process.env.CI)("the example sweeper, through its profile", () => {
  test.each([
    ["pause-drill"],
    ["lease-lost-mid-batch"],
    ["stale-holder-after-takeover"],
    ["slow-replica-on-leader"],
    ["postgres-blackholed"],
    ["leader-killed"],
    ["late-renew-reply"],
    ["tolerable-latency"],
  ])("%s: every invariant holds", async (name) => {
    expectClean(await runEntry(name, null, { profile }));
  });

  test.for(
    Object.entries(profile.data.variants).flatMap(([bug, v]) =>
      v.caughtBy.map((c) => [bug, c.scenario, c.check] as const),
    ),
  )("its bug %s on %s fails %s", async ([bug, scenario, check], ctx) => {
    const result = await runEntry(scenario, bug, { profile });
    // A profile's caughtBy is data: its check ids are strings (matrix checks them against the registry).
    ctx.expect(result).toHaveCheckVerdict(check as CheckId, "fail");
  });
});
