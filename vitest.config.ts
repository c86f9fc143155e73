import { defineConfig } from "vitest/config";

// One id for this test session, in the labels of every container and network its docker runs
// start (and in the name of the compose stack its tests bring up): the leak checks count only
// those, so two sessions on one Docker engine (two CI jobs, a developer's run beside CI) stay
// apart. A caller (.ci/run) may give its own.
const session = process.env.LEASE_CHAOS_SESSION || `vitest-${process.pid}-${Date.now().toString(36)}`;

// The scenario files of the fast `npm test`: the runbook's drill with its negative controls, and
// Ctrl-C cleanup. Everything else is in `npm run test:all`.
const SMOKE = ["scenarios/pause-drill.test.ts", "scenarios/interrupt.test.ts"];

// Scenarios start real Postgres, proxies and worker processes: one file at a time, long timeouts.
const scenarioTest = {
  fileParallelism: false,
  sequence: { concurrent: false },
  testTimeout: 120_000,
  hookTimeout: 60_000,
};

// Three projects, run one after another (groupOrder): the unit tests beside the code (files in
// parallel), then the smoke scenarios, then every other scenario file. In sequence, a scenario's
// timing never competes with the unit tests' own.
export default defineConfig({
  test: {
    // In CI a JUnit file too (test:all gives its second half one of its own: reports/junit-scenarios.xml).
    reporters: process.env.CI ? ["default", "junit"] : ["default"],
    outputFile: { junit: "reports/junit.xml" },
    env: { LEASE_CHAOS_SESSION: session },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["harness/**/*.test.ts", "fixtures/**/*.test.ts"],
          testTimeout: 20_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "smoke",
          include: SMOKE,
          ...scenarioTest,
          sequence: { ...scenarioTest.sequence, groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: "scenarios",
          include: ["scenarios/**/*.test.ts"],
          exclude: SMOKE,
          ...scenarioTest,
          sequence: { ...scenarioTest.sequence, groupOrder: 2 },
        },
      },
    ],
  },
});
