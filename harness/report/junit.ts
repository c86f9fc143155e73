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
  const tag = verdict === "fail" ? "failure" : "error";
  const first = body.split("\n")[0] ?? verdict;
  return `${open}><${tag} message="${esc(first)}" type="${verdict}">${esc(body)}</${tag}></testcase>`;
}

/** The JUnit XML document of some runs. */
export function junitXml(runs: JunitRun[], name = "lease-chaos"): string {
  const suites = runs.map(({ result: r, wallMs }) => {
    const seconds = (wallMs ?? Number(r.metrics.wallMs ?? 0)) / 1000;
    const suite = `${r.scenario}${r.bug ? ` [${r.bug}]` : ""} seed ${r.seed}`;
    const cases = [
      testCase(r.scenario, suite, seconds, r.verdict, evidenceText(r)),
      ...r.checks.map((c) => testCase(`${r.scenario} › ${c.id}`, suite, 0, c.verdict, evidenceText(r, c.id))),
    ];
    const failures = [r.verdict, ...r.checks.map((c) => c.verdict)].filter((v) => v === "fail").length;
    const errors = [r.verdict, ...r.checks.map((c) => c.verdict)].filter((v) => v === "unknown").length;
    return `  <testsuite name="${esc(suite)}" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${seconds.toFixed(3)}">\n    ${cases.join("\n    ")}\n  </testsuite>`;
  });
  const totals = runs.reduce(
    (t, { result: r }) => {
      const all = [r.verdict, ...r.checks.map((c) => c.verdict)];
      return {
        tests: t.tests + all.length,
        failures: t.failures + all.filter((v) => v === "fail").length,
        errors: t.errors + all.filter((v) => v === "unknown").length,
      };
    },
    { tests: 0, failures: 0, errors: 0 },
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${esc(name)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}">\n${suites.join("\n")}\n</testsuites>\n`;
}

/** Writes the JUnit file (its folder created), atomically, so a CI parser never reads half a file. */
export function writeJunit(file: string, runs: JunitRun[], name?: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, junitXml(runs, name));
  fs.renameSync(tmp, file);
}
