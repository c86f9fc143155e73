// Figures for the failure catalogue: each scenario's wall time next to its lower bound (the fault
// and ttl waits it cannot avoid) and the ratio, and the whole suite's wall time. Figures only.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runScenario } from "../harness/run/run-scenario.ts";
import { timingsFor } from "../harness/run/timing.ts";
import { scenarios } from "../scenarios/index.ts";

const TTL_MS = Number(process.env.BENCH_TTL_MS ?? 2_000);
const SEED = Number(process.env.BENCH_SEED ?? 1);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(8);

const reportRoot = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-bench-catalogue-"));
console.log(`lease-chaos catalogue bench: ${os.cpus().length} cores, ttl ${TTL_MS} ms, seed ${SEED}\n`);
console.log(
  `${"scenario".padEnd(30)}${"verdict".padEnd(9)}${"wall".padStart(8)}${"env start".padStart(11)}${"lower bnd".padStart(11)}${"ratio".padStart(8)}${"2xLB+env".padStart(10)}`,
);
const t0 = performance.now();
let over = 0;
for (const scenario of scenarios) {
  const timings = scenario.timings ? scenario.timings(timingsFor(TTL_MS)) : timingsFor(TTL_MS);
  const lowerBoundMs = scenario.lowerBoundMs(timings, SEED);
  const result = await runScenario(scenario, {
    ttlMs: TTL_MS,
    bug: null,
    seed: SEED,
    reportDir: path.join(reportRoot, scenario.name),
  });
  const budgetMs = 2 * lowerBoundMs + result.envStartMs;
  if (result.wallMs > budgetMs) over += 1;
  console.log(
    `${scenario.name.padEnd(30)}${result.verdict.padEnd(9)}${s(result.wallMs)}${s(result.envStartMs).padStart(11)}${s(lowerBoundMs).padStart(11)}${(result.wallMs / lowerBoundMs).toFixed(2).padStart(8)}${s(budgetMs).padStart(10)}${result.wallMs > budgetMs ? "  over" : ""}`,
  );
}
const suiteMs = performance.now() - t0;
fs.rmSync(reportRoot, { recursive: true, force: true });
console.log(
  `\nsuite wall time ${s(suiteMs).trim()} for ${scenarios.length} scenarios (target < 120 s at ttl 2000 ms)`,
);
console.log(`scenarios above 2 x lower bound + env start: ${over}`);
process.exit(0);
