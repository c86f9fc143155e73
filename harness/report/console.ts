import type { CheckResult, RunVerdict } from "../checks/check.ts";

const MARK: Record<RunVerdict, string> = {
  pass: "PASS",
  fail: "FAIL",
  unknown: "UNKNOWN",
  skipped: "SKIPPED",
};

/** The verdict table a person reads at the end of a drill. */
export function verdictTable(checks: CheckResult[], verdict: RunVerdict, reasons: string[]): string {
  if (verdict === "skipped") return `  overall: SKIPPED: ${reasons.join("; ")}`;
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
