// lease-chaos/vitest: a `test` with a `leaseChaos` fixture (runs scenarios, keeps the reports of a
// failing test and names them, removes them when it passes), an `environment` fixture, and
// lease-chaos's matchers, registered on import.
import fs from "node:fs";
import path from "node:path";
import { test as base, expect } from "vitest";
import type { StartedEnvironment } from "../env/provider.ts";
import { type EnvironmentOptions, startEnvironment } from "../env/public.ts";
import { type ExploreOptions, type ExploreSummary, explore } from "../explore/campaign.ts";
import type { Profile } from "../profile/profile.ts";
import { referenceProfile } from "../profile/reference.ts";
import { type RunResult, type RunScenarioOptions, runScenario } from "../run/run-scenario.ts";
import type { Scenario } from "../run/scenario.ts";
import { type LeaseChaosMatchers, matchers } from "./matchers.ts";

expect.extend(matchers);

declare module "vitest" {
  // biome-ignore lint/suspicious/noExplicitAny: the declaration must match vitest's own Assertion<T = any>
  interface Assertion<T = any> extends LeaseChaosMatchers<T> {}
  interface AsymmetricMatchersContaining extends LeaseChaosMatchers {}
}

/** Options of a run through the fixture; the report folder is the fixture's. */
export type FixtureRunOptions = Partial<Omit<RunScenarioOptions, "reportDir">> & { profile?: Profile };

/** Options of an explore campaign through the fixture; its report folder is the fixture's. */
export type FixtureExploreOptions = Partial<Omit<ExploreOptions, "reportDir" | "profile">> & {
  profile?: Profile;
};

/** The `leaseChaos` fixture: runs a scenario, judged as the CLI judges it. */
export interface LeaseChaosFixture {
  /** runs `scenario` (ttl 2000 ms by default); its report lives until the test passes */
  run(scenario: Scenario, options?: FixtureRunOptions): Promise<RunResult>;
  /**
   * runs an explore campaign (ttl 2000 ms, 5 runs and a seed of 1 by default); its folder (runs,
   * findings and their scenario files) lives until the test passes
   */
  explore(options?: FixtureExploreOptions): Promise<ExploreSummary>;
  /** the report folders of this test's runs so far */
  readonly reports: string[];
}

/** Where the fixture's reports go: LEASE_CHAOS_REPORT_DIR, else reports/vitest under the working directory. */
export const reportRoot = (): string =>
  path.resolve(process.env.LEASE_CHAOS_REPORT_DIR ?? path.join("reports", "vitest"));

const slug = (text: string) =>
  text
    .replace(/[^\w.-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80) || "test";

/**
 * Vitest's `test`, with `leaseChaos` (scenario runs) and `environment` (a started environment,
 * stopped after the test; options through `test.override({ environmentOptions })`, or
 * `test.scoped` on Vitest 3.2) fixtures. Cleanup
 * holds on pass, fail and Ctrl-C: every process and container a run starts is registered for exit
 * cleanup before it is used.
 */
export const test = base.extend<{
  leaseChaos: LeaseChaosFixture;
  environment: StartedEnvironment;
  environmentOptions: EnvironmentOptions;
}>({
  environmentOptions: [{}, { injected: false }],
  leaseChaos: async ({ task, onTestFailed }, use) => {
    const reports: string[] = [];
    const folder = path.join(reportRoot(), slug(`${path.basename(task.file?.name ?? "")}-${task.name}`));
    onTestFailed(() => {
      // The matchers' failure messages name each folder too.
      process.stderr.write(
        `lease-chaos: the reports of the failed test "${task.name}" are kept in:\n${reports.map((r) => `  ${r}`).join("\n")}\n`,
      );
    });
    await use({
      reports,
      run: (scenario, options = {}) => {
        const reportDir = path.join(folder, `${reports.length + 1}-${scenario.name}`);
        reports.push(reportDir);
        return runScenario(scenario, { ttlMs: 2_000, bug: null, ...options, reportDir });
      },
      explore: async ({ profile, ...options } = {}) => {
        const reportDir = path.join(folder, `${reports.length + 1}-explore`);
        reports.push(reportDir);
        return explore({
          ttlMs: 2_000,
          seed: 1,
          runs: 5,
          ...options,
          profile: profile ?? (await referenceProfile()),
          reportDir,
        });
      },
    });
    if (task.result?.state !== "fail") {
      for (const r of reports) fs.rmSync(r, { recursive: true, force: true });
      // The test's folder too, once empty, and the root when nothing else is kept there.
      for (const dir of [folder, reportRoot()])
        try {
          fs.rmdirSync(dir);
        } catch {
          // Not empty, or never made.
        }
    }
  },
  environment: async ({ environmentOptions }, use) => {
    const env = await startEnvironment(environmentOptions);
    try {
      await use(env);
    } finally {
      await env.stop();
    }
  },
});

export type { LeaseChaosMatchers };
export { expect, matchers };
