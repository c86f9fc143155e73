import type { Verdict } from "../checks/check.ts";
import type { CheckId } from "../checks/registry.ts";
import type { RunResult } from "../run/run-scenario.ts";

// What a failure message shows: every check with its detail and the first violations' evidence,
// the reasons for unknown, the report folder and the command that repeats the run.
function evidenceOf(result: RunResult): string {
  const rows = result.checks.flatMap((c) => [
    `  ${c.verdict.padEnd(8)} ${c.id}: ${c.detail}`,
    ...c.violations
      .slice(0, 3)
      .flatMap((v) => (v.lines?.length ? [`             line: ${JSON.stringify(v.lines[0])}`] : [])),
  ]);
  return [
    ...rows,
    ...result.reasons.map((r) => `  unknown  run: ${r}`),
    `  report:    ${result.reportDir}`,
    `  reproduce: ${result.reproduce}`,
  ].join("\n");
}

function isRun(value: unknown): value is RunResult {
  return typeof value === "object" && value !== null && "checks" in value && "verdict" in value;
}

const notARun = (name: string, value: unknown) => ({
  pass: false,
  message: () =>
    `${name} expects a run's result (runScenario's, or the leaseChaos fixture's), got ${typeof value}`,
});

/** lease-chaos's Vitest matchers, for `expect.extend` (lease-chaos/vitest registers them on import). */
export const matchers = {
  /** The run passed every check, every fault applied and every premise held. */
  toPassEveryCheck(received: unknown) {
    if (!isRun(received)) return notARun("toPassEveryCheck", received);
    return {
      pass: received.verdict === "pass",
      message: () =>
        `expected ${received.scenario} to pass every check, got ${received.verdict}:\n${evidenceOf(received)}`,
    };
  },
  /** The named check reached this verdict. */
  toHaveCheckVerdict(received: unknown, id: CheckId, verdict: Verdict) {
    if (!isRun(received)) return notARun("toHaveCheckVerdict", received);
    const check = received.checks.find((c) => c.id === id);
    return {
      pass: check?.verdict === verdict,
      message: () =>
        `expected check ${id} of ${received.scenario} to be ${verdict}, got ${check?.verdict ?? "absent (not run)"}:\n${evidenceOf(received)}`,
    };
  },
  /** The run's overall verdict. */
  toHaveVerdict(received: unknown, verdict: Verdict) {
    if (!isRun(received)) return notARun("toHaveVerdict", received);
    return {
      pass: received.verdict === verdict,
      message: () =>
        `expected ${received.scenario} to be ${verdict}, got ${received.verdict}:\n${evidenceOf(received)}`,
    };
  },
};

/** The matchers' types, merged into Vitest's Assertion by lease-chaos/vitest. */
export interface LeaseChaosMatchers<R = unknown> {
  toPassEveryCheck(): R;
  toHaveCheckVerdict(id: CheckId, verdict: Verdict): R;
  toHaveVerdict(verdict: Verdict): R;
}
