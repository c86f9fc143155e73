import { defineConfig } from "vitest/config";

// Two projects: fast unit tests run in parallel beside the code; scenarios start real
// Postgres, proxies and worker processes, so they run one file at a time with long timeouts.
export default defineConfig({
  test: {
    reporters: process.env.CI ? ["default", ["junit", { outputFile: "reports/junit.xml" }]] : ["default"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["harness/**/*.test.ts", "fixtures/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
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
