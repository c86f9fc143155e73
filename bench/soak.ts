// The flake hunt: every scenario N times with the reference worker (must pass N of N) and every
// bug variant N times on the scenario that must catch it (must fail N of N). Prints counts.
// Runs go side by side as `run --all` would run them (--jobs, default the CLI's: auto).
// Usage: npm run soak -- [--runs N] [--seed S] [--ttl-ms T] [--jobs N|auto] [--scenarios a,b] [--config FILE] [--reference-only]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { reportDirOption } from "../harness/cli/args.ts";
import { Countdown } from "../harness/cli/countdown.ts";
import { DEFAULT_JOBS, lanesFor } from "../harness/cli/options.ts";
import { expectedMs, inParallel } from "../harness/cli/outputs.ts";
import { profileFromOption } from "../harness/cli/profile-option.ts";
import { BALANCE_SEED, shardJobs, shardOption } from "../harness/cli/shard.ts";
import { LocalPool } from "../harness/env/local/pool.ts";
import { runScenario } from "../harness/run/run-scenario.ts";
import { timingsFor } from "../harness/run/timing.ts";
import { catalogue, catches } from "../scenarios/index.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "20" },
    seed: { type: "string", default: String(Date.now() % 2 ** 31) },
    "ttl-ms": { type: "string", default: "2000" },
    scenarios: { type: "string" },
    config: { type: "string" },
    shard: { type: "string" },
    "report-dir": { type: "string" },
    "reference-only": { type: "boolean" },
    jobs: { type: "string" },
  },
});
const lanes = await lanesFor(values, DEFAULT_JOBS, Number.POSITIVE_INFINITY, console.log);
const profile = await profileFromOption(values.config);
const entries = catalogue(profile);
const runs = Number(values.runs);
const seed = Number(values.seed);
const ttlMs = Number(values["ttl-ms"]);
const only = values.scenarios?.split(",");
if (!Number.isInteger(runs) || runs < 1)
  throw new TypeError(`--runs must be a positive integer, got ${values.runs}`);

const reportRoot = values["report-dir"]
  ? reportDirOption({ "report-dir": values["report-dir"] }, "")
  : fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-soak-"));
const jobs = [
  ...entries.map((e) => ({ entry: e, bug: null as string | null, want: "pass", check: "" })),
  ...(values["reference-only"]
    ? []
    : Object.entries(catches(profile)).flatMap(([bug, list]) =>
        list.flatMap((c) => {
          const entry = entries.find((e) => e.name === c.scenario);
          return entry ? [{ entry, bug, want: "fail", check: c.check }] : [];
        }),
      )),
].filter((j) => !only || only.includes(j.entry.name));
const shard = shardOption(values);
const base = timingsFor(ttlMs);
const mine = shardJobs(jobs, shard, (j) => expectedMs(j.entry.scenario, base, BALANCE_SEED) * runs);
if (shard) console.log(`shard ${shard.index}/${shard.count}: ${mine.length} of ${jobs.length} jobs`);

console.log(
  `soak: ${runs} runs of ${mine.length} jobs, seeds ${seed}..${seed + runs - 1}, ttl ${ttlMs} ms, --jobs ${lanes} (${values.jobs ?? `default ${DEFAULT_JOBS}`}), ${os.availableParallelism()} cores, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
const t0 = performance.now();
const lines: string[] = [];
let bad = 0;
const pool = await LocalPool.start({ seed });
const countdown = new Countdown(
  mine.flatMap((j) => Array.from({ length: runs }, () => expectedMs(j.entry.scenario, base, seed))),
);
let finished = 0;
// Seed by seed, each seed's jobs in catalogue order (side by side, the longest first, as `run` does).
const attempts = Array.from({ length: runs }, (_, i) => mine.map((job, j) => ({ job, j, i }))).flat();
const outcomes = await inParallel(
  attempts,
  lanes,
  async ({ job, i }) => {
    const result = await runScenario(job.entry.scenario, {
      ttlMs,
      bug: job.bug,
      seed: seed + i,
      profile,
      lease: job.entry.lease,
      pool,
      reportDir: path.join(reportRoot, job.bug ?? "reference", `${job.entry.name}-${i}`),
    });
    const ok =
      job.want === "pass"
        ? result.verdict === "pass"
        : result.checks.some((c) => c.id === job.check && c.verdict === "fail");
    console.log(`    ${countdown.finished(finished++)}`);
    if (ok) fs.rmSync(result.reportDir, { recursive: true, force: true });
    else {
      const line = `${job.entry.name} ${job.bug ?? "reference"} seed ${seed + i}: ${result.verdict} (${result.reportDir})`;
      console.log(`    miss: ${line}`);
      for (const r of result.reasons) console.log(`      ${r}`);
      for (const c of result.checks.filter((x) => x.verdict !== "pass"))
        console.log(`      ${c.id}: ${c.verdict}`);
    }
    return { ok, wallMs: result.wallMs, line: `seed ${seed + i}: ${result.verdict} (${result.reportDir})` };
  },
  ({ job, i }) => expectedMs(job.entry.scenario, base, seed + i),
);
console.log("");
for (const [j, job] of mine.entries()) {
  const mineOut = attempts.flatMap((a, k) => (a.j === j ? [outcomes[k] as (typeof outcomes)[number]] : []));
  const good = mineOut.filter((o) => o.ok).length;
  const misses = mineOut.filter((o) => !o.ok).map((o) => o.line);
  if (good < runs) bad += 1;
  const what = job.bug ? `${job.bug} caught by ${job.check}` : "reference passes";
  const line = `${job.entry.name.padEnd(34)} ${what.padEnd(58)} ${good}/${runs}`;
  lines.push(line, ...misses.map((m) => `    ${m}`));
  console.log(line);
  for (const m of misses) console.log(`    ${m}`);
}
await pool.stop();
console.log(
  `\nsoak finished in ${((performance.now() - t0) / 1000).toFixed(0)} s; ${bad} job(s) below ${runs}/${runs}; load at the end ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
if (bad === 0) fs.rmSync(reportRoot, { recursive: true, force: true });
else console.log(`reports of the misses kept in ${reportRoot}`);
process.exit(bad === 0 ? 0 : 1);
