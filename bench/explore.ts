// Figures for explore with no named scenario: for each bug variant of a profile and each seed, the
// minutes to the first failing run and the size of its shrunk schedule; then the reference worker
// explored for some minutes per seed, which must find nothing. Prints figures and targets; nothing
// is asserted. Results also go to bench-explore.json in the report folder.
// Usage: npm run bench:explore -- [--config FILE] [--variants a,b] [--seeds 3] [--seed S]
//        [--minutes 10] [--shrink-minutes 3] [--reference-minutes 30] [--reference-seeds 2]
//        [--jobs N] [--ttl-ms 2000] [--report-dir DIR]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { profileFromOption } from "../harness/cli/profile-option.ts";
import { LocalPool } from "../harness/env/local/pool.ts";
import { type ExploreSummary, explore } from "../harness/explore/campaign.ts";
import { type Firing, faultsApplied, scheduleScenario } from "../harness/explore/runner.ts";
import type { Schedule } from "../harness/explore/schedule.ts";
import { leasesOf } from "../harness/profile/profile.ts";
import { runScenario } from "../harness/run/run-scenario.ts";

const { values } = parseArgs({
  options: {
    config: { type: "string" },
    variants: { type: "string" },
    seeds: { type: "string", default: "3" },
    seed: { type: "string", default: "1" },
    minutes: { type: "string", default: "10" },
    "shrink-minutes": { type: "string", default: "3" },
    "reference-minutes": { type: "string", default: "30" },
    "reference-seeds": { type: "string", default: "2" },
    jobs: { type: "string", default: "1" },
    "ttl-ms": { type: "string", default: "2000" },
    "report-dir": { type: "string" },
  },
});
const profile = await profileFromOption(values.config);
const variants = values.variants?.split(",").filter(Boolean) ?? Object.keys(profile.data.variants);
const seeds = Number(values.seeds);
const firstSeed = Number(values.seed);
const minutes = Number(values.minutes);
const refMinutes = Number(values["reference-minutes"]);
const refSeeds = Number(values["reference-seeds"]);
const jobs = Number(values.jobs);
const ttlMs = Number(values["ttl-ms"]);
const root = values["report-dir"] ?? fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-bench-explore-"));
fs.mkdirSync(root, { recursive: true });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] as number) : Number.NaN;
};
const min = (ms: number | null) => (ms === null ? "not found" : `${(ms / 60_000).toFixed(2)} min`);
const rows: Record<string, unknown>[] = [];
const out = path.join(root, "bench-explore.json");
const save = () =>
  fs.writeFileSync(out, `${JSON.stringify({ profile: profile.name, ttlMs, jobs, rows }, null, 2)}\n`);

console.log(
  `explore bench: profile ${profile.name}, ${variants.length} variant(s) x ${seeds} seed(s) from ${firstSeed}, up to ${minutes} min each, shrink up to ${values["shrink-minutes"]} min, jobs ${jobs}, ttl ${ttlMs} ms; ${os.cpus().length} cores, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}; reports in ${root}`,
);
const pool = await LocalPool.start({ seed: firstSeed });

// The control of a finding: its shrunk schedule on the correct worker (no bug), 3 times, on the
// finding's seed, then seed + 1 and seed + 2. A schedule the correct worker fails too blames the
// harness, not the variant: the row says how many replays failed the finding's check there (by the
// campaign's rule: every fault applied) and how many were no evidence (which prove nothing).
const onReference = async (schedule: Schedule, check: string, seed: number, dir: string) => {
  let failed = 0;
  let noEvidence = 0;
  const tries = 3;
  for (let k = 0; k < tries; k++) {
    const firings: Firing[] = [];
    const result = await runScenario(scheduleScenario(schedule, { firings }), {
      ttlMs,
      bug: null,
      seed: seed + k,
      profile,
      lease: schedule.lease ?? (leasesOf(profile)[0] as string),
      reportDir: path.join(dir, `reference-${k}`),
      provider: "local",
      pool,
      progress: () => {},
    });
    if (!faultsApplied(schedule, firings, result.reasons)) noEvidence += 1;
    else if (result.checks.some((c) => c.id === check && c.verdict === "fail")) failed += 1;
    else if (result.verdict === "pass")
      fs.rmSync(path.join(dir, `reference-${k}`), { recursive: true, force: true });
  }
  return { failed, noEvidence, tries };
};
try {
  for (const bug of variants) {
    const found: (number | null)[] = [];
    for (let s = 0; s < seeds; s++) {
      const seed = firstSeed + s * 100_000;
      const summary: ExploreSummary = await explore({
        profile,
        ttlMs,
        seed,
        bug,
        minutes,
        stopAfterFindings: 1,
        shrinkMinutes: Number(values["shrink-minutes"]),
        jobs,
        pool,
        reportDir: path.join(root, bug, `seed-${seed}`),
      });
      const f = summary.findings[0];
      found.push(summary.firstFailureMs);
      const control = f
        ? await onReference(f.schedule, f.check, f.seed, path.join(root, bug, `seed-${seed}`))
        : null;
      rows.push({
        kind: "variant",
        bug,
        seed,
        firstFailureMs: summary.firstFailureMs,
        runs: summary.runs,
        noEvidence: summary.noEvidence,
        runsPerMinute: summary.runsPerMinute,
        wallPerWaits: summary.wallPerWaits ?? null,
        check: f?.check ?? null,
        expected: profile.data.variants[bug]?.caughtBy.map((c) => c.check) ?? [],
        shrunkFaults: f?.schedule.faults.length ?? null,
        originalFaults: f?.original.faults.length ?? null,
        minimal: f?.shrink.minimal ?? null,
        confidence: f?.confidence ?? null,
        shape: f?.shape ?? null,
        referenceFailed: control,
      });
      save();
      console.log(
        `  ${bug.padEnd(28)} seed ${String(seed).padEnd(7)} first failure ${min(summary.firstFailureMs).padEnd(10)} after ${summary.runs} run(s) (${summary.noEvidence} no evidence, ${summary.runsPerMinute} runs/min)${f ? `: ${f.check}, ${f.original.faults.length} -> ${f.schedule.faults.length} fault(s) ${f.shape}, ${f.confidence.failed}/${f.confidence.tries} replays${f.shrink.minimal ? ", minimal" : ""}; on the correct worker it fails ${control?.failed}/${control?.tries} (target 0${control?.noEvidence ? `; ${control.noEvidence} no evidence` : ""})` : ""}`,
      );
    }
    const hit = found.filter((x): x is number => x !== null);
    console.log(
      `  ${"".padEnd(28)} => found ${hit.length}/${seeds}; median ${hit.length ? min(median(hit)) : "-"}, max ${hit.length === seeds ? min(Math.max(...hit)) : "not found in every seed"} (target: every seed within ${minutes} min, shrunk to at most 3 faults)`,
    );
  }
  for (let s = 0; s < (refMinutes > 0 ? refSeeds : 0); s++) {
    const seed = firstSeed + 7_000_000 + s;
    const summary = await explore({
      profile,
      ttlMs,
      seed,
      minutes: refMinutes,
      shrinkMinutes: Number(values["shrink-minutes"]),
      jobs,
      pool,
      reportDir: path.join(root, "reference", `seed-${seed}`),
    });
    rows.push({
      kind: "reference",
      seed,
      minutes: refMinutes,
      runs: summary.runs,
      passed: summary.passed,
      noEvidence: summary.noEvidence,
      failedRuns: summary.failedRuns,
      findings: summary.findings.map((f) => ({
        check: f.check,
        shape: f.shape,
        dir: path.dirname(f.scenarioFile),
      })),
      runsPerMinute: summary.runsPerMinute,
      wallPerWaits: summary.wallPerWaits ?? null,
      coverage: `${summary.coverage.tried}/${summary.coverage.of}`,
    });
    save();
    console.log(
      `  reference seed ${seed}: ${refMinutes} min, ${summary.runs} run(s) (${summary.passed} passed, ${summary.noEvidence} no evidence, ${summary.failedRuns} failed), ${summary.findings.length} finding(s) (target 0), ${summary.runsPerMinute} runs/min, wall/waits median ${summary.wallPerWaits?.median ?? "-"}x p90 ${summary.wallPerWaits?.p90 ?? "-"}x (target 1.3x), coverage ${summary.coverage.tried}/${summary.coverage.of}`,
    );
  }
} finally {
  await pool.stop();
}
console.log(`results: ${out}`);
