// JUnit XML for CI: one test suite per run of a scenario, one test case for the scenario itself and
// one per check. A failed check is a <failure> carrying its evidence and the command that repeats
// the run; an unknown verdict is an <error> (the run could not decide), never a pass.
import fs from "node:fs";
import path from "node:path";
import type { VerdictFile } from "./write.ts";

const esc = (text: string) =>
  text
    // XML 1.0 allows no control characters but tab, newline and carriage return.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing exactly those
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");

/** A run as JUnit sees it: its verdict file and how long it took. */
export interface JunitRun {
  result: VerdictFile;
  wallMs?: number;
  /**
   * A negative control (a matrix cell of a bug variant): the checks that must fail on it. Its cases
   * pass when the bug is caught; an empty list is a cell with no expectation (informational).
   */
  caughtBy?: string[];
}

function evidenceText(r: VerdictFile, checkId?: string): string {
  const checks = checkId
    ? r.checks.filter((c) => c.id === checkId)
    : r.checks.filter((c) => c.verdict !== "pass");
  const lines = checks.flatMap((c) => [
    `${c.verdict.toUpperCase()} ${c.id}: ${c.detail}`,
    ...c.violations
      .slice(0, 5)
      .map((v) => `  - ${v.message}${v.lines?.length ? `\n    line: ${JSON.stringify(v.lines[0])}` : ""}`),
  ]);
  if (!checkId) lines.push(...r.reasons.map((x) => `UNKNOWN run: ${x}`));
  lines.push(`report: ${r.reportDir}`, `reproduce: ${r.reproduce}`);
  return lines.join("\n");
}

function testCase(name: string, classname: string, seconds: number, verdict: string, body: string): string {
  const open = `<testcase name="${esc(name)}" classname="${esc(classname)}" time="${seconds.toFixed(3)}"`;
  if (verdict === "pass") return `${open}/>`;
  if (verdict === "skipped")
    return `${open}><skipped message="${esc(body.split("\n")[0] ?? "skipped")}"/></testcase>`;
  const tag = verdict === "fail" ? "failure" : "error";
  const first = body.split("\n")[0] ?? verdict;
  return `${open}><${tag} message="${esc(first)}" type="${verdict}">${esc(body)}</${tag}></testcase>`;
}

// A negative control's cases: the run is caught when one of the checks that must fail did.
function caughtByCases(
  r: VerdictFile,
  suite: string,
  seconds: number,
  caughtBy: string[] | undefined,
): string[] | null {
  if (caughtBy === undefined) return null;
  const name = `${r.scenario} [${r.bug}]`;
  if (caughtBy.length === 0) return [testCase(`${name} (no expectation)`, suite, seconds, "pass", "")];
  const failed = r.checks.filter((c) => c.verdict === "fail").map((c) => c.id);
  const caught = caughtBy.some((id) => failed.includes(id));
  const body = caught
    ? ""
    : `not caught: ${caughtBy.join(" or ")} must fail on ${r.bug}; the run's verdict was ${r.verdict}${failed.length ? ` (failed: ${failed.join(", ")})` : ""}\n${evidenceText(r)}\nreproduce: ${r.reproduce}`;
  return [
    testCase(`${name} is caught`, suite, seconds, caught ? "pass" : "fail", body),
    ...caughtBy.map((id) =>
      testCase(
        `${name} › ${id} fails`,
        suite,
        0,
        failed.includes(id) ? "pass" : "fail",
        failed.includes(id) ? "" : `${id} did not fail on ${r.bug}\n${evidenceText(r, id)}`,
      ),
    ),
  ];
}

/** The JUnit XML document of some runs. */
export function junitXml(runs: JunitRun[], name = "lease-chaos"): string {
  const suites = runs.map(({ result: r, wallMs, caughtBy }) => {
    const seconds = (wallMs ?? Number(r.metrics.wallMs ?? 0)) / 1000;
    const suite = `${r.scenario}${r.bug ? ` [${r.bug}]` : ""} seed ${r.seed}`;
    const cases = caughtByCases(r, suite, seconds, caughtBy) ?? [
      testCase(r.scenario, suite, seconds, r.verdict, evidenceText(r)),
      ...r.checks.map((c) => testCase(`${r.scenario} › ${c.id}`, suite, 0, c.verdict, evidenceText(r, c.id))),
    ];
    const failures = cases.filter((c) => c.includes("<failure")).length;
    const errors = cases.filter((c) => c.includes("<error")).length;
    return `  <testsuite name="${esc(suite)}" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${seconds.toFixed(3)}">\n    ${cases.join("\n    ")}\n  </testsuite>`;
  });
  const count = (re: RegExp) => suites.reduce((n, x) => n + Number(re.exec(x)?.[1] ?? 0), 0);
  const totals = {
    tests: count(/ tests="(\d+)"/),
    failures: count(/ failures="(\d+)"/),
    errors: count(/ errors="(\d+)"/),
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${esc(name)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}">\n${suites.join("\n")}\n</testsuites>\n`;
}

/** Writes the JUnit file (its folder created), atomically, so a CI parser never reads half a file. */
export function writeJunit(file: string, runs: JunitRun[], name?: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, junitXml(runs, name));
  fs.renameSync(tmp, file);
}
