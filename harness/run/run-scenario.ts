import fs from "node:fs";
import path from "node:path";
import type { DockerImages } from "../env/docker/images.ts";
import { WorkerStartError } from "../env/errors.ts";
import type { LocalPool } from "../env/local/pool.ts";
import type { ProviderChoice } from "../env/start-environment.ts";
import type { Evidence } from "../observe/evidence.ts";
import { ProfileError } from "../profile/errors.ts";
import { leasesOf, type Profile, roleOfLease } from "../profile/profile.ts";
import { referenceProfile } from "../profile/reference.ts";
import { envPrefix, envValues } from "../profile/template.ts";
import { newSeed } from "../random.ts";
import { checkReportDir, type VerdictFile } from "../report/write.ts";
import { type Applicability, applicability, skipReason } from "./applicability.ts";
import { resolveKnobs } from "./knobs.ts";
import { NO_PHASES, type RunPhases } from "./phases.ts";
import { ProfileNeedError, type Progress } from "./run.ts";
import { type PlannedWorker, profileWorkers, qualifiedName, type Scenario } from "./scenario.ts";
import { Session } from "./session.ts";
import { timingsFor } from "./timing.ts";
import { workerTimingsOf } from "./tolerance.ts";

/** How to run one scenario. */
export interface RunScenarioOptions {
  ttlMs: number;
  bug: string | null;
  seed?: number;
  /** the worker profile; the reference worker's when absent */
  profile?: Profile;
  /** the lease the faults aim at; the profile's primary role's when absent */
  lease?: string;
  /** the folder for this run's events.jsonl and verdict.json; reports/<run-id>/<scenario> when absent */
  reportDir?: string;
  progress?: Progress;
  /** a running Toxiproxy server for the workers' proxies instead of our embedded one */
  toxiproxyUrl?: string;
  /** where the environment runs: local (default), docker, compose (an attached stack) or auto */
  provider?: ProviderChoice;
  /** docker provider: images instead of the defaults */
  images?: Partial<DockerImages>;
  /** local provider: a cluster and fault proxy shared with other runs (a fresh database each) */
  pool?: LocalPool;
  /** knob overrides (`--set name=value`), checked against the scenario's ranges */
  set?: Record<string, string | number>;
  /** which attempt of a --repeat this run is (JUnit names attempts apart) */
  repeat?: { index: number; count: number };
  /** the command line that repeats this run, printed on failure */
  reproduce?: (seed: number) => string;
  /**
   * the command has brought these workers up before: a bring-up that fails now (on a loaded
   * machine, a worker slower to lead than its bound) is this run's unknown, not bad input
   */
  workersProven?: boolean;
}

/** The outcome of a run: verdict.json's content plus figures for benchmarks. */
export interface RunResult extends VerdictFile {
  /** from the call to the environment stopped (verdict.json's metrics.wallMs ends at the report) */
  wallMs: number;
  envStartMs: number;
  /** where the wall time went */
  phases: RunPhases;
  evidence: Evidence;
}

/** A run's id: its local start time and seed, e.g. 20261201-103558-7. */
export function runId(seed: number): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${seed}`;
}

/** The target lease: the option, else the primary role's; a lease no role holds is a ProfileError. */
export function targetLease(profile: Profile, lease: string | undefined): string {
  const leases = leasesOf(profile);
  if (lease === undefined) return leases[0] as string;
  if (!leases.includes(lease))
    throw new ProfileError(
      `--lease ${JSON.stringify(lease)}: no role of profile ${profile.name} holds it; leases: ${leases.join(", ")}`,
    );
  return lease;
}

/** Starts the environment, runs the scenario's steps, heals, drains, checks and writes the report. */
export async function runScenario(scenario: Scenario, options: RunScenarioOptions): Promise<RunResult> {
  const began = performance.now();
  const progress = options.progress ?? (() => {});
  const profile = options.profile ?? (await referenceProfile());
  const lease = targetLease(profile, options.lease);
  const name = qualifiedName(scenario.name, lease, leasesOf(profile)[0] as string);
  if (options.bug && !profile.data.variants[options.bug])
    throw new ProfileError(
      `--bug ${JSON.stringify(options.bug)}: profile ${profile.name} has no such variant; variants: ${Object.keys(profile.data.variants).join(", ") || "none"}`,
    );
  const seed = options.seed ?? newSeed();
  const id = runId(seed);
  const reportDir = path.resolve(options.reportDir ?? path.join("reports", id, name));
  checkReportDir(reportDir);
  const applies = applicability(scenario, profile, lease);
  const base = timingsFor(options.ttlMs);
  const timings = scenario.timings ? scenario.timings(base) : base;
  const knobs = resolveKnobs(
    scenario.name,
    scenario.knobs,
    timings,
    seed,
    options.set,
    workerTimingsOf(roleOfLease(profile, lease), timings),
  );
  const planned: PlannedWorker[] = (scenario.workers ?? profileWorkers)({
    profile,
    bug: options.bug,
    lease,
    timings,
  });
  // The profile's {{env.NAME}} switches set in the harness's environment shaped this run too: they
  // go into the report and in front of the reproduce line.
  const env = envValues(profile.data);
  const line =
    options.reproduce?.(seed) ??
    `npx lease-chaos run ${name} --ttl-ms ${options.ttlMs} --seed ${seed}${options.bug ? ` --bug ${options.bug}` : ""}${options.provider && options.provider !== "local" ? ` --provider ${options.provider}` : ""}`;
  const reproduce = `${envPrefix(env.filter((v) => v.set && !line.includes(`${v.name}=`)))}${line}`;
  if (applies.status === "skipped")
    return skippedRun(applies, {
      name,
      id,
      seed,
      ttlMs: options.ttlMs,
      bug: options.bug,
      profile: profile.name,
      ...(options.repeat ? { repeat: options.repeat } : {}),
      reportDir,
      reproduce,
      lease,
      began,
      progress,
    });
  const session = await Session.open({
    name,
    runId: id,
    profile,
    lease,
    seed,
    ttlMs: options.ttlMs,
    timings,
    planned,
    bug: options.bug,
    reportDir,
    reproduce,
    progress,
    provider: options.provider ?? "local",
    began,
    knobs,
    ...(options.toxiproxyUrl ? { toxiproxyUrl: options.toxiproxyUrl } : {}),
    ...(options.images ? { images: options.images } : {}),
    ...(options.pool ? { pool: options.pool } : {}),
    ...(scenario.clockFaults ? { clockFaults: scenario.clockFaults } : {}),
    ...(scenario.checks ? { checks: scenario.checks } : {}),
    ...(scenario.premises ? { premises: scenario.premises } : {}),
    ...(applies.degraded.length ? { degraded: applies.degraded } : {}),
    ...(options.repeat ? { repeat: options.repeat } : {}),
  });
  try {
    const reasons: string[] = [];
    let voidChecks = false;
    try {
      await scenario.steps(session.run);
    } catch (err) {
      // A worker that cannot run as its profile says is bad input. But one that dies or wedges under
      // a fault, or under the clock library a clock scenario starts it with, is evidence about this
      // run: unknown with its reason, and the command goes on.
      const special =
        scenario.clockFaults !== undefined || session.run.faults.length > 0 || options.workersProven === true;
      if (err instanceof WorkerStartError && !special) throw err;
      const reason =
        err instanceof WorkerStartError && scenario.clockFaults
          ? `under libfaketime (clocks: ${scenario.clockFaults}) ${(err as Error).message}\n(a runtime that waits on absolute monotonic deadlines or sleeps with clock_nanosleep does not run under libfaketime 0.9.10: set roles.${session.run.role.name}.clockFaults, see docs/faults.md)`
          : err instanceof ProfileNeedError
            ? `${err.message} (the scenario did not declare this need: please report it)`
            : `scenario step failed: ${(err as Error).message}`;
      reasons.push(reason);
      progress(`${" ".repeat(10)}step failed: ${reason}`);
      // Workers that never came up before any fault: the checks would judge a start that failed.
      if (err instanceof WorkerStartError && session.run.faults.length === 0) {
        voidChecks = true;
        reasons.push(
          scenario.clockFaults
            ? "the checks judged workers that could not run under libfaketime: no verdict on them"
            : "the workers did not come up: no verdict on them",
        );
      }
    }
    const result = await session.finish(reasons, { voidChecks });
    await session.close();
    result.phases = session.phaseClock.phases();
    result.wallMs = performance.now() - began;
    return result;
  } finally {
    await session.close();
  }
}

/** A run that cannot apply to the profile: nothing started, a verdict.json saying why. */
function skippedRun(
  applies: Applicability,
  r: {
    name: string;
    id: string;
    seed: number;
    ttlMs: number;
    bug: string | null;
    profile: string;
    repeat?: { index: number; count: number };
    reportDir: string;
    reproduce: string;
    lease: string;
    began: number;
    progress: Progress;
  },
): RunResult {
  const reasons = [skipReason(applies)];
  r.progress(`${r.name}: skipped: ${reasons[0]}`);
  const now = Date.now();
  const file: VerdictFile = {
    scenario: r.name,
    runId: r.id,
    seed: r.seed,
    ttlMs: r.ttlMs,
    bug: r.bug,
    profile: r.profile,
    ...(r.repeat ? { repeat: r.repeat } : {}),
    verdict: "skipped",
    reasons,
    premises: [],
    checks: [],
    metrics: { wallMs: 0, envStartMs: 0 },
    reportDir: r.reportDir,
    reproduce: r.reproduce,
  };
  fs.mkdirSync(r.reportDir, { recursive: true });
  fs.writeFileSync(path.join(r.reportDir, "verdict.json"), `${JSON.stringify(file, null, 2)}\n`);
  const wallMs = performance.now() - r.began;
  return {
    ...file,
    wallMs,
    envStartMs: 0,
    phases: NO_PHASES,
    evidence: {
      meta: {
        scenario: r.name,
        runId: r.id,
        seed: r.seed,
        ttlMs: r.ttlMs,
        safetyMarginMs: 0,
        bug: r.bug,
        workers: [],
        startedAt: now,
        healedAt: null,
        observedUntil: now,
        drainBoundMs: 0,
        lease: r.lease,
      },
      events: [],
    },
  };
}
