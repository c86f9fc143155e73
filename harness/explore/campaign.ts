// An explore campaign: schedules drawn from a seed (schedule i from seed + i, so shards split the
// seed space), each run on the profile's workers and judged by every check; a run whose faults did
// not all take effect is no evidence, never a finding. A failing run is shrunk to a minimal
// schedule that still fails the same check, and kept as a finding (deduplicated by check and
// shape). Coverage of primitive x target x phase biases the next draws toward what is untried.
import fs from "node:fs";
import path from "node:path";
import type { Verdict } from "../checks/check.ts";
import type { DockerImages } from "../env/docker/images.ts";
import type { LocalPool } from "../env/local/pool.ts";
import type { ProviderChoice } from "../env/start-environment.ts";
import { leasesOf, type Profile } from "../profile/profile.ts";
import { type RunResult, runScenario } from "../run/run-scenario.ts";
import { timingsFor } from "../run/timing.ts";
import { tolerableRoundTripMs, workerTimingsOf } from "../run/tolerance.ts";
import { Coverage, universe } from "./coverage.ts";
import { type Finding, findingKey, writeFinding } from "./finding.ts";
import { drawCandidates, type ExploreSpace, scheduleArbitrary } from "./generate.ts";
import { availablePrimitives, primitiveSpec } from "./primitives.ts";
import { type Firing, faultsApplied, firedWaitsMs, scheduleScenario } from "./runner.ts";
import { describeEvent, type Primitive, type Schedule, shapeOf } from "./schedule.ts";
import { type Attempt, shrinkSchedule } from "./shrink.ts";

/** How to explore. */
export interface ExploreOptions {
  profile: Profile;
  ttlMs: number;
  seed: number;
  /** stop drawing after this many schedules */
  runs?: number;
  /** stop drawing after this many minutes */
  minutes?: number;
  /** the primitives to draw from (default: every one the profile can take) */
  faults?: Primitive[];
  maxFaults?: number;
  /** schedules run side by side */
  jobs?: number;
  /** shard i of n: schedules i ≡ index - 1 (mod count) */
  shard?: { index: number; count: number };
  /** a candidate fails when it fails the same check in one of k tries */
  tries?: number;
  /** how long a shrink may go on (default 10 minutes) */
  shrinkMinutes?: number;
  /** how many candidates a shrink may try (default 60) */
  shrinkCandidates?: number;
  /** one of the profile's variants on every run */
  bug?: string | null;
  reportDir: string;
  provider?: ProviderChoice;
  toxiproxyUrl?: string;
  images?: Partial<DockerImages>;
  pool?: LocalPool;
  /** stop drawing once this many findings are kept (a benchmark's time to the first finding) */
  stopAfterFindings?: number;
  /** candidates drawn per schedule; the one with the most untried combinations runs (default 6) */
  candidates?: number;
  progress?: (line: string) => void;
  /** the command line a finding's replay starts with (its options), e.g. `npx lease-chaos run --config x` */
  reproducePrefix?: (findingFile: string, seed: number) => string;
}

/** What summary.json of an explore campaign says it is (merge tells it from a run's or matrix's). */
export const EXPLORE_SUMMARY_KIND = "lease-chaos explore";

/** What a campaign found and covered. */
export interface ExploreSummary {
  kind?: typeof EXPLORE_SUMMARY_KIND;
  seed: number;
  shard?: { index: number; count: number };
  runs: number;
  passed: number;
  /** runs whose faults did not all take effect, or that could not be judged */
  noEvidence: number;
  failedRuns: number;
  findings: Finding[];
  wallMs: number;
  runsPerMinute: number;
  /** ms from the start to the first failing run, null when none */
  firstFailureMs: number | null;
  coverage: { tried: number; of: number; combos: Record<string, number> };
  /** a drawn schedule's wall over its own waits (its faults' triggers and holds, then ttl/2): median and 90th percentile */
  wallPerWaits?: { median: number; p90: number };
  /** the schedule seeds this campaign ran (a shard's share of the seed space) */
  seeds: number[];
  reportDir: string;
}

/**
 * A campaign's verdict: fail on a finding or a failing run, pass when at least one run was judged
 * and passed, else unknown (a campaign of runs that were all no evidence proves nothing).
 */
export function campaignVerdict(s: Pick<ExploreSummary, "findings" | "failedRuns" | "passed">): Verdict {
  if (s.findings.length > 0 || s.failedRuns > 0) return "fail";
  return s.passed > 0 ? "pass" : "unknown";
}

/** The q-quantile of xs (nearest rank), rounded to 2 decimals. */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? 0) * 100) / 100;
}

/** The primitives a profile's run on `provider` can take, of `wanted` (default all). */
export function primitivesFor(
  profile: Profile,
  lease: string,
  wanted?: Primitive[],
  provider = "local",
): Primitive[] {
  const role = profile.roles.find((r) => r.lease === lease) ?? profile.roles[0];
  const ctx = { profile, lease, role: role as NonNullable<typeof role> };
  return (wanted ?? availablePrimitives()).filter((p) => {
    const spec = primitiveSpec(p);
    return (spec.needs?.(ctx) ?? []).length === 0 && (!spec.providers || spec.providers.includes(provider));
  });
}

/** Runs a campaign; resolves with its summary (also written to summary.json in the report folder). */
export async function explore(options: ExploreOptions): Promise<ExploreSummary> {
  const began = Date.now();
  const log = options.progress ?? (() => {});
  const { profile, ttlMs } = options;
  const leases = leasesOf(profile);
  const primitives = primitivesFor(profile, leases[0] as string, options.faults, options.provider ?? "local");
  if (primitives.length === 0) throw new TypeError("explore: no fault primitive can run on this profile");
  // The tightest margin of the leases' workers bounds how slow a drawn clock may run.
  const workers = profile.roles.map((r) => workerTimingsOf(r, timingsFor(ttlMs)));
  const margins = workers.map((w) => w.safetyMarginMs / w.ttlMs);
  // Late replies: one way over half the tolerable round trip, under the tightest statement
  // timeout (or renew budget) of the leases' workers.
  const lateMin = Math.max(1, ...workers.map((w) => Math.ceil(tolerableRoundTripMs(w).ms / 2)));
  const lateMax = Math.min(
    ...workers.map((w) =>
      Math.round(
        0.9 * (w.statementTimeoutMs ?? w.ttlMs - w.safetyMarginMs - (w.renewIntervalMs ?? w.ttlMs / 2)),
      ),
    ),
  );
  const space: ExploreSpace = {
    primitives,
    leases,
    ttlMs,
    caps: profile.capabilities,
    maxFaults: options.maxFaults ?? 3,
    slowestRate: Math.round((1 - Math.min(...margins) / 2) * 1000) / 1000,
    ...(lateMax > lateMin ? { lateReplyMs: { min: lateMin, max: lateMax } } : {}),
  };
  const arb = scheduleArbitrary(space);
  const coverage = new Coverage(universe(primitives));
  const tries = options.tries ?? 3;
  const jobs = Math.max(1, options.jobs ?? 1);
  const deadline =
    options.minutes !== undefined ? began + options.minutes * 60_000 : Number.POSITIVE_INFINITY;
  const maxRuns = options.runs ?? (options.minutes === undefined ? 20 : Number.POSITIVE_INFINITY);
  const root = options.reportDir;
  fs.mkdirSync(path.join(root, "runs"), { recursive: true });
  const journal = path.join(root, "runs.jsonl");
  const findings: Finding[] = [];
  const keys = new Set<string>();
  const seeds: number[] = [];
  let runs = 0;
  let passed = 0;
  let noEvidence = 0;
  let failedRuns = 0;
  let firstFailureMs: number | null = null;
  let next = 0;
  const shard = options.shard;
  const elapsed = () => {
    const s = Math.round((Date.now() - began) / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  };
  const ratios: number[] = [];
  const perMinute = () => (runs === 0 ? 0 : runs / Math.max(1 / 60, (Date.now() - began) / 60_000));

  // One run of a schedule, judged; its folder is kept unless it passed. Once a run has brought the
  // workers up, a later bring-up that fails is that run's no evidence, not bad input.
  let proven = false;
  const attempt = async (schedule: Schedule, seed: number, dir: string, firings: Firing[]) => {
    const result = await runScenario(scheduleScenario(schedule, { firings }), {
      workersProven: proven,
      ttlMs,
      bug: options.bug ?? null,
      seed,
      profile,
      lease: schedule.lease ?? (leases[0] as string),
      reportDir: dir,
      provider: options.provider ?? "local",
      ...(options.toxiproxyUrl ? { toxiproxyUrl: options.toxiproxyUrl } : {}),
      ...(options.images ? { images: options.images } : {}),
      ...(options.pool ? { pool: options.pool } : {}),
      progress: () => {},
      reproduce: (s) => options.reproducePrefix?.(path.join(dir, "schedule.json"), s) ?? "",
    });
    if (result.verdict !== "skipped") proven = true;
    fs.writeFileSync(path.join(dir, "schedule.json"), `${JSON.stringify(schedule, null, 2)}\n`);
    const applied = faultsApplied(schedule, firings, result.reasons);
    const failed = result.checks.filter((c) => c.verdict === "fail").map((c) => c.id);
    if (result.verdict === "pass") fs.rmSync(dir, { recursive: true, force: true });
    return { result, applied, failed };
  };

  const lane = async () => {
    for (;;) {
      if (runs >= maxRuns || Date.now() >= deadline) return;
      if (options.stopAfterFindings !== undefined && findings.length >= options.stopAfterFindings) return;
      // Schedule i of the seed space; a shard takes every count-th one.
      let i = next++;
      if (shard) {
        i = i * shard.count + (shard.index - 1);
      }
      if (runs >= maxRuns) return;
      runs += 1;
      const seed = options.seed + i;
      seeds.push(seed);
      const drawn = drawCandidates(arb, seed, options.candidates ?? 6);
      const chosen = drawn.reduce((best, v) =>
        coverage.novelty(v.value_) > coverage.novelty(best.value_) ? v : best,
      );
      const schedule = chosen.value_;
      const dir = path.join(root, "runs", `${String(i).padStart(5, "0")}-seed${seed}`);
      const firings: Firing[] = [];
      const t0 = Date.now();
      const { result, applied, failed } = await attempt(schedule, seed, dir, firings);
      coverage.record(firings);
      const waits = firedWaitsMs(firings, { ttlMs });
      if (waits && applied) ratios.push((Date.now() - t0) / waits);
      const outcome =
        result.verdict === "pass" ? "pass" : applied && failed.length ? "FINDING" : "no evidence";
      if (outcome === "pass") passed += 1;
      else if (outcome === "no evidence") noEvidence += 1;
      else failedRuns += 1;
      fs.appendFileSync(
        journal,
        `${JSON.stringify({ i, seed, verdict: result.verdict, outcome, failed, wallMs: Date.now() - t0, schedule, reasons: result.reasons })}\n`,
      );
      log(
        `[${elapsed()}] #${i} seed ${seed}: ${outcome === "FINDING" ? `FAIL ${failed.join(", ")}` : outcome === "pass" ? "pass" : `no evidence (${(result.reasons[0] ?? result.verdict).slice(0, 120)})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${schedule.faults.map(describeEvent).join("; ")}`,
      );
      log(
        `          ${runs} run(s), ${findings.length} finding(s), ${perMinute().toFixed(1)} runs/min, ${coverage.summary()}`,
      );
      if (outcome !== "FINDING") continue;
      firstFailureMs ??= Date.now() - began;
      const foundAfterMs = Date.now() - began;
      const check = failed[0] as string;
      if (keys.has(findingKey(check, schedule))) {
        log(`          ${check} under ${shapeOf(schedule)}: already a finding, not shrunk again`);
        continue;
      }
      await keep(chosen, check, seed, result, foundAfterMs, dir);
    }
  };

  // Shrinks a failure, replays the result k times, and keeps it unless a finding of its kind exists.
  const keep = async (
    chosen: ReturnType<typeof drawCandidates>[number],
    check: string,
    seed: number,
    result: RunResult,
    foundAfterMs: number,
    firstDir: string,
  ) => {
    const n = findings.length + 1;
    const fdir = path.join(root, "findings", `${String(n).padStart(2, "0")}-${check}`);
    let tryNo = 0;
    const shrinkAttempt = async (s: Schedule, label: string): Promise<Attempt> => {
      tryNo += 1;
      const firings: Firing[] = [];
      const r = await attempt(
        s,
        seed + tryNo - 1,
        path.join(fdir, "tries", String(tryNo).padStart(4, "0")),
        firings,
      );
      log(
        `          ${label}: ${r.failed.includes(check) && r.applied ? `fails ${check}` : r.result.verdict}`,
      );
      return { applied: r.applied, failed: r.failed };
    };
    log(`          shrinking (${tries} tries a candidate) ...`);
    const shrunk = await shrinkSchedule(
      chosen,
      arb,
      check,
      shrinkAttempt,
      {
        tries,
        parallel: jobs,
        maxCandidates: options.shrinkCandidates ?? 60,
        deadline: Date.now() + (options.shrinkMinutes ?? 10) * 60_000,
      },
      log,
    );
    // How sure: the shrunk schedule replayed k times. Shrinking walks to the edge where the failure
    // barely happens; when most replays pass there, it steps back along what it accepted (up to
    // four schedules) to one that fails in most, and keeps that (saying so). The last failing
    // replay's report and seed are the finding's.
    let best = { schedule: shrunk.schedule, failed: -1, report: null as string | null, seed, back: 0 };
    let evidenceOf = result.checks.find((c) => c.id === check);
    const chain = [...shrunk.chain].reverse().slice(0, 3);
    for (const [back, candidate] of chain.entries()) {
      let failedHere = 0;
      let reportHere: string | null = null;
      let seedHere = seed;
      for (let j = 0; j < tries; j++) {
        const dir = path.join(fdir, "replays", `${back}-${j + 1}`);
        const r = await attempt(candidate, seed + j, dir, []);
        if (r.applied && r.failed.includes(check)) {
          failedHere += 1;
          reportHere = dir;
          seedHere = seed + j;
          evidenceOf = r.result.checks.find((c) => c.id === check) ?? evidenceOf;
        }
      }
      if (failedHere > best.failed)
        best = { schedule: candidate, failed: failedHere, report: reportHere, seed: seedHere, back };
      if (failedHere * 2 >= tries) break;
      log(`          replayed ${failedHere}/${tries}: stepping back along the shrink`);
    }
    const failedReplays = Math.max(0, best.failed);
    const report = best.report;
    const kept = best.schedule;
    const key = findingKey(check, kept);
    if (keys.has(key)) {
      log(`          shrunk to a finding already kept (${key}); dropped`);
      return;
    }
    keys.add(key);
    const { schedule: edge, chain: _c, ...shrinkFacts } = shrunk;
    const finding = writeFinding(
      fdir,
      {
        kind: "lease-chaos-finding",
        check,
        shape: shapeOf(kept),
        seed: best.seed,
        ttlMs,
        profile: { name: profile.name, source: profile.source },
        provider: options.provider ?? "local",
        bug: options.bug ?? null,
        original: chosen.value_,
        schedule: kept,
        shrink: { ...shrinkFacts, ...(best.back > 0 ? { edge, steppedBack: best.back } : {}) },
        confidence: { failed: failedReplays, tries },
        evidence: {
          detail: evidenceOf?.detail ?? "",
          violations: (evidenceOf?.violations ?? []).slice(0, 5),
        },
        foundAfterMs,
        reproduce: options.reproducePrefix?.(path.join(fdir, "finding.json"), best.seed) ?? "",
        report: report ?? firstDir,
      },
      profile,
    );
    findings.push(finding);
    log(
      `          FINDING ${n}: ${check} under ${finding.shape}; ${chosen.value_.faults.length} -> ${kept.faults.length} fault(s), failed ${failedReplays}/${tries} replays${best.back ? ` (${best.back} step(s) back from the edge)` : shrunk.minimal ? "; no single fault can be removed or shortened" : shrunk.cutShort ? "; shrink cut short by its budget" : ""}`,
    );
    for (const e of kept.faults) log(`            - ${describeEvent(e)}`);
    log(`          reproduce: ${finding.reproduce}`);
  };

  await Promise.all(Array.from({ length: jobs }, () => lane()));
  const wallMs = Date.now() - began;
  const summary: ExploreSummary = {
    kind: EXPLORE_SUMMARY_KIND,
    seed: options.seed,
    ...(shard ? { shard } : {}),
    runs,
    passed,
    noEvidence,
    failedRuns,
    findings,
    wallMs,
    runsPerMinute: Math.round(perMinute() * 10) / 10,
    firstFailureMs,
    coverage: {
      tried: coverage.all.filter((k) => coverage.tried.has(k)).length,
      of: coverage.all.length,
      combos: Object.fromEntries(coverage.tried),
    },
    ...(ratios.length ? { wallPerWaits: { median: quantile(ratios, 0.5), p90: quantile(ratios, 0.9) } } : {}),
    seeds: seeds.sort((a, b) => a - b),
    reportDir: root,
  };
  fs.writeFileSync(path.join(root, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  log("");
  log(
    `explore: ${runs} run(s) in ${elapsed()}, ${summary.runsPerMinute} runs/min: ${passed} passed, ${failedRuns} failed, ${noEvidence} no evidence; ${findings.length} finding(s)`,
  );
  if (summary.wallPerWaits)
    log(
      `wall per schedule over its own waits: median ${summary.wallPerWaits.median.toFixed(2)}x, p90 ${summary.wallPerWaits.p90.toFixed(2)}x`,
    );
  log(`coverage (${coverage.summary()}; primitive x target/phase, ×runs):`);
  for (const row of coverage.table()) log(`  ${row}`);
  for (const f of findings)
    log(
      `finding: ${f.check} under ${f.shape} (${f.confidence.failed}/${f.confidence.tries}): ${path.dirname(f.scenarioFile)}`,
    );
  return summary;
}
