import fs from "node:fs";
import path from "node:path";
import type { CheckResult, RunVerdict } from "../checks/check.ts";
import { UsageError } from "../errors.ts";
import type { Evidence, PremiseResult } from "../observe/evidence.ts";
import { renderTimeline } from "./timeline.ts";

/** verdict.json: the machine-readable outcome of one scenario run. */
export interface VerdictFile {
  scenario: string;
  runId: string;
  seed: number;
  ttlMs: number;
  bug: string | null;
  /** the worker profile's name (absent in reports of versions before it was recorded) */
  profile?: string;
  /** which attempt of a --repeat this run was (absent for a single run) */
  repeat?: { index: number; count: number };
  verdict: RunVerdict;
  /**
   * why the verdict is unknown when no check decided it (a fault not applied, a step that timed out,
   * a premise), or why the run was skipped (the profile entries the scenario needs)
   */
  reasons: string[];
  /** the run ran degraded: what the scenario did differently for this worker and what its checks could not judge */
  degraded?: string[];
  /** the scenario's premises and whether each held */
  premises?: PremiseResult[];
  checks: CheckResult[];
  metrics: Record<string, number | null>;
  reportDir: string;
  reproduce: string;
}

/**
 * Refuses a report folder in a pseudo file system (/proc, /sys, /dev): creating folders there can
 * spin forever in Node's recursive mkdir, and nothing could be kept there anyway.
 */
export function checkReportDir(dir: string): void {
  if (/^\/(proc|sys|dev)(\/|$)/.test(path.resolve(dir)))
    throw new UsageError(
      `the report folder ${path.resolve(dir)} lies in /${path.resolve(dir).split("/")[1]}, which holds no reports`,
    );
}

/** Writes events.jsonl (meta first, then every event in time order) and verdict.json. */
export function writeReport(dir: string, evidence: Evidence, verdict: VerdictFile): void {
  fs.mkdirSync(dir, { recursive: true });
  const lines = [
    JSON.stringify({ kind: "meta", ...evidence.meta }),
    ...evidence.events.map((e) => JSON.stringify(e)),
  ];
  fs.writeFileSync(path.join(dir, "events.jsonl"), `${lines.join("\n")}\n`);
  fs.writeFileSync(path.join(dir, "verdict.json"), `${JSON.stringify(verdict, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, "timeline.html"), renderTimeline(evidence, verdict));
}

/** Reads a stored run back: the evidence any check can be re-run on. */
export function readEvidence(dir: string): Evidence {
  const text = fs.readFileSync(path.join(dir, "events.jsonl"), "utf8");
  const [first, ...rest] = text.split("\n").filter((l) => l.trim());
  if (!first) throw new Error(`${dir}/events.jsonl is empty`);
  const { kind: _kind, ...meta } = JSON.parse(first);
  return { meta, events: rest.map((l) => JSON.parse(l)) };
}
