import type { CheckResult, Verdict } from "../checks/check.ts";

const MARK: Record<Verdict, string> = { pass: "PASS", fail: "FAIL", unknown: "UNKNOWN" };

/** The verdict table a person reads at the end of a drill. */
export function verdictTable(checks: CheckResult[], verdict: Verdict, reasons: string[]): string {
  const idWidth = Math.max(...checks.map((c) => c.id.length), 5) + 2;
  const rows = checks.map((c) => `  ${MARK[c.verdict].padEnd(8)} ${c.id.padEnd(idWidth)} ${c.detail}`);
  const extra = reasons.map((r) => `  ${"UNKNOWN".padEnd(8)} ${"run".padEnd(idWidth)} ${r}`);
  return [
    `  ${"verdict".padEnd(8)} ${"check".padEnd(idWidth)} detail`,
    ...rows,
    ...extra,
    "",
    `  overall: ${MARK[verdict]}`,
  ].join("\n");
}

/** Formats metrics as `name=value` pairs, ms rounded. */
export function metricsLine(metrics: Record<string, number | null>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k}=${v === null ? "n/a" : Math.round(v)}`)
    .join("  ");
}
