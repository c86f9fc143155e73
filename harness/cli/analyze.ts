import fs from "node:fs";
import path from "node:path";
import type { Verdict } from "../checks/check.ts";
import { runChecks, summarizeMetrics, worstVerdict } from "../checks/registry.ts";
import { UsageError } from "../errors.ts";
import type { Evidence } from "../observe/evidence.ts";
import { metricsLine, verdictTable } from "../report/console.ts";
import { renderTimeline } from "../report/timeline.ts";
import { readEvidence, type VerdictFile } from "../report/write.ts";
import { evaluatePremises } from "../run/premises.ts";
import { type OptionSpecs, optionsHelp, parseOptions } from "./args.ts";
import { type Command, exitOf } from "./command.ts";
import { runJson } from "./print-run.ts";

const OPTIONS: OptionSpecs = {
  json: { type: "boolean", help: "print one JSON object on stdout instead of the table" },
  write: { type: "boolean", help: "rewrite verdict.json and timeline.html in DIR from the new verdict" },
};

/** `lease-chaos analyze DIR`: re-runs every check on a stored run, starting nothing. */
export const analyzeCommand: Command = {
  name: "analyze",
  summary: "re-run every check on a stored run folder (events.jsonl), starting nothing",
  usage: `usage: lease-chaos analyze DIR [options]\n\nDIR is a run folder written by drill or run (it holds events.jsonl).\n\n${optionsHelp(OPTIONS)}\n\nexit 0 pass, 1 a check failed, 2 bad input, 3 unknown`,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, OPTIONS, true);
    if (positionals.length !== 1) {
      throw new UsageError(
        `expected one run folder, got ${positionals.length}: ${JSON.stringify(positionals)}`,
      );
    }
    const dir = path.resolve(positionals[0] as string);
    const evidence = loadRun(dir);
    const stored = readStoredVerdict(dir);

    // The checks that applied to the scenario when it ran (all of them for older runs).
    const checks = runChecks(evidence, evidence.meta.checks);
    const premises = evaluatePremises(evidence, evidence.meta.premises ?? []);
    const reasons = runReasons(evidence, stored);
    for (const p of premises) if (!p.held) reasons.push(`premise ${p.id} did not hold: ${p.detail}`);
    const verdict = worstVerdict([
      ...checks.map((c) => c.verdict),
      ...(reasons.length ? (["unknown"] as const) : []),
    ]);
    const metrics = summarizeMetrics(checks);
    const file = verdictFile(evidence, stored, {
      verdict,
      reasons,
      premises,
      checks,
      metrics,
      reportDir: dir,
    });

    if (values.write === true) {
      fs.writeFileSync(path.join(dir, "verdict.json"), `${JSON.stringify(file, null, 2)}\n`);
      fs.writeFileSync(path.join(dir, "timeline.html"), renderTimeline(evidence, file));
    }
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(runJson(file))}\n`);
    } else {
      printTable(file, stored, values.write === true);
    }
    return exitOf(verdict);
  },
};

// Bad input names the path: a missing folder, a folder that is not a run, a file that does not parse.
function loadRun(dir: string): Evidence {
  if (!fs.existsSync(dir)) throw new UsageError(`no run folder at ${dir}`);
  if (!fs.statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a folder`);
  const events = path.join(dir, "events.jsonl");
  if (!fs.existsSync(events)) {
    throw new UsageError(`${events} not found: ${dir} is not a run folder (drill and run write one)`);
  }
  let evidence: Evidence;
  try {
    evidence = readEvidence(dir);
  } catch (err) {
    throw new UsageError(`cannot read ${events}: ${(err as Error).message}`);
  }
  const { meta } = evidence;
  if (typeof meta.startedAt !== "number" || !Array.isArray(meta.workers)) {
    throw new UsageError(`${events}: the first line is not the run's meta (no startedAt / workers)`);
  }
  return evidence;
}

// verdict.json is optional: an events.jsonl alone is enough to re-check a run.
function readStoredVerdict(dir: string): Partial<VerdictFile> | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "verdict.json"), "utf8"));
  } catch {
    return null;
  }
}

// Reasons are facts about the run, not the checks (a fault that did not apply, a step that failed):
// keep the stored ones and re-derive unverified faults from the evidence.
function runReasons(evidence: Evidence, stored: Partial<VerdictFile> | null): string[] {
  // Premises are re-evaluated from the evidence, so their stored lines are not carried over.
  const reasons = new Set(
    Array.isArray(stored?.reasons) ? stored.reasons.map(String).filter((r) => !r.startsWith("premise ")) : [],
  );
  for (const e of evidence.events)
    if (e.kind === "fault" && !e.verified) reasons.add(`fault ${e.id}: ${e.detail}`);
  return [...reasons];
}

function verdictFile(
  evidence: Evidence,
  stored: Partial<VerdictFile> | null,
  outcome: Pick<VerdictFile, "verdict" | "reasons" | "premises" | "checks" | "metrics" | "reportDir">,
): VerdictFile {
  const { meta } = evidence;
  const reproduce =
    stored?.reproduce ??
    `npx lease-chaos run ${meta.scenario} --ttl-ms ${meta.ttlMs} --seed ${meta.seed}${meta.bug ? ` --bug ${meta.bug}` : ""}`;
  return {
    scenario: meta.scenario,
    runId: meta.runId,
    seed: meta.seed,
    ttlMs: meta.ttlMs,
    bug: meta.bug,
    ...outcome,
    reproduce,
  };
}

function printTable(file: VerdictFile, stored: Partial<VerdictFile> | null, wrote: boolean): void {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(
    `analyze ${file.reportDir}: ${file.scenario}, ttl ${file.ttlMs} ms, seed ${file.seed}${file.bug ? `, bug ${file.bug}` : ""}`,
  );
  log("");
  log(verdictTable(file.checks, file.verdict, file.reasons));
  log(`  metrics: ${metricsLine(file.metrics)}`);
  const was = stored?.verdict;
  if (was && was !== file.verdict)
    log(`  stored verdict was ${label(was)}; re-checked: ${label(file.verdict)}`);
  log(wrote ? `  rewrote: verdict.json, timeline.html in ${file.reportDir}` : `  report:  ${file.reportDir}`);
}

function label(v: Verdict | string): string {
  return String(v).toUpperCase();
}
