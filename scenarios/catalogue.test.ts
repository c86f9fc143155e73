import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { runScenario } from "../harness/run/run-scenario.ts";
import { catches, scenarios } from "./index.ts";
import "./support/matchers.ts";

// The failure catalogue with the reference worker, then each bug variant on the scenario that must
// catch it. The pause drill has its own file (pause-drill.test.ts).
const TTL_MS = 2_000;
const SEED = 20261128;
const reportRoot = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-catalogue-"));
afterAll(() => fs.rmSync(reportRoot, { recursive: true, force: true }));

const byName = new Map(scenarios.map((s) => [s.name, s]));
const catalogue = scenarios.filter((s) => s.name !== "pause-drill");

function run(name: string, bug: string | null) {
  const scenario = byName.get(name);
  if (!scenario) throw new Error(`no scenario ${name}`);
  return runScenario(scenario, {
    ttlMs: TTL_MS,
    bug,
    seed: SEED,
    reportDir: path.join(reportRoot, bug ?? "reference", name),
  });
}

describe("the failure catalogue with the reference worker", () => {
  test.each(catalogue.map((s) => [s.name]))(
    "%s: every invariant holds and every fault took effect",
    async (name) => {
      const result = await run(name, null);
      expect(result).toPassEveryCheck();
      const faults = result.evidence.events.filter((e) => e.kind === "fault");
      expect(faults.length).toBeGreaterThan(0);
      expect(faults.every((f) => f.kind === "fault" && f.verified && f.end !== null)).toBe(true);
    },
  );
});

describe("negative controls: each bug variant is caught by the check that names it", () => {
  const controls = Object.entries(catches).flatMap(([bug, list]) =>
    list.filter((c) => c.scenario !== "pause-drill").map((c) => [bug, c.scenario, c.check] as const),
  );
  test.each(controls)("%s on %s fails %s", async (bug, scenario, check) => {
    const result = await run(scenario, bug);
    expect(result).toHaveCheckVerdict(check, "fail");
    expect(result.verdict).toBe("fail");
  });
});
