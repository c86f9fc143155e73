import path from "node:path";
import type { CheckResult, Verdict } from "../checks/check.ts";
import { drainHoldMs } from "../checks/progress-after-heal.ts";
import { runChecks, summarizeMetrics, worstVerdict } from "../checks/registry.ts";
import type { DockerImages } from "../env/docker/images.ts";
import { WorkerStartError } from "../env/errors.ts";
import type { LocalPool } from "../env/local/pool.ts";
import type { StartedEnvironment, WorkerLaunch } from "../env/provider.ts";
import { type ProviderChoice, startEnvironment } from "../env/start-environment.ts";
import { appName, sampleActivity } from "../observe/activity.ts";
import { lineParser } from "../observe/adapters/log-line.ts";
import type { BacklogSample, Evidence, EvidenceEvent, RunMeta, WorkerSpec } from "../observe/evidence.ts";
import { Observer } from "../observe/observer.ts";
import { Recorder } from "../observe/recorder.ts";
import { Workload } from "../observe/workload.ts";
import { packageJson } from "../paths.ts";
import { ProfileError } from "../profile/errors.ts";
import { leasesOf, type Profile, type ProfileRole } from "../profile/profile.ts";
import { referenceProfile } from "../profile/reference.ts";
import { newSeed, seededRandom } from "../random.ts";
import { LiveReport } from "../report/live.ts";
import { checkReportDir, type VerdictFile, writeReport } from "../report/write.ts";
import { resolveKnobs } from "./knobs.ts";
import { evaluatePremises } from "./premises.ts";
import { ProfileNeedError, type Progress, Run } from "./run.ts";
import { type PlannedWorker, profileWorkers, qualifiedName, type Scenario } from "./scenario.ts";
import { type Timings, throughputPerSecond, timingsFor, timingValues } from "./timing.ts";

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
  set?: Record<string, string>;
  /** the command line that repeats this run, printed on failure */
  reproduce?: (seed: number) => string;
}

/** The outcome of a run: verdict.json's content plus figures for benchmarks. */
export interface RunResult extends VerdictFile {
  wallMs: number;
  envStartMs: number;
  evidence: Evidence;
}

// Lines worth narrating while a run goes on: what the runbook asks the operator to grep for.
const NARRATED = new Set(["leader", "expired-locally", "lease-lost"]);

function runId(seed: number): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${seed}`;
}

function clock(ts: number, t0: number): string {
  return `[${`+${((ts - t0) / 1000).toFixed(1)}`.padStart(6)}s]`;
}

function narrate(event: EvidenceEvent, t0: number, progress: Progress): void {
  if (event.kind === "worker-log" && event.means && NARRATED.has(event.means)) {
    const epoch = event.epoch === undefined ? "" : ` (epoch ${event.epoch})`;
    progress(`${clock(event.ts, t0)}    ${event.worker}: ${event.msg}${epoch}`);
  } else if (event.kind === "process" && event.event === "exit" && !event.expected) {
    progress(
      `${clock(event.ts, t0)}    ${event.worker}: exited unexpectedly (code ${event.code}, signal ${event.signal})`,
    );
  }
}

/** The margin a worker keeps before expires_at: the harness's when its env is told it, else what the profile declares. */
function marginFor(role: ProfileRole, t: Timings): number {
  return role.takesSafetyMargin ? t.safetyMarginMs : (role.safetyMarginMs ?? 0);
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
  const started = performance.now();
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
  const base = timingsFor(options.ttlMs);
  const timings = scenario.timings ? scenario.timings(base) : base;
  const knobs = resolveKnobs(scenario.name, scenario.knobs, timings, seed, options.set);
  const planned: PlannedWorker[] = (scenario.workers ?? profileWorkers)({
    profile,
    bug: options.bug,
    lease,
    timings,
  });
  const roleOf = (w: WorkerSpec) => profile.roles.find((r) => r.name === w.role) as ProfileRole;
  const workers: WorkerSpec[] = planned.map(({ overrides, delayed: _d, ...w }) => {
    const t = { ...timings, ...overrides };
    const role = roleOf(w);
    return { ...w, ttlMs: role.ttlMs ?? t.ttlMs, safetyMarginMs: marginFor(role, t) };
  });
  const reproduce =
    options.reproduce?.(seed) ??
    `npx lease-chaos run ${name} --ttl-ms ${options.ttlMs} --seed ${seed}${options.bug ? ` --bug ${options.bug}` : ""}${options.provider && options.provider !== "local" ? ` --provider ${options.provider}` : ""}`;

  const recorder = new Recorder();
  const t0 = Date.now();
  progress(
    `${name}: profile ${profile.name}, ttl ${options.ttlMs} ms, seed ${seed}${options.bug ? `, bug ${options.bug}` : ""}; times count from ${new Date(t0).toISOString()}`,
  );
  const live = new LiveReport(reportDir, () => ({
    scenario: name,
    runId: id,
    seed,
    ttlMs: timings.ttlMs,
    bug: options.bug,
    reportDir,
    reproduce,
  }));
  live.meta({
    scenario: name,
    runId: id,
    seed,
    ttlMs: timings.ttlMs,
    bug: options.bug,
    workers,
    startedAt: t0,
    lease,
  });
  const unsubscribe = recorder.subscribe((e) => {
    narrate(e, t0, progress);
    live.record(e);
  });
  const reasons: string[] = [];
  let env: StartedEnvironment | null = null;
  let observer: Observer | null = null;
  let workload: Workload | null = null;
  let activityTimer: NodeJS.Timeout | null = null;
  try {
    const chosen = await startEnvironment({
      provider: options.provider ?? "local",
      sink: recorder.record,
      seed,
      profile,
      workerSlots: workers.length + 2,
      say: progress,
      ...(options.toxiproxyUrl ? { toxiproxyUrl: options.toxiproxyUrl } : {}),
      ...(options.images ? { images: options.images } : {}),
      ...(options.pool && (options.provider ?? "local") === "local" ? { pool: options.pool } : {}),
    });
    const envRun = chosen.env;
    env = envRun;
    progress(`${clock(Date.now(), t0)} ${chosen.ready}`);
    observer = await Observer.connect(envRun.observerDb, profile);
    const obs = observer;
    const schema = await obs.applySchema();
    progress(`${" ".repeat(10)}${schema}`);
    const selfMigrating = profile.data.schema.migratesItself !== undefined;
    let observedFrom: number | undefined;
    if (!selfMigrating) await obs.observe(recorder.record);
    if (envRun.attached) observedFrom = Date.now();

    const launchOf = (spec: WorkerSpec, extra = false): WorkerLaunch => {
      const role = roleOf(spec);
      const plannedWorker = planned.find((p) => p.id === spec.id);
      const t = { ...timings, ...plannedWorker?.overrides, ...(role.ttlMs ? { ttlMs: role.ttlMs } : {}) };
      const variant = spec.bug ? profile.data.variants[spec.bug] : undefined;
      return {
        spec: extra ? { ...spec, extra: true } : spec,
        role,
        values: {
          ...timingValues(t),
          workloadId: spec.id,
          leaseName: role.lease,
          role: role.name,
          bug: spec.bug ?? "",
          configDir: profile.dir,
        },
        variantEnv: { PGAPPNAME: appName(spec.id), ...(variant?.env ?? {}) },
        parser: lineParser(role.logs, profile.data.lines),
        ...(scenario.clockFaults && spec.leaseName === lease ? { clockFaults: scenario.clockFaults } : {}),
      };
    };
    // Every role gets work; the backlog is sampled on the database clock.
    const perSecond = throughputPerSecond(timings);
    workload = new Workload(obs, recorder, {
      random: seededRandom(seed),
      roles: profile.roles.filter((r) => r.work.enqueue).map((r) => r.name),
      initialItems: Math.max(5, Math.round(perSecond / 2)),
      produceEveryMs: Math.max(50, Math.round(3000 / perSecond)),
      sampleEveryMs: Math.max(25, Math.round(timings.ttlMs / 20)),
    });
    await workload.start();
    const startedAt = t0;
    // Workers a scenario delays start once their lease has a holder (another instance leads first).
    const delayed = new Set(planned.filter((p) => p.delayed).map((p) => p.id));
    await Promise.all(
      workers.filter((w) => !delayed.has(w.id)).map((spec) => envRun.startWorker(launchOf(spec))),
    );
    for (const leaseName of new Set(workers.filter((w) => delayed.has(w.id)).map((w) => w.leaseName))) {
      await recorder.seenOrNext(
        (e): e is EvidenceEvent =>
          e.kind === "lease-change" && e.leaseName === leaseName && e.holder !== null,
        `a holder of ${leaseName} before starting the rest`,
        10 * timings.ttlMs,
      );
      await Promise.all(
        workers
          .filter((w) => delayed.has(w.id) && w.leaseName === leaseName)
          .map((spec) => envRun.startWorker(launchOf(spec))),
      );
    }
    if (selfMigrating) {
      await obs.waitForTables();
      await obs.observe(recorder.record);
      observedFrom = Date.now();
      progress(`${" ".repeat(10)}the workers' tables appeared; observing from ${clock(observedFrom, t0)}`);
    }
    const proxiesUrl = envRun.proxies.url;
    const trafficMode: RunMeta["traffic"] = chosen.liveTraffic ? "live" : "on-close";
    const sampleWorkers = () => envRun.workerIds().filter((k) => !k.includes("."));
    const sample = async () => {
      for (const s of await sampleActivity(obs, proxiesUrl, sampleWorkers(), (k) => envRun.proxies.nameOf(k)))
        recorder.record(s);
    };
    activityTimer = setInterval(() => void sample(), Math.max(50, Math.round(timings.ttlMs / 8)));
    // Environment start: Postgres, the fault proxy, the schema and every worker process spawned.
    const envStartMs = performance.now() - started;
    const meta: Omit<RunMeta, "healedAt" | "observedUntil"> = {
      scenario: name,
      runId: id,
      seed,
      ttlMs: timings.ttlMs,
      safetyMarginMs: timings.safetyMarginMs,
      logToleranceMs: Math.max(25, Math.round(timings.ttlMs / 40)),
      bug: options.bug,
      workers,
      startedAt,
      drainBoundMs: 2 * timings.ttlMs + 5_000,
      lease,
      knobs,
      provider: envRun.provider,
      traffic: trafficMode,
      environment: environmentFacts(chosen.ready, options, profile),
      profile: { name: profile.name, source: profile.source, capabilities: profile.capabilities },
      ...(observedFrom !== undefined ? { observedFrom } : {}),
      ...(scenario.checks ? { checks: scenario.checks } : {}),
      ...(scenario.premises ? { premises: scenario.premises } : {}),
    };
    const startExtra = async (workerId: string) => {
      const spec = workers.find((w) => w.id === workerId);
      if (!spec) throw new Error(`no worker ${workerId} to start a second process of`);
      meta.workers.push({ ...spec, extra: true });
      return envRun.startWorker(launchOf(spec, true));
    };
    const run = new Run(
      meta,
      timings,
      envRun,
      recorder,
      obs,
      workload,
      profile,
      lease,
      progress,
      t0,
      startExtra,
    );
    try {
      await scenario.steps(run);
    } catch (err) {
      // A worker that cannot run as its profile says is bad input, not a verdict.
      if (err instanceof WorkerStartError || err instanceof ProfileNeedError) throw err;
      reasons.push(`scenario step failed: ${(err as Error).message}`);
      progress(`${" ".repeat(10)}step failed: ${(err as Error).message}`);
    } finally {
      reasons.push(...(await run.healAll()));
    }
    for (const f of run.faults)
      if (!f.window.verified) reasons.push(`fault ${f.window.id}: ${f.window.detail}`);

    // Drain: no new work after the heal; the backlog must reach zero on its own and stay there.
    workload.stopProducing();
    const healedAt = run.healedAt;
    const drainFrom = healedAt ?? Date.now();
    const holdMs = drainHoldMs(timings.ttlMs);
    const total = (s: BacklogSample) => Object.values(s.byLease).reduce((a, b) => a + b, 0);
    const drained = (e: EvidenceEvent): e is BacklogSample =>
      e.kind === "backlog" && e.ts >= drainFrom && total(e) === 0;
    const remainingMs = Math.max(0, drainFrom + meta.drainBoundMs - Date.now());
    if (profile.capabilities.backlog) {
      await recorder.waitFor(drained, "the backlog to drain", remainingMs).then(
        async (s) => {
          progress(`${" ".repeat(10)}backlog drained ${Math.round(s.ts - drainFrom)} ms after the heal`);
          // Held at zero for a while: one zero sample is not a drained system.
          await run.until(s.ts + holdMs + 2 * Math.max(25, Math.round(timings.ttlMs / 20)));
        },
        () => progress(`${" ".repeat(10)}backlog did not drain within ${meta.drainBoundMs} ms of the heal`),
      );
    } else {
      await run.hold(timings.ttlMs);
    }
    await sample();
    const observedUntil = Date.now();
    if (activityTimer) clearInterval(activityTimer);
    activityTimer = null;
    await Promise.all(envRun.workerIds().map((k) => envRun.stopWorker(k)));
    await workload.stop();
    await obs.flush();
    const events = [...recorder.events].sort((a, b) => eventTime(a) - eventTime(b));
    const evidence: Evidence = { meta: { ...meta, healedAt, observedUntil }, events };
    const checks: CheckResult[] = runChecks(evidence, scenario.checks);
    const premises = evaluatePremises(evidence, scenario.premises ?? []);
    for (const p of premises) if (!p.held) reasons.push(`premise ${p.id} did not hold: ${p.detail}`);
    const verdict: Verdict = worstVerdict([
      ...checks.map((c) => c.verdict),
      ...(reasons.length ? (["unknown"] as const) : []),
    ]);
    const result: RunResult = {
      scenario: name,
      runId: id,
      seed,
      ttlMs: timings.ttlMs,
      bug: options.bug,
      verdict,
      reasons,
      premises,
      checks,
      metrics: { ...summarizeMetrics(checks), wallMs: performance.now() - started, envStartMs },
      reportDir,
      reproduce,
      wallMs: performance.now() - started,
      envStartMs,
      evidence,
    };
    const { wallMs: _w, envStartMs: _e, evidence: _ev, ...file } = result;
    writeReport(reportDir, evidence, file);
    live.finish();
    return result;
  } finally {
    live.finish();
    unsubscribe();
    if (activityTimer) clearInterval(activityTimer);
    await workload?.stop();
    await observer?.close({ uninstall: env?.attached === true });
    await env?.stop();
  }
}

/** What shaped the run besides its options: the provider's line, the profile, versions, overrides. */
function environmentFacts(
  ready: string,
  options: RunScenarioOptions,
  profile: Profile,
): Record<string, string> {
  const facts: Record<string, string> = {
    provider: options.provider ?? "local",
    started: ready,
    profile: profile.source,
    "lease-chaos": packageJson().version,
    node: process.version,
  };
  if (options.toxiproxyUrl) facts.toxiproxyUrl = options.toxiproxyUrl;
  for (const [k, v] of Object.entries(process.env))
    if (/^LEASE_CHAOS_(POSTGRES|TOXIPROXY|WORKER)_IMAGE$|^LEASE_CHAOS_COMPOSE_PROJECT$/.test(k) && v)
      facts[k] = v;
  return facts;
}

/** A fault window sorts by its start; everything else by its ts. */
function eventTime(e: EvidenceEvent): number {
  return e.kind === "fault" ? e.start : e.ts;
}
