import { metricsLine, verdictTable } from "../report/console.ts";
import type { VerdictFile } from "../report/write.ts";

/**
 * Prints a run's verdict table, metrics, report folder, its seed and the command that repeats it
 * (whatever the verdict: a passing run is worth repeating too, on another machine or after a change).
 */
export function printRun(result: VerdictFile, log: (line: string) => void): void {
  log("");
  log(verdictTable(result.checks, result.verdict, result.reasons));
  log(`  metrics: ${metricsLine(result.metrics)}`);
  log(`  report:  ${result.reportDir}`);
  log(`  seed ${result.seed}; reproduce with: ${result.reproduce}`);
}

/** The JSON shape of one run, as drill, run and analyze print it with --json. */
export function runJson(result: VerdictFile) {
  const { scenario, verdict, checks, metrics, reportDir, seed, reasons, reproduce, premises } = result;
  return {
    scenario,
    verdict,
    checks: checks.map(({ id, verdict: v, detail, violations, judged, notJudged }) => ({
      id,
      verdict: v,
      detail,
      violations,
      ...(judged ? { judged } : {}),
      ...(notJudged?.length ? { notJudged } : {}),
    })),
    premises: premises ?? [],
    metrics,
    reportDir,
    seed,
    reasons,
    reproduce,
  };
}
