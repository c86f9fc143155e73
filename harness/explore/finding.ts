// A finding a team can keep: the original and the shrunk schedule, the failing check with its
// evidence, the shrunk run's report (its timeline), a reproduce line and a scenario file to drop
// into the team's own repo and run with lease-chaos/vitest.
import fs from "node:fs";
import path from "node:path";
import type { CheckResult } from "../checks/check.ts";
import type { Profile } from "../profile/profile.ts";
import type { FINDING_KIND } from "./file.ts";
import { describeEvent, type Schedule, shapeOf } from "./schedule.ts";
import type { ShrinkResult } from "./shrink.ts";

/** What finding.json holds. */
export interface Finding {
  kind: typeof FINDING_KIND;
  /** the check that failed */
  check: string;
  /** the shrunk schedule's shape (findings are deduplicated by check and shape) */
  shape: string;
  /** the seed the schedule was drawn from and first failed with */
  seed: number;
  ttlMs: number;
  profile: { name: string; source: string };
  provider: string;
  bug: string | null;
  /** the schedule as drawn */
  original: Schedule;
  /** the shrunk schedule: what `run --schedule finding.json` replays */
  schedule: Schedule;
  /** the shrink's figures; `edge` is where it ended when the finding steps back from it (`steppedBack` schedules) to one that fails more often */
  shrink: Omit<ShrinkResult, "schedule" | "chain"> & { edge?: Schedule; steppedBack?: number };
  /** how often the shrunk schedule failed the check when replayed k times at the end */
  confidence: { failed: number; tries: number };
  /** the failing check as the shrunk run judged it (first violations) */
  evidence: Pick<CheckResult, "detail" | "violations">;
  /** ms from the campaign's start to the first failing run of this finding */
  foundAfterMs: number;
  reproduce: string;
  /** the folder of the shrunk failing run's report (events.jsonl, verdict.json, timeline.html) */
  report: string;
  /** the exported scenario file */
  scenarioFile: string;
}

/** The dedup key: the check and the shrunk schedule's shape. */
export function findingKey(check: string, schedule: Schedule): string {
  return `${check}:${shapeOf(schedule)}`;
}

/** A scenario file for the team's own repo: replays the shrunk schedule through lease-chaos/vitest. */
export function scenarioFile(f: Omit<Finding, "scenarioFile" | "report">, configPath: string | null): string {
  const profile = configPath
    ? `await loadProfileFile(${JSON.stringify(configPath)})`
    : "await referenceProfile()";
  const imports = configPath
    ? "loadProfileFile, parseSchedule, scheduleScenario"
    : "parseSchedule, referenceProfile, scheduleScenario";
  return `// Found by lease-chaos explore: ${f.check} fails under this fault schedule (seed ${f.seed}, ttl ${f.ttlMs} ms,
// profile ${f.profile.name}${f.bug ? `, variant ${f.bug}` : ""}). Shrunk from ${f.original.faults.length} fault(s) to ${f.schedule.faults.length};
// it failed ${f.confidence.failed} of ${f.confidence.tries} replays. It passes once the bug is fixed:
${f.schedule.faults.map((e, i) => `//   ${i + 1}. ${describeEvent(e)}`).join("\n")}
import { ${imports} } from "lease-chaos";
import { expect, test } from "lease-chaos/vitest";

const schedule = parseSchedule(${JSON.stringify(f.schedule, null, 2).replace(/\n/g, "\n")});

test("explore finding: ${f.check} under ${f.shape}", { timeout: 120_000 }, async ({ leaseChaos }) => {
  const profile = ${profile};
  const result = await leaseChaos.run(scheduleScenario(schedule), {
    profile,
    seed: ${f.seed},
    ttlMs: ${f.ttlMs},${f.schedule.lease ? `\n    lease: ${JSON.stringify(f.schedule.lease)},` : ""}${f.bug ? `\n    bug: ${JSON.stringify(f.bug)},` : ""}
  });
  expect(result).toPassEveryCheck();
});
`;
}

/** Writes a finding's folder: finding.json, schedule.json (the shrunk one), the scenario file. */
export function writeFinding(dir: string, f: Omit<Finding, "scenarioFile">, profile: Profile): Finding {
  fs.mkdirSync(dir, { recursive: true });
  const configPath = profile.source.startsWith("built-in")
    ? null
    : path.relative(process.cwd(), profile.source);
  const file = path.join(dir, `${f.check}.test.ts`);
  fs.writeFileSync(file, scenarioFile(f, configPath));
  const finding: Finding = { ...f, scenarioFile: file };
  fs.writeFileSync(path.join(dir, "finding.json"), `${JSON.stringify(finding, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, "schedule.json"), `${JSON.stringify(f.schedule, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, "original.json"), `${JSON.stringify(f.original, null, 2)}\n`);
  return finding;
}

/** A finding as a JUnit entry: a suite by check and shape (never the seed), failing with its evidence. */
export function findingJunitEntry(f: Finding) {
  return {
    result: {
      scenario: `explore: ${f.check} under ${f.shape}`,
      runId: "",
      seed: f.seed,
      ttlMs: f.ttlMs,
      bug: f.bug,
      verdict: "fail" as const,
      reasons: [],
      checks: [
        {
          id: f.check,
          verdict: "fail" as const,
          detail: f.evidence.detail,
          violations: f.evidence.violations,
        },
      ],
      metrics: {},
      reportDir: f.report,
      reproduce: f.reproduce,
    },
  };
}
