import type { CheckResult, Verdict } from "../checks/check.ts";
import { drainHoldMs } from "../checks/progress-after-heal.ts";
import { runChecks, summarizeMetrics, worstVerdict } from "../checks/registry.ts";
import type { DockerImages } from "../env/docker/images.ts";
import type { LocalPool } from "../env/local/pool.ts";
import type { StartedEnvironment, WorkerLaunch } from "../env/provider.ts";
import { type ProviderChoice, startEnvironment } from "../env/start-environment.ts";
import { appName, sampleActivity } from "../observe/activity.ts";
import { lineParser } from "../observe/adapters/log-line.ts";
import { withLineRefusals } from "../observe/adapters/refusal-line.ts";
import type { BacklogSample, Evidence, EvidenceEvent, RunMeta, WorkerSpec } from "../observe/evidence.ts";
import { Observer } from "../observe/observer.ts";
import { Recorder } from "../observe/recorder.ts";
import { Workload } from "../observe/workload.ts";
import { packageJson } from "../paths.ts";
import type { Profile, ProfileRole } from "../profile/profile.ts";
import { envValues } from "../profile/template.ts";
import { seededRandom } from "../random.ts";
import { LiveReport } from "../report/live.ts";
import { writeReport } from "../report/write.ts";
import { PhaseClock } from "./phases.ts";
import { evaluatePremises } from "./premises.ts";
import { type Progress, Run } from "./run.ts";
import type { RunResult } from "./run-scenario.ts";
import type { PlannedWorker } from "./scenario.ts";
import { type Timings, throughputPerSecond, timingValues } from "./timing.ts";

// Lines worth narrating while a run goes on: what the runbook asks the operator to grep for.
const NARRATED = new Set(["leader", "expired-locally", "lease-lost"]);

/** A narration line's clock: time since the run's zero. */
export function clock(ts: number, t0: number): string {
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
    const tail = (event.stderrTail?.length ? event.stderrTail : (event.outputTail ?? [])).slice(-8);
    for (const line of tail) progress(`${" ".repeat(14)}| ${line}`);
  }
}

/** The margin a worker keeps before expires_at: the harness's when its env is told it, else what the profile declares. */
function marginFor(role: ProfileRole, t: Timings): number {
  return role.takesSafetyMargin ? t.safetyMarginMs : (role.safetyMarginMs ?? 0);
}

/** Everything a session (a scenario's run, or a watch) is opened with. */
export interface SessionSpec {
  name: string;
  runId: string;
  profile: Profile;
  lease: string;
  seed: number;
  ttlMs: number;
  timings: Timings;
  planned: PlannedWorker[];
  bug: string | null;
  reportDir: string;
  reproduce: string;
  progress: Progress;
  provider: ProviderChoice;
  toxiproxyUrl?: string;
  images?: Partial<DockerImages>;
  pool?: LocalPool;
  clockFaults?: "wall" | "all";
  checks?: string[];
  premises?: string[];
  knobs?: Record<string, number>;
  /** what the scenario does differently for this worker and what its checks cannot judge */
  degraded?: string[];
  /** which attempt of a --repeat this run is */
  repeat?: { index: number; count: number };
  /** narrate every line of interest as it happens (a watch narrates its own way) */
  narrate?: boolean;
  /** called with every event as it is recorded, from the first (a watch's narrator) */
  listen?: (event: EvidenceEvent) => void;
  /** performance.now() when the run began (its wall time counts from it) */
  began: number;
}

/**
 * One observed run of workers: the environment, the journal, the workload, the activity samples
 * and the live report, opened together; finish() drains, judges and writes the report, close()
 * stops everything whatever happened. runScenario and watch are both made of it.
 */
export class Session {
  readonly recorder = new Recorder();
  readonly t0 = Date.now();
  #env: StartedEnvironment | null = null;
  #observer: Observer | null = null;
  #workload: Workload | null = null;
  #activityTimer: NodeJS.Timeout | null = null;
  #run: Run | null = null;
  #envStartMs = 0;
  #sample: () => Promise<void> = async () => {};
  readonly #live: LiveReport;
  readonly #unsubscribe: () => void;
  readonly workers: WorkerSpec[];
  /** the run's phase boundaries as they are reached */
  readonly phaseClock: PhaseClock;

  private constructor(readonly spec: SessionSpec) {
    const { profile, timings, planned } = spec;
    this.phaseClock = new PhaseClock(spec.began);
    this.workers = planned.map(({ overrides, delayed: _d, ...w }) => {
      const t = { ...timings, ...overrides };
      const role = this.#roleOf(w);
      return {
        ...w,
        ttlMs: role.ttlMs ?? t.ttlMs,
        safetyMarginMs: marginFor(role, t),
        ...(role.work.batch === "atomic" ? { atomicBatch: true } : {}),
      };
    });
    void profile;
    this.#live = new LiveReport(spec.reportDir, () => ({
      scenario: spec.name,
      runId: spec.runId,
      seed: spec.seed,
      ttlMs: timings.ttlMs,
      bug: spec.bug,
      profile: spec.profile.name,
      ...(spec.repeat ? { repeat: spec.repeat } : {}),
      reportDir: spec.reportDir,
      reproduce: spec.reproduce,
    }));
    this.#live.meta({
      scenario: spec.name,
      runId: spec.runId,
      seed: spec.seed,
      ttlMs: timings.ttlMs,
      bug: spec.bug,
      workers: this.workers,
      startedAt: this.t0,
      lease: spec.lease,
    });
    this.#unsubscribe = this.recorder.subscribe((e) => {
      if (spec.narrate !== false) narrate(e, this.t0, spec.progress);
      spec.listen?.(e);
      this.#live.record(e);
    });
  }

  #roleOf(w: WorkerSpec): ProfileRole {
    return this.spec.profile.roles.find((r) => r.name === w.role) as ProfileRole;
  }

  /** The run's verbs for steps (and for a watch's injections). */
  get run(): Run {
    if (!this.#run) throw new Error("the session is not open");
    return this.#run;
  }

  get env(): StartedEnvironment {
    if (!this.#env) throw new Error("the session is not open");
    return this.#env;
  }

  /** Opens a session: environment, schema, journal, workload, workers, samples. Closes itself on failure. */
  static async open(spec: SessionSpec): Promise<Session> {
    const session = new Session(spec);
    try {
      await session.#open();
      return session;
    } catch (err) {
      await session.close();
      throw err;
    }
  }

  async #open(): Promise<void> {
    const { spec, recorder, t0 } = this;
    const { profile, timings, planned, progress, lease, seed } = spec;
    progress(
      `${spec.name}: profile ${profile.name}, ttl ${spec.ttlMs} ms, seed ${seed}${spec.bug ? `, bug ${spec.bug}` : ""}; times count from ${new Date(t0).toISOString()}`,
    );
    const chosen = await startEnvironment({
      provider: spec.provider,
      sink: withLineRefusals(recorder.record),
      seed,
      profile,
      workerSlots: this.workers.length + 2,
      say: progress,
      ...(spec.toxiproxyUrl ? { toxiproxyUrl: spec.toxiproxyUrl } : {}),
      ...(spec.images ? { images: spec.images } : {}),
      ...(spec.pool && spec.provider === "local" ? { pool: spec.pool } : {}),
    });
    const env = chosen.env;
    this.#env = env;
    this.phaseClock.environmentReady = performance.now();
    progress(`${clock(Date.now(), t0)} ${chosen.ready}`);
    // Workers a scenario delays start once their lease has a holder (another instance leads first).
    const delayed = new Set(planned.filter((p) => p.delayed).map((p) => p.id));
    const startWorkers = () =>
      Promise.all(
        this.workers.filter((w) => !delayed.has(w.id)).map((w) => env.startWorker(this.launchOf(w))),
      );
    // A database that came with the journal records every change from its first statement: the
    // workers start while the observer connects (their lines are recorded from their first), and
    // the observer reads the journal from its first row.
    const early = env.journalInstalled === true ? startWorkers() : null;
    early?.catch(() => {});
    const obs = await Observer.connect(env.observerDb, profile);
    this.#observer = obs;
    progress(`${" ".repeat(10)}${await obs.applySchema()}`);
    const selfMigrating = profile.data.schema.migratesItself !== undefined;
    let observedFrom: number | undefined;
    if (!selfMigrating) await obs.observe(recorder.record, { installed: env.journalInstalled === true });
    if (env.attached) observedFrom = Date.now();

    // Every role gets work; the backlog is sampled on the database clock.
    const perSecond = throughputPerSecond(timings);
    const workload = new Workload(obs, recorder, {
      random: seededRandom(seed),
      roles: profile.roles.filter((r) => r.work.enqueue).map((r) => r.name),
      initialItems: Math.max(5, Math.round(perSecond / 2)),
      produceEveryMs: Math.max(50, Math.round(3000 / perSecond)),
      sampleEveryMs: Math.max(25, Math.round(timings.ttlMs / 20)),
    });
    this.#workload = workload;
    await workload.start();
    await (early ?? startWorkers());
    for (const leaseName of new Set(this.workers.filter((w) => delayed.has(w.id)).map((w) => w.leaseName))) {
      await recorder.seenOrNext(
        (e): e is EvidenceEvent =>
          e.kind === "lease-change" && e.leaseName === leaseName && e.holder !== null,
        `a holder of ${leaseName} before starting the rest`,
        10 * timings.ttlMs,
      );
      await Promise.all(
        this.workers
          .filter((w) => delayed.has(w.id) && w.leaseName === leaseName)
          .map((w) => env.startWorker(this.launchOf(w))),
      );
    }
    if (selfMigrating) {
      await obs.waitForTables();
      await obs.observe(recorder.record);
      observedFrom = Date.now();
      progress(`${" ".repeat(10)}the workers' tables appeared; observing from ${clock(observedFrom, t0)}`);
    }
    this.#sample = async () => {
      const keys = env.workerIds().filter((k) => !k.includes("."));
      for (const s of await sampleActivity(obs, env.proxies.url, keys, (k) => env.proxies.nameOf(k)))
        recorder.record(s);
    };
    this.#activityTimer = setInterval(() => void this.#sample(), Math.max(50, Math.round(timings.ttlMs / 8)));
    // Environment start: Postgres, the fault proxy, the schema and every worker process spawned.
    this.#envStartMs = performance.now() - spec.began;
    const meta: Omit<RunMeta, "healedAt" | "observedUntil"> = {
      scenario: spec.name,
      runId: spec.runId,
      seed,
      ttlMs: timings.ttlMs,
      safetyMarginMs: timings.safetyMarginMs,
      logToleranceMs: Math.max(25, Math.round(timings.ttlMs / 40)),
      bug: spec.bug,
      workers: this.workers,
      startedAt: t0,
      drainBoundMs: 2 * timings.ttlMs + 5_000,
      lease,
      provider: env.provider,
      traffic: chosen.liveTraffic ? "live" : "on-close",
      environment: this.#facts(chosen.ready),
      profile: { name: profile.name, source: profile.source, capabilities: profile.capabilities },
      ...(spec.knobs ? { knobs: spec.knobs } : {}),
      ...(observedFrom !== undefined ? { observedFrom } : {}),
      ...(spec.checks ? { checks: spec.checks } : {}),
      ...(spec.premises ? { premises: spec.premises } : {}),
    };
    // A rolling deploy of another configuration: the worker restarted with its timings changed. A
    // worker's recorded ttl is the longest it was told (its grants under either are judged by it).
    const relaunch = async (workerId: string, overrides: Partial<Timings>) => {
      const w = this.workers.find((x) => x.id === workerId);
      if (!w) throw new Error(`no worker ${workerId} to restart`);
      const launch = this.launchOf(w, false, overrides);
      await env.restartWorker(workerId, launch);
      const told = Number(launch.values.ttlMs);
      const recorded = meta.workers.find((x) => x.id === workerId && !x.extra);
      if (recorded) recorded.ttlMs = Math.max(recorded.ttlMs ?? told, told);
    };
    const startExtra = async (workerId: string) => {
      const w = this.workers.find((x) => x.id === workerId);
      if (!w) throw new Error(`no worker ${workerId} to start a second process of`);
      const key = await env.startWorker(this.launchOf(w, true));
      // Recorded once it runs: a start the provider refused leaves no phantom worker behind.
      meta.workers.push({ ...w, extra: true });
      return key;
    };
    this.#run = new Run(
      meta,
      timings,
      env,
      recorder,
      obs,
      workload,
      profile,
      lease,
      progress,
      t0,
      startExtra,
      relaunch,
    );
  }

  /** How a worker of the session is started: its role, its template values, its variant, its parser. */
  launchOf(spec: WorkerSpec, extra = false, overrides: Partial<Timings> = {}): WorkerLaunch {
    const { profile, timings, planned, lease } = this.spec;
    const role = this.#roleOf(spec);
    const plannedWorker = planned.find((p) => p.id === spec.id);
    const t = {
      ...timings,
      ...plannedWorker?.overrides,
      ...overrides,
      ...(role.ttlMs ? { ttlMs: role.ttlMs } : {}),
    };
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
      ...(this.spec.clockFaults && spec.leaseName === lease ? { clockFaults: this.spec.clockFaults } : {}),
    };
  }

  // What shaped the run besides its options: the provider's line, the profile, versions, overrides.
  #facts(ready: string): Record<string, string> {
    const facts: Record<string, string> = {
      provider: this.spec.provider,
      started: ready,
      profile: this.spec.profile.source,
      "lease-chaos": packageJson().version,
      node: process.version,
    };
    if (this.spec.toxiproxyUrl) facts.toxiproxyUrl = this.spec.toxiproxyUrl;
    // The profile's {{env.NAME}} values, from the environment or their defaults.
    for (const v of envValues(this.spec.profile.data))
      facts[`env.${v.name}`] = `${v.value}${v.set ? "" : " (the template's default)"}`;
    if (this.spec.bug) facts.variant = this.spec.bug;
    for (const [k, v] of Object.entries(process.env))
      if (/^LEASE_CHAOS_(POSTGRES|TOXIPROXY|WORKER)_IMAGE$|^LEASE_CHAOS_COMPOSE_PROJECT$/.test(k) && v)
        facts[k] = v;
    return facts;
  }

  /**
   * Heals what is still on, lets the backlog drain (no new work; it must reach zero and stay
   * there), stops the workers, reads the rest of the journal, judges, writes the report.
   */
  async finish(reasons: string[], options: { voidChecks?: boolean } = {}): Promise<RunResult> {
    const run = this.run;
    const { spec, recorder, phaseClock } = this;
    const { timings, progress, profile } = spec;
    reasons.push(...(await run.healAll()));
    phaseClock.stepsEnded = performance.now();
    const firstFault = run.faults[0]?.window.start;
    if (firstFault !== undefined) phaseClock.firstInjection = firstFault - Date.now() + performance.now();
    for (const f of run.faults)
      if (!f.window.verified && !f.window.withdrawn) reasons.push(`fault ${f.window.id}: ${f.window.detail}`);
    const workload = this.#workload as Workload;
    workload.stopProducing();
    const healedAt = run.healedAt;
    // The drain counts from the end of new work, which comes at or after the last heal.
    const drainFrom = Date.now();
    const holdMs = drainHoldMs(timings.ttlMs);
    const total = (s: BacklogSample) => Object.values(s.byLease).reduce((a, b) => a + b, 0);
    const drained = (e: EvidenceEvent): e is BacklogSample =>
      e.kind === "backlog" && e.ts >= drainFrom && total(e) === 0;
    const remainingMs = Math.max(0, drainFrom + run.meta.drainBoundMs - Date.now());
    if (options.voidChecks) {
      // Nothing to wait for: no verdict will be given.
    } else if (profile.capabilities.backlog) {
      await recorder.seenOrNext(drained, "the backlog to drain", remainingMs).then(
        async (s) => {
          progress(
            `${" ".repeat(10)}backlog drained ${Math.round(s.ts - drainFrom)} ms after new work stopped`,
          );
          // Held at zero for a while: one zero sample is not a drained system. The hold ends on a
          // sample of its own at its end (the timer's samples cover it meanwhile), not a timer's
          // period or two after.
          await run.until(s.ts + holdMs);
          await workload.sample();
        },
        () =>
          progress(
            `${" ".repeat(10)}backlog did not drain within ${run.meta.drainBoundMs} ms of the end of new work`,
          ),
      );
    } else {
      await run.hold(timings.ttlMs);
    }
    await this.#sample();
    const observedUntil = Date.now();
    phaseClock.observedUntil = performance.now();
    if (this.#activityTimer) clearInterval(this.#activityTimer);
    this.#activityTimer = null;
    const env = this.env;
    await Promise.all(env.workerIds().map((k) => env.stopWorker(k)));
    await workload.stop();
    await (this.#observer as Observer).flush();
    const evidence = this.evidence(healedAt, observedUntil, drainFrom);
    const checks: CheckResult[] = runChecks(evidence, spec.checks);
    const premises = evaluatePremises(evidence, spec.premises ?? []);
    for (const p of premises) if (!p.held) reasons.push(`premise ${p.id} did not hold: ${p.detail}`);
    // Checks over an environment the worker could not run in (its runtime wedged under libfaketime)
    // judge the environment, not the worker: the run is unknown whatever they say.
    const verdict: Verdict = options.voidChecks
      ? "unknown"
      : worstVerdict([...checks.map((c) => c.verdict), ...(reasons.length ? (["unknown"] as const) : [])]);
    const wallMs = performance.now() - spec.began;
    const result: RunResult = {
      scenario: spec.name,
      runId: spec.runId,
      seed: spec.seed,
      ttlMs: timings.ttlMs,
      bug: spec.bug,
      profile: spec.profile.name,
      ...(spec.repeat ? { repeat: spec.repeat } : {}),
      verdict,
      reasons,
      premises,
      checks,
      metrics: { ...summarizeMetrics(checks), wallMs, envStartMs: this.#envStartMs },
      reportDir: spec.reportDir,
      reproduce: spec.reproduce,
      ...(spec.degraded ? { degraded: spec.degraded } : {}),
      wallMs,
      envStartMs: this.#envStartMs,
      phases: phaseClock.phases(),
      evidence,
    };
    const { wallMs: _w, envStartMs: _e, phases: _p, evidence: _ev, ...file } = result;
    writeReport(spec.reportDir, evidence, file);
    this.#live.finish();
    return result;
  }

  /** The evidence recorded so far, in time order, with the given heal and end of observation. */
  evidence(healedAt: number | null, observedUntil: number, drainFrom?: number): Evidence {
    const events = [...this.recorder.events].sort((a, b) => eventTime(a) - eventTime(b));
    return {
      meta: { ...this.run.meta, healedAt, observedUntil, ...(drainFrom !== undefined ? { drainFrom } : {}) },
      events,
    };
  }

  /** Stops everything the session started (or detaches from an attached stack), whatever happened. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  #closing: Promise<void> | null = null;

  async #close(): Promise<void> {
    this.#live.finish();
    this.#unsubscribe();
    if (this.#activityTimer) clearInterval(this.#activityTimer);
    this.#activityTimer = null;
    await this.#workload?.stop();
    await this.#observer?.close({ uninstall: this.#env?.attached === true });
    await this.#env?.stop();
  }
}

/** A fault window sorts by its start; everything else by its ts. */
function eventTime(e: EvidenceEvent): number {
  return e.kind === "fault" ? e.start : e.ts;
}
