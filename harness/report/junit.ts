// JUnit XML for CI: one test suite per run of a scenario, named by what the run tests (scenario,
// variant, profile, and the attempt of a --repeat), never by its seed, so that a CI's test history
// and flake tracking see the same test on every build. Each check is a test case, and the run
// itself (its faults applied, its premises held, its steps completed) is one more: a broken
// invariant is one failure, in its check's case. An unknown verdict is an <error>, never a pass.
// The seed, the reproduce line and the report folder are properties of the suite and lines of
// every failure's body.
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

/** A whole case that is not a run: a shard that never arrived, a run folder that is missing. */
export interface JunitGap {
  suite: string;
  name: string;
  message: string;
}

/** The name of the case that stands for the run itself rather than one of its checks. */
export const RUN_CASE = "run: faults applied, premises held";

/**
 * A run's suite name: scenario, [variant], profile and, for one of several attempts, which one;
 * never the seed, so that it is the same on every build.
 */
export function suiteName(r: Pick<VerdictFile, "scenario" | "bug" | "profile" | "repeat">): string {
  const variant = r.bug ? ` [${r.bug}]` : "";
  const profile = r.profile ? ` (profile ${r.profile})` : "";
  const attempt = r.repeat && r.repeat.count > 1 ? ` #${r.repeat.index}/${r.repeat.count}` : "";
  return `${r.scenario}${variant}${profile}${attempt}`;
}

// Where the run is and how to repeat it: the last lines of every failure's body.
function whereText(r: VerdictFile): string[] {
  return [`seed: ${r.seed}`, `report: ${r.reportDir}`, `reproduce: ${r.reproduce}`];
}

function checkText(r: VerdictFile, checkId: string): string {
  const lines = r.checks
    .filter((c) => c.id === checkId)
    .flatMap((c) => [
      `${c.verdict.toUpperCase()} ${c.id}: ${c.detail}`,
      ...c.violations
        .slice(0, 5)
        .map((v) => `  - ${v.message}${v.lines?.length ? `\n    line: ${JSON.stringify(v.lines[0])}` : ""}`),
    ]);
  return [...lines, ...whereText(r)].join("\n");
}

// The run's own case: what made it unknown besides its checks (a fault not applied, a premise that
// did not hold, a step that ran out of time, an interruption). It passes when there is nothing.
function runText(r: VerdictFile): string {
  const word = r.verdict === "skipped" ? "SKIPPED" : "UNKNOWN run";
  return [...r.reasons.map((x) => `${word}: ${x}`), ...whereText(r)].join("\n");
}

// A skipped run (a scenario the profile cannot take) is a skipped case; one with reasons is unknown.
const runVerdict = (r: VerdictFile) =>
  r.verdict === "skipped" ? "skipped" : r.reasons.length ? "unknown" : "pass";

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
  if (caughtBy.length === 0) return [testCase("no expectation", suite, seconds, "pass", "")];
  const failed = r.checks.filter((c) => c.verdict === "fail").map((c) => c.id);
  const caught = caughtBy.some((id) => failed.includes(id));
  const body = caught
    ? ""
    : [
        `not caught: ${caughtBy.join(" or ")} must fail on ${r.bug}; the run's verdict was ${r.verdict}${failed.length ? ` (failed: ${failed.join(", ")})` : ""}`,
        ...r.checks
          .filter((c) => c.verdict !== "pass")
          .map((c) => `${c.verdict.toUpperCase()} ${c.id}: ${c.detail}`),
        ...r.reasons.map((x) => `UNKNOWN run: ${x}`),
        ...whereText(r),
      ].join("\n");
  return [
    testCase("is caught", suite, seconds, caught ? "pass" : "fail", body),
    ...caughtBy.map((id) =>
      testCase(
        `${id} fails`,
        suite,
        0,
        failed.includes(id) ? "pass" : "fail",
        failed.includes(id) ? "" : `${id} did not fail on ${r.bug}\n${checkText(r, id)}`,
      ),
    ),
  ];
}

const property = (name: string, value: string | number) =>
  `<property name="${esc(name)}" value="${esc(String(value))}"/>`;

function suiteXml(name: string, seconds: number, properties: string[], cases: string[]): string {
  const failures = cases.filter((c) => c.includes("<failure")).length;
  const errors = cases.filter((c) => c.includes("<error")).length;
  const skipped = cases.filter((c) => c.includes("<skipped")).length;
  const props = properties.length ? `\n    <properties>${properties.join("")}</properties>` : "";
  return `  <testsuite name="${esc(name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds.toFixed(3)}">${props}\n    ${cases.join("\n    ")}\n  </testsuite>`;
}

/** The JUnit XML document of some runs, and of what should have been there but was not. */
export function junitXml(runs: JunitRun[], name = "lease-chaos", gaps: JunitGap[] = []): string {
  const suites = runs.map(({ result: r, wallMs, caughtBy }) => {
    const seconds = (wallMs ?? Number(r.metrics.wallMs ?? 0)) / 1000;
    const suite = suiteName(r);
    const cases = caughtByCases(r, suite, seconds, caughtBy) ?? [
      testCase(RUN_CASE, suite, seconds, runVerdict(r), runText(r)),
      ...r.checks.map((c) => testCase(c.id, suite, 0, c.verdict, checkText(r, c.id))),
    ];
    const properties = [
      property("scenario", r.scenario),
      property("variant", r.bug ?? "reference"),
      ...(r.profile ? [property("profile", r.profile)] : []),
      property("seed", r.seed),
      property("ttl_ms", r.ttlMs),
      property("verdict", r.verdict),
      property("report", r.reportDir),
      property("reproduce", r.reproduce),
    ];
    return suiteXml(suite, seconds, properties, cases);
  });
  for (const g of gaps)
    suites.push(suiteXml(g.suite, 0, [], [testCase(g.name, g.suite, 0, "unknown", g.message)]));
  const count = (re: RegExp) => suites.reduce((n, x) => n + Number(re.exec(x)?.[1] ?? 0), 0);
  const totals = {
    tests: count(/ tests="(\d+)"/),
    failures: count(/ failures="(\d+)"/),
    errors: count(/ errors="(\d+)"/),
    skipped: count(/ skipped="(\d+)"/),
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${esc(name)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}">\n${suites.join("\n")}\n</testsuites>\n`;
}

/** Writes the JUnit file (its folder created), atomically, so a CI parser never reads half a file. */
export function writeJunit(file: string, runs: JunitRun[], name?: string, gaps: JunitGap[] = []): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, junitXml(runs, name, gaps));
  fs.renameSync(tmp, file);
}
