// Figures for the failure catalogue: each scenario's wall time phase by phase next to its lower
// bound (the fault and ttl waits it cannot avoid), and the totals beside issue 17's targets: the
// first release's 13 scenarios one at a time and with the jobs the CLI would choose (BENCH_JOBS
// overrides), and the whole catalogue both ways (BENCH_WHOLE=0 leaves it out; BENCH_SERIAL=0 leaves
// out the passes one at a time). Figures only; nothing is asserted.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cpuTicks, DEFAULT_JOBS, lanesFor, RUN_CPU_CORES } from "../harness/cli/options.ts";
import { expectedMs, inParallel } from "../harness/cli/outputs.ts";
import { LocalPool } from "../harness/env/local/pool.ts";
import { referenceProfile } from "../harness/profile/reference.ts";
import { type RunResult, runScenario } from "../harness/run/run-scenario.ts";
import { timingsFor } from "../harness/run/timing.ts";
import { catalogue } from "../scenarios/index.ts";
import { FIRST_SCENARIOS } from "./first-release.ts";
import { phaseColumns, phaseHeader, sumPhases } from "./phases.ts";

const TTL_MS = Number(process.env.BENCH_TTL_MS ?? 2_000);
const SEED = Number(process.env.BENCH_SEED ?? 1);
// What `run --all` would choose here and now, unless BENCH_JOBS says.
const JOBS = process.env.BENCH_JOBS
  ? Number(process.env.BENCH_JOBS)
  : await lanesFor({}, DEFAULT_JOBS, Number.POSITIVE_INFINITY);
const WHOLE = process.env.BENCH_WHOLE !== "0";
// BENCH_SERIAL=0 leaves out the passes one at a time (the side-by-side figures alone).
const SERIAL = process.env.BENCH_SERIAL !== "0";
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(8);

const FIRST_13 = new Set(FIRST_SCENARIOS);

const profile = await referenceProfile();
const entries = catalogue(profile);
const first = entries.filter((e) => FIRST_13.has(e.name));
const reportRoot = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-bench-catalogue-"));
console.log(
  `lease-chaos catalogue bench: ${os.cpus().length} cores, ttl ${TTL_MS} ms, seed ${SEED}, ${entries.length} scenarios, jobs ${JOBS}, load ${os.loadavg()[0]?.toFixed(2)}\n`,
);

const poolStarted = performance.now();
const pool = await LocalPool.start({ seed: SEED });
console.log(`shared cluster and fault proxy started in ${s(performance.now() - poolStarted).trim()}\n`);

// The cores busy on average from now until the function returned is called (the whole machine's).
function cpuMeter(cores: number): () => number {
  const start = cpuTicks();
  return () => {
    const end = cpuTicks();
    if (!start || !end || end.total === start.total) return Number.NaN;
    return ((end.busy - start.busy) / (end.total - start.total)) * cores;
  };
}

const lowerBoundOf = (entry: (typeof entries)[number]) => {
  const timings = entry.scenario.timings ? entry.scenario.timings(timingsFor(TTL_MS)) : timingsFor(TTL_MS);
  return entry.scenario.lowerBoundMs(timings, SEED);
};

async function pass(
  list: typeof entries,
  jobs: number,
  print: boolean,
): Promise<{ results: RunResult[]; wallMs: number }> {
  const t0 = performance.now();
  const results = await inParallel(
    list,
    jobs,
    async (entry) => {
      const result = await runScenario(entry.scenario, {
        ttlMs: TTL_MS,
        bug: null,
        seed: SEED,
        profile,
        lease: entry.lease,
        pool,
        reportDir: path.join(reportRoot, `${jobs}-${list.length}-${t0}`, entry.name),
      });
      if (print) {
        const lowerBoundMs = lowerBoundOf(entry);
        console.log(
          `${entry.name.padEnd(36)}${result.verdict.padEnd(9)}${s(result.wallMs)}${phaseColumns(result.phases)}${s(lowerBoundMs).padStart(11)}${(lowerBoundMs > 0 ? (result.wallMs / lowerBoundMs).toFixed(2) : "-").padStart(8)}`,
        );
      }
      return result;
    },
    (entry) => expectedMs(entry.scenario, timingsFor(TTL_MS), SEED),
  );
  return { results, wallMs: performance.now() - t0 };
}

const notPassed = (rs: RunResult[]) => {
  const bad = rs.filter((r) => r.verdict !== "pass").map((r) => `${r.scenario} ${r.verdict}`);
  return bad.length ? `  (not passed: ${bad.join(", ")})` : "  (every verdict pass)";
};

try {
  const waits13 = first.reduce((a, e) => a + lowerBoundOf(e), 0);
  console.log(
    `${"scenario".padEnd(36)}${"verdict".padEnd(9)}${"wall".padStart(8)}${phaseHeader()}${"lower bnd".padStart(11)}${"ratio".padStart(8)}`,
  );
  if (SERIAL) {
    const cpu = cpuMeter(os.cpus().length);
    const one = await pass(first, 1, true);
    const runCores = cpu();
    const total = sumPhases(one.results.map((r) => r.phases));
    console.log(
      `${"sum of the 13".padEnd(45)}${s(one.wallMs)}${phaseColumns(total)}${s(waits13).padStart(11)}`,
    );
    console.log(
      `\nthe first release's 13, one at a time: ${s(one.wallMs).trim()} = ${(one.wallMs / waits13).toFixed(2)}x their waits (${s(waits13).trim()})${notPassed(one.results)}   target <= 1.6x (60 s); 103 s (2.7x) on the old main`,
    );
    console.log(
      `one run keeps ${runCores.toFixed(2)} cores busy on average (the whole machine's, one at a time; RUN_CPU_CORES = ${RUN_CPU_CORES})`,
    );
  }
  if (JOBS > 1 || !SERIAL) {
    const cpuSide = cpuMeter(os.cpus().length);
    const side = await pass(first, JOBS, false);
    const sideCores = cpuSide();
    console.log(
      `the first release's 13, --jobs ${JOBS}:     ${s(side.wallMs).trim()} = ${(side.wallMs / waits13).toFixed(2)}x their waits${notPassed(side.results)}   target <= 1.0x (37.6 s); 68.7 s (1.8x) with --jobs 2 on the old main`,
    );
    console.log(`  ${sideCores.toFixed(2)} cores busy on average meanwhile`);
  }
  if (WHOLE) {
    const waitsAll = entries.reduce((a, e) => a + lowerBoundOf(e), 0);
    if (SERIAL) {
      const serial = await pass(entries, 1, true);
      console.log(
        `\nthe whole catalogue (${entries.length}), one at a time: ${s(serial.wallMs).trim()} = ${(serial.wallMs / waitsAll).toFixed(2)}x their waits (${s(waitsAll).trim()})${notPassed(serial.results)}`,
      );
    }
    if (JOBS > 1 || !SERIAL) {
      const all = await pass(entries, JOBS, false);
      console.log(
        `the whole catalogue (${entries.length}), --jobs ${JOBS}: ${s(all.wallMs).trim()} = ${(all.wallMs / waitsAll).toFixed(2)}x their waits (${s(waitsAll).trim()})${notPassed(all.results)}`,
      );
    }
  }
} finally {
  await pool.stop();
  fs.rmSync(reportRoot, { recursive: true, force: true });
}
process.exit(0);
