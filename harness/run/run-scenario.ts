import path from "node:path";
import type { CheckResult, Verdict } from "../checks/check.ts";
import { runChecks, summarizeMetrics, worstVerdict } from "../checks/registry.ts";
import type { DockerImages } from "../env/docker/images.ts";
import type { StartedEnvironment } from "../env/provider.ts";
import { type ProviderChoice, startEnvironment } from "../env/start-environment.ts";
import type { BacklogSample, Evidence, EvidenceEvent, RunMeta } from "../observe/evidence.ts";
import { Observer } from "../observe/observer.ts";
import { Recorder } from "../observe/recorder.ts";
import { Workload } from "../observe/workload.ts";
import { newSeed, seededRandom } from "../random.ts";
import { type VerdictFile, writeReport } from "../report/write.ts";
import { MSG, type Progress, Run } from "./run.ts";
import { type Scenario, standardWorkers } from "./scenario.ts";
import { throughputPerSecond, timingEnv, timingsFor } from "./timing.ts";

/** How to run one scenario. */
export interface RunScenarioOptions {
  ttlMs: number;
  bug: string | null;
  seed?: number;
  /** the folder for this run's events.jsonl and verdict.json; reports/<run-id>/<scenario> when absent */
  reportDir?: string;
  progress?: Progress;
  /** a running Toxiproxy server for the workers' proxies instead of our embedded one */
  toxiproxyUrl?: string;
  /** where the environment runs: local (default), docker, compose (an attached stack) or auto */
  provider?: ProviderChoice;
  /** docker provider: images instead of the defaults */
  images?: Partial<DockerImages>;
  /** the command line that repeats this run, printed on failure */
  reproduce?: (seed: number) => string;
}

/** The outcome of a run: verdict.json's content plus figures for benchmarks. */
export interface RunResult extends VerdictFile {
  wallMs: number;
  envStartMs: number;
  evidence: Evidence;
}

// Worker log lines worth narrating while the drill runs.
const NARRATED = new Set<string>([
  MSG.leader,
  MSG.expiredLocally,
  "lease lost",
  "effect refused: stale fencing epoch",
]);

function runId(seed: number): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${seed}`;
}

function narrate(event: EvidenceEvent, t0: number, progress: Progress): void {
  const at = `[${((eventTime(event) - t0) / 1000).toFixed(1).padStart(5)}s]`;
  if (event.kind === "worker-log" && NARRATED.has(event.msg)) {
    const epoch = event.epoch === undefined ? "" : ` (epoch ${event.epoch})`;
    progress(`${at}    ${event.worker}: ${event.msg}${epoch}`);
  } else if (event.kind === "process" && event.event === "exit" && !event.expected) {
    progress(`${at}    ${event.worker}: exited unexpectedly (code ${event.code}, signal ${event.signal})`);
  }
}

/** Starts the environment, runs the scenario's steps, heals, drains, checks and writes the report. */
export async function runScenario(scenario: Scenario, options: RunScenarioOptions): Promise<RunResult> {
  const started = performance.now();
  const progress = options.progress ?? (() => {});
  const seed = options.seed ?? newSeed();
  const id = runId(seed);
  const reportDir = path.resolve(options.reportDir ?? path.join("reports", id, scenario.name));
  const base = timingsFor(options.ttlMs);
  const timings = scenario.timings ? scenario.timings(base) : base;
  const workers = (scenario.workers ?? standardWorkers)(options.bug);
  const reproduce =
    options.reproduce?.(seed) ??
    `npx lease-chaos run ${scenario.name} --ttl-ms ${options.ttlMs} --seed ${seed}${options.bug ? ` --bug ${options.bug}` : ""}${options.provider && options.provider !== "local" ? ` --provider ${options.provider}` : ""}`;
  progress(
    `${scenario.name}: ttl ${options.ttlMs} ms, seed ${seed}${options.bug ? `, bug ${options.bug}` : ""}`,
  );

  const recorder = new Recorder();
  const t0 = Date.now();
  const unsubscribe = recorder.subscribe((e) => narrate(e, t0, progress));
  const reasons: string[] = [];
  let env: StartedEnvironment | null = null;
  let observer: Observer | null = null;
  let workload: Workload | null = null;
  try {
    const chosen = await startEnvironment({
      provider: options.provider ?? "local",
      sink: recorder.record,
      seed,
      workerSlots: workers.length,
      say: progress,
      ...(options.toxiproxyUrl ? { toxiproxyUrl: options.toxiproxyUrl } : {}),
      ...(options.images ? { images: options.images } : {}),
    });
    const local = chosen.env;
    env = local;
    progress(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${chosen.ready}`);
    observer = await Observer.connect(env.observerDb);
    await observer.applySchema();
    // New work arrives at a third of what one leader gets through, so a healed run always drains.
    const perSecond = throughputPerSecond(timings);
    workload = new Workload(observer, recorder, {
      random: seededRandom(seed),
      ttlMs: timings.ttlMs,
      initialOutbox: Math.max(5, Math.round(perSecond)),
      initialReservations: Math.max(5, Math.round(perSecond / 2)),
      produceEveryMs: Math.max(50, Math.round(3000 / perSecond)),
      sampleEveryMs: Math.max(25, Math.round(timings.ttlMs / 20)),
    });
    await workload.start();
    const startedAt = Date.now();
    await Promise.all(workers.map((spec) => local.startWorker({ spec, env: timingEnv(timings) })));
    // Environment start: Postgres, the fault proxy, the schema and every worker process spawned.
    const envStartMs = performance.now() - started;
    const meta: Omit<RunMeta, "healedAt" | "observedUntil"> = {
      scenario: scenario.name,
      runId: id,
      seed,
      ttlMs: timings.ttlMs,
      safetyMarginMs: timings.safetyMarginMs,
      bug: options.bug,
      workers,
      startedAt,
      drainBoundMs: 2 * timings.ttlMs + 5_000,
      ...(scenario.checks ? { checks: scenario.checks } : {}),
    };
    const run = new Run(meta, timings, env, recorder, observer, workload, progress, t0);
    try {
      await scenario.steps(run);
    } catch (err) {
      reasons.push(`scenario step failed: ${(err as Error).message}`);
      progress(`         step failed: ${(err as Error).message}`);
    } finally {
      reasons.push(...(await run.healAll()));
    }
    for (const f of run.faults)
      if (!f.window.verified) reasons.push(`fault ${f.window.id}: ${f.window.detail}`);

    // Drain: no new work after the heal; the backlog must reach zero on its own.
    workload.stopProducing();
    const healedAt = run.healedAt;
    const drainFrom = healedAt ?? Date.now();
    const roles = new Set(workers.map((w) => w.role));
    const drained = (e: EvidenceEvent): e is BacklogSample =>
      e.kind === "backlog" &&
      e.ts >= drainFrom &&
      (!roles.has("outbox-forwarder") || e.pendingForward === 0) &&
      (!roles.has("ttl-sweeper") || e.overdueReservations === 0);
    const remainingMs = Math.max(0, drainFrom + meta.drainBoundMs - Date.now());
    await recorder.waitFor(drained, "the backlog to drain", remainingMs).then(
      (s) => progress(`${" ".repeat(9)}backlog drained ${Math.round(s.ts - drainFrom)} ms after the heal`),
      () => progress(`${" ".repeat(9)}backlog did not drain within ${meta.drainBoundMs} ms of the heal`),
    );
    const observedUntil = Date.now();
    await Promise.all(workers.map((w) => local.stopWorker(w.id)));
    await workload.stop();
    const collected = await observer.collect();
    const events = [...recorder.events, ...collected].sort((a, b) => eventTime(a) - eventTime(b));
    const evidence: Evidence = { meta: { ...meta, healedAt, observedUntil }, events };
    const checks: CheckResult[] = runChecks(evidence, scenario.checks);
    const verdict: Verdict = worstVerdict([
      ...checks.map((c) => c.verdict),
      ...(reasons.length ? (["unknown"] as const) : []),
    ]);
    const result: RunResult = {
      scenario: scenario.name,
      runId: id,
      seed,
      ttlMs: timings.ttlMs,
      bug: options.bug,
      verdict,
      reasons,
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
    return result;
  } finally {
    unsubscribe();
    await workload?.stop();
    await observer?.close();
    await env?.stop();
  }
}

/** A fault window sorts by its start; everything else by its ts. */
function eventTime(e: EvidenceEvent): number {
  return e.kind === "fault" ? e.start : e.ts;
}
