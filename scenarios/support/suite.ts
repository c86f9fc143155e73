// The catalogue as Vitest suites, split over files so Vitest's own sharding can balance them:
// each file names the scenarios (with the reference worker) and the negative controls it runs.
// A run's report folder is kept when its test fails (the failure message names it) and removed
// when it passes.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, onTestFinished, test } from "vitest";
import type { CheckId } from "../../harness/checks/registry.ts";
import type { Profile } from "../../harness/profile/profile.ts";
import { referenceProfile } from "../../harness/profile/reference.ts";
import { type RunResult, runScenario } from "../../harness/run/run-scenario.ts";
import { catalogue, catches } from "../index.ts";
import "./matchers.ts";

/** The ttl and seed every scenario test runs with. */
export const TTL_MS = 2_000;
export const SEED = 20261128;

/** Where the repo's own tests keep the reports of failed runs (gitignored). */
export const TEST_REPORTS = fileURLToPath(new URL("../../reports/tests/", import.meta.url));

/** Runs one catalogue entry; its report folder goes away when the test passes. */
export async function runEntry(
  name: string,
  bug: string | null,
  options: { profile?: Profile; seed?: number; folder?: string } = {},
): Promise<RunResult> {
  const profile = options.profile ?? (await referenceProfile());
  const entry = catalogue(profile).find((e) => e.name === name);
  if (!entry) throw new Error(`no scenario ${name} in the catalogue of ${profile.name}`);
  const reportDir = path.join(TEST_REPORTS, options.folder ?? profile.name, bug ?? "reference", name);
  fs.rmSync(reportDir, { recursive: true, force: true });
  onTestFinished(({ task }) => {
    if (task.result?.state === "pass") fs.rmSync(reportDir, { recursive: true, force: true });
  });
  return runScenario(entry.scenario, {
    ttlMs: TTL_MS,
    bug,
    seed: options.seed ?? SEED,
    profile,
    lease: entry.lease,
    reportDir,
  });
}

/** Every fault took effect and was healed, and every check and premise passed. */
export function expectClean(result: RunResult): void {
  expect(result).toPassEveryCheck();
  const faults = result.evidence.events.filter((e) => e.kind === "fault");
  expect(faults.length).toBeGreaterThan(0);
  expect(faults.every((f) => f.kind === "fault" && f.verified && f.end !== null)).toBe(true);
}

/** The reference worker on these catalogue entries: every invariant holds, every fault applied. */
export function referenceSuite(names: string[]): void {
  describe("the failure catalogue with the reference worker", () => {
    test.each(names.map((n) => [n]))(
      "%s: every invariant holds, every fault and premise took effect",
      async (name) => {
        expectClean(await runEntry(name, null));
      },
    );
  });
}

/** The reference worker's variants on the scenarios that must catch them, each by the check that names it. */
export async function controlsSuite(bugs: string[]): Promise<void> {
  const byBug = catches(await referenceProfile());
  const controls = bugs.flatMap((bug) => {
    const list = byBug[bug];
    if (!list) throw new Error(`no variant ${bug}`);
    return list.filter((c) => c.scenario !== "pause-drill").map((c) => [bug, c.scenario, c.check] as const);
  });
  describe("negative controls: each bug variant is caught by the check that names it", () => {
    test.each(controls)("%s on %s fails %s", async (bug, scenario, check) => {
      const result = await runEntry(scenario, bug);
      // A profile's caughtBy is data: its check ids are strings (matrix checks them against the registry).
      expect(result).toHaveCheckVerdict(check as CheckId, "fail");
      expect(result.verdict).toBe("fail");
    });
  });
}
