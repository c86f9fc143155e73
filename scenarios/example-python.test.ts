// A team's own worker, plugged in by a profile alone: examples/python-worker (Python, its own env
// names, tables, text logs and fencing). The same drill and catalogue scenarios judge it, and its
// own bug switch is caught by the check that names it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import type { CheckId } from "../harness/checks/registry.ts";
import { loadProfileFile } from "../harness/profile/load.ts";
import { expectClean, runEntry } from "./support/suite.ts";

const PROFILE = fileURLToPath(new URL("../examples/python-worker/lease-chaos.config.json", import.meta.url));
// Debian's python3 with Debian's psycopg2 (.ci/run installs python3-psycopg2).
const ready = spawnSync("/usr/bin/python3", ["-c", "import psycopg2"]).status === 0;
const profile = await loadProfileFile(PROFILE);

describe.skipIf(!ready && !process.env.CI)("the example Python worker, through its profile", () => {
  test.each([
    ["pause-drill"],
    ["lease-lost-mid-batch"],
    ["slow-replica-on-leader"],
    ["postgres-blackholed"],
    ["leader-killed"],
  ])("%s: every invariant holds", async (name) => {
    expectClean(await runEntry(name, null, { profile }));
  });

  test.each(
    Object.entries(profile.data.variants).flatMap(([bug, v]) =>
      v.caughtBy.map((c) => [bug, c.scenario, c.check]),
    ),
  )("its bug %s on %s fails %s", async (bug, scenario, check) => {
    const result = await runEntry(scenario, bug, { profile });
    // A profile's caughtBy is data: its check ids are strings (matrix checks them against the registry).
    expect(result).toHaveCheckVerdict(check as CheckId, "fail");
  });
});
