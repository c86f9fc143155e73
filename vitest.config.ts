import { defineConfig } from "vitest/config";

// One id for this test session, in the labels of every container and network its docker runs
// start (and of the compose stack its tests bring up): the leak checks count only those, so two
// sessions on one Docker engine (two CI jobs, a developer's run beside CI) stay apart. A caller
// (.ci/run) may give its own.
const session = process.env.LEASE_CHAOS_SESSION || `vitest-${process.pid}-${Date.now().toString(36)}`;

// Two projects: fast unit tests run in parallel beside the code; scenarios start real
// Postgres, proxies and worker processes, so they run one file at a time with long timeouts.
export default defineConfig({
  test: {
    reporters: process.env.CI ? ["default", ["junit", { outputFile: "reports/junit.xml" }]] : ["default"],
    env: { LEASE_CHAOS_SESSION: session },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["harness/**/*.test.ts", "fixtures/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: "scenarios",
          include: ["scenarios/**/*.test.ts"],
          fileParallelism: false,
          sequence: { concurrent: false },
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
