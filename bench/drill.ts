// Figures for the drill on this machine: Postgres start, the drill's wall time phase by phase
// (environment, bring-up, fault, drain/hold, teardown), with its own Postgres and on a shared
// cluster, beside issue 17's targets and the drill's lower bound (the waits the runbook itself
// requires). Prints figures only; nothing is asserted.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalPool } from "../harness/env/local/pool.ts";
import { startPostgres } from "../harness/env/local/postgres.ts";
import { type RunResult, runScenario } from "../harness/run/run-scenario.ts";
import { timingsFor } from "../harness/run/timing.ts";
import { pauseDrill } from "../scenarios/pause-drill.ts";
import { medianPhases, phaseColumns, phaseHeader } from "./phases.ts";

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

function row(label: string, r: RunResult): string {
  return `${label.padEnd(14)}${r.verdict.padEnd(9)}${fmt(r.wallMs).padStart(8)}${phaseColumns(r.phases)}`;
}

async function main(): Promise<void> {
  console.log(
    `lease-chaos drill bench: ${os.cpus().length} cores, node ${process.version}, ttl ${TTL_MS} ms, ${RUNS} runs, load ${os.loadavg()[0]?.toFixed(2)}\n`,
  );
  const pgTimes = await postgresStart();
  console.log(
    `postgres start (initdb + start, embedded)   median ${fmt(median(pgTimes))}   runs ${pgTimes.map(fmt).join(", ")}\n`,
  );

  const t = timingsFor(TTL_MS);
  // The runbook's own wait: the paused leader's lease must lapse before a standby can take it,
  // at least ttl - renew interval after the pause (the last renewal came at most one interval before).
  const lowerBoundMs = pauseDrill.lowerBoundMs(t, SEED);
  const reportRoot = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-bench-"));
  console.log(`${"run".padEnd(14)}${"verdict".padEnd(9)}${"wall".padStart(8)}${phaseHeader()}`);
  const own: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    const result = await runScenario(pauseDrill, {
      ttlMs: TTL_MS,
      bug: null,
      seed: SEED + i,
      reportDir: path.join(reportRoot, String(i)),
    });
    own.push(result);
    console.log(row(`own pg ${i + 1}`, result));
  }
  // As run --all, matrix and the Vitest fixture's runs do: one cluster, a database per run.
  const pool = await LocalPool.start({ seed: SEED });
  const pooled: RunResult[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const result = await runScenario(pauseDrill, {
        ttlMs: TTL_MS,
        bug: null,
        seed: SEED + i,
        pool,
        reportDir: path.join(reportRoot, `pooled-${i}`),
      });
      pooled.push(result);
      console.log(row(`shared ${i + 1}`, result));
    }
  } finally {
    await pool.stop();
  }
  fs.rmSync(reportRoot, { recursive: true, force: true });
  const walls = (rs: RunResult[]) => rs.map((r) => r.wallMs);
  console.log(
    `${"median own pg".padEnd(23)}${fmt(median(walls(own))).padStart(8)}${phaseColumns(medianPhases(own.map((r) => r.phases)))}`,
  );
  console.log(
    `${"median shared".padEnd(23)}${fmt(median(walls(pooled))).padStart(8)}${phaseColumns(medianPhases(pooled.map((r) => r.phases)))}`,
  );
  console.log(
    `\ndrill wall on a shared cluster       median ${fmt(median(walls(pooled)))}   target <= 3.0 s (issue 17)`,
  );
  console.log(
    `drill wall with its own Postgres     median ${fmt(median(walls(own)))}   target <= 3.5 s (issue 17; 6.1 s on the old main)`,
  );
  console.log(
    `drill lower bound (runbook waits)    ${fmt(lowerBoundMs)}   = ttl ${TTL_MS} - renew interval ${t.renewIntervalMs} ms`,
  );
  console.log(`ratio wall (shared) / lower bound    ${(median(walls(pooled)) / lowerBoundMs).toFixed(2)}`);
}

await main();
process.exit(0);
