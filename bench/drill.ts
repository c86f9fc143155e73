// Figures for the drill on this machine: Postgres start, the drill's wall time, and its lower
// bound (the waits the runbook itself requires). Prints figures only; nothing is asserted.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalPool } from "../harness/env/local/pool.ts";
import { startPostgres } from "../harness/env/local/postgres.ts";
import type { StepEvent } from "../harness/observe/evidence.ts";
import { runScenario } from "../harness/run/run-scenario.ts";
import { timingsFor } from "../harness/run/timing.ts";
import { pauseDrill } from "../scenarios/pause-drill.ts";

const TTL_MS = Number(process.env.BENCH_TTL_MS ?? 2_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SEED = 1;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function postgresStart(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const pg = await startPostgres();
    times.push(pg.startMs);
    await pg.stop();
  }
  return times;
}

async function main(): Promise<void> {
  console.log(
    `lease-chaos drill bench: ${os.cpus().length} cores, node ${process.version}, ttl ${TTL_MS} ms, ${RUNS} runs\n`,
  );
  const pgTimes = await postgresStart();
  console.log(
    `postgres start (initdb + start, embedded)   median ${fmt(median(pgTimes))}   runs ${pgTimes.map(fmt).join(", ")}`,
  );

  const t = timingsFor(TTL_MS);
  // The runbook's own wait: the paused leader's lease must lapse before a standby can take it,
  // at least ttl - renew interval after the pause (the last renewal came at most one interval before).
  const lowerBoundMs = pauseDrill.lowerBoundMs(t, SEED);
  const reportRoot = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-bench-"));
  const walls: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const result = await runScenario(pauseDrill, {
      ttlMs: TTL_MS,
      bug: null,
      seed: SEED + i,
      reportDir: path.join(reportRoot, String(i)),
    });
    walls.push(result.wallMs);
    const steps = result.evidence.events.filter((e): e is StepEvent => e.kind === "step");
    const pause = result.evidence.events.find((e) => e.kind === "fault" && !e.retried);
    const pauseMs = pause && pause.kind === "fault" && pause.end ? pause.end - pause.start : Number.NaN;
    const firstStep = steps[0]?.ts ?? 0;
    const lastStep = steps.at(-1)?.ts ?? 0;
    console.log(
      `drill run ${i + 1}: ${result.verdict}  wall ${fmt(result.wallMs)}  env start ${fmt(result.envStartMs)}  ` +
        `steps ${fmt(lastStep - firstStep)}  pause ${fmt(pauseMs)}  takeover ${Math.round(result.metrics.takeoverMs ?? Number.NaN)} ms  ` +
        `drain ${Math.round(result.metrics.drainMs ?? Number.NaN)} ms`,
    );
  }
  // As run --all, matrix and the Vitest fixture's runs do: one cluster, a database per run.
  const pool = await LocalPool.start({ seed: SEED });
  const pooled: number[] = [];
  const pooledWalls: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const result = await runScenario(pauseDrill, {
        ttlMs: TTL_MS,
        bug: null,
        seed: SEED + i,
        pool,
        reportDir: path.join(reportRoot, `pooled-${i}`),
      });
      pooled.push(result.envStartMs);
      pooledWalls.push(result.wallMs);
    }
  } finally {
    await pool.stop();
  }
  fs.rmSync(reportRoot, { recursive: true, force: true });
  console.log(
    `\nenv start on a shared cluster (database from template, proxies, workers)  median ${fmt(median(pooled))}   runs ${pooled.map(fmt).join(", ")}`,
  );
  console.log(`drill wall time on a shared cluster          median ${fmt(median(pooledWalls))}`);
  console.log(`drill wall time (postgres start included)  median ${fmt(median(walls))}   target < 15 s`);
  console.log(
    `drill lower bound (runbook waits)          ${fmt(lowerBoundMs)}   = ttl ${TTL_MS} - renew interval ${t.renewIntervalMs} ms`,
  );
  console.log(`ratio wall / lower bound                   ${(median(walls) / lowerBoundMs).toFixed(2)}`);
}

await main();
process.exit(0);
