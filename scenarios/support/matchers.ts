import { expect } from "vitest";
import type { Verdict } from "../../harness/checks/check.ts";
import type { RunResult } from "../../harness/run/run-scenario.ts";

function table(result: RunResult): string {
  const rows = result.checks.map((c) => `  ${c.verdict.padEnd(8)} ${c.id}: ${c.detail}`);
  return [
    ...rows,
    ...result.reasons.map((r) => `  unknown  run: ${r}`),
    `  report: ${result.reportDir}`,
    `  reproduce: ${result.reproduce}`,
  ].join("\n");
}

expect.extend({
  /** The run passed every check (and nothing made it unknown). */
  toPassEveryCheck(result: RunResult) {
    return {
      pass: result.verdict === "pass",
      message: () =>
        `expected ${result.scenario} to pass every check, got ${result.verdict}:\n${table(result)}`,
    };
  },
  /** The named check reached this verdict. */
  toHaveCheckVerdict(result: RunResult, id: string, verdict: Verdict) {
    const check = result.checks.find((c) => c.id === id);
    return {
      pass: check?.verdict === verdict,
      message: () =>
        `expected check ${id} of ${result.scenario} to be ${verdict}, got ${check?.verdict ?? "absent"}:\n${table(result)}`,
    };
  },
});

interface RunMatchers<R = unknown> {
  toPassEveryCheck(): R;
  toHaveCheckVerdict(id: string, verdict: Verdict): R;
}

declare module "vitest" {
  // biome-ignore lint/suspicious/noExplicitAny: the declaration must match vitest's own Matchers<T = any>
  interface Matchers<T = any> extends RunMatchers<T> {}
}
