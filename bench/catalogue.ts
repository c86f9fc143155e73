// Figures for the failure catalogue: each scenario's wall time next to its lower bound (the fault
// and ttl waits it cannot avoid), its environment start on the shared cluster, and the totals: the
// first release's 13 scenarios and the whole catalogue, one at a time and (BENCH_JOBS) side by
// side. Figures only; nothing is asserted.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inParallel } from "../harness/cli/outputs.ts";
import { LocalPool } from "../harness/env/local/pool.ts";
import { referenceProfile } from "../harness/profile/reference.ts";
import { type RunResult, runScenario } from "../harness/run/run-scenario.ts";
import { timingsFor } from "../harness/run/timing.ts";
import { catalogue } from "../scenarios/index.ts";
import { FIRST_SCENARIOS } from "./first-release.ts";

const TTL_MS = Number(process.env.BENCH_TTL_MS ?? 2_000);
const SEED = Number(process.env.BENCH_SEED ?? 1);
const JOBS = Number(process.env.BENCH_JOBS ?? 2);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(8);

const FIRST_13 = new Set(FIRST_SCENARIOS);

const profile = await referenceProfile();
const entries = catalogue(profile);
const reportRoot = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-bench-catalogue-"));
console.log(
  `lease-chaos catalogue bench: ${os.cpus().length} cores, ttl ${TTL_MS} ms, seed ${SEED}, ${entries.length} scenarios\n`,
);

const poolStarted = performance.now();
const pool = await LocalPool.start({ seed: SEED });
console.log(`shared cluster and fault proxy started in ${s(performance.now() - poolStarted).trim()}\n`);

async function pass(
  list: typeof entries,
  jobs: number,
  print: boolean,
): Promise<{ results: RunResult[]; wallMs: number }> {
  const t0 = performance.now();
  const results = await inParallel(list, jobs, async (entry) => {
    const result = await runScenario(entry.scenario, {
      ttlMs: TTL_MS,
      bug: null,
      seed: SEED,
      profile,
      lease: entry.lease,
      pool,
      reportDir: path.join(reportRoot, `${jobs}-${list.length}`, entry.name),
    });
    if (print) {
      const timings = entry.scenario.timings
        ? entry.scenario.timings(timingsFor(TTL_MS))
        : timingsFor(TTL_MS);
      const lowerBoundMs = entry.scenario.lowerBoundMs(timings, SEED);
      console.log(
        `${entry.name.padEnd(36)}${result.verdict.padEnd(9)}${s(result.wallMs)}${s(result.envStartMs).padStart(11)}${s(lowerBoundMs).padStart(11)}${(lowerBoundMs > 0 ? (result.wallMs / lowerBoundMs).toFixed(2) : "-").padStart(8)}`,
      );
    }
    return result;
  });
  return { results, wallMs: performance.now() - t0 };
}

try {
  console.log(
    `${"scenario".padEnd(36)}${"verdict".padEnd(9)}${"wall".padStart(8)}${"env start".padStart(11)}${"lower bnd".padStart(11)}${"ratio".padStart(8)}`,
  );
  const one = await pass(entries, 1, true);
  const sum = (rs: RunResult[]) => rs.reduce((a, r) => a + r.wallMs, 0);
  const first = one.results.filter((r) => FIRST_13.has(r.scenario));
  const envStarts = one.results.map((r) => r.envStartMs).sort((a, b) => a - b);
  const failed = one.results.filter((r) => r.verdict !== "pass").map((r) => r.scenario);
  console.log(
    `\nenvironment start per run (a database from the template, the proxies, the workers spawned):`,
  );
  console.log(
    `  median ${s(envStarts[Math.floor(envStarts.length / 2)] ?? 0).trim()}, max ${s(envStarts.at(-1) ?? 0).trim()}   target <= 0.3 s (an initdb per scenario before: about 1 s)`,
  );
  console.log(
    `the first release's 13 scenarios, one at a time: ${s(sum(first)).trim()}   target <= 60 s (107-128 s in the first release)`,
  );
  console.log(`the whole catalogue (${entries.length}), one at a time:   ${s(one.wallMs).trim()}`);
  if (JOBS > 1) {
    const notPassed = (rs: RunResult[]) => {
      const bad = rs.filter((r) => r.verdict !== "pass").map((r) => r.scenario);
      return bad.length ? `  (not passed: ${bad.join(", ")})` : "  (every verdict pass)";
    };
    const firstSide = await pass(
      entries.filter((e) => FIRST_13.has(e.name)),
      JOBS,
      false,
    );
    console.log(
      `the first release's 13, --jobs ${JOBS}:         ${s(firstSide.wallMs).trim()}${notPassed(firstSide.results)}   target <= 60 s`,
    );
    const side = await pass(entries, JOBS, false);
    console.log(
      `the whole catalogue, --jobs ${JOBS}:              ${s(side.wallMs).trim()}${notPassed(side.results)}`,
    );
  }
  if (failed.length) console.log(`not passed one at a time: ${failed.join(", ")}`);
} finally {
  await pool.stop();
  fs.rmSync(reportRoot, { recursive: true, force: true });
}
process.exit(0);
