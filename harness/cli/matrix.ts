import path from "node:path";
import { type CatalogueEntry, catalogue, catches } from "../../scenarios/index.ts";
import type { Verdict } from "../checks/check.ts";
import { checkIds } from "../checks/registry.ts";
import { PROVIDERS } from "../env/start-environment.ts";
import { UsageError } from "../errors.ts";
import { newSeed } from "../random.ts";
import { type JunitRun, writeJunit } from "../report/junit.ts";
import { runScenario } from "../run/run-scenario.ts";
import { timingsFor } from "../run/timing.ts";
import {
  choiceOption,
  intOption,
  type OptionSpecs,
  optionsHelp,
  parseOptions,
  reportDirOption,
} from "./args.ts";
import { type Command, EXIT } from "./command.ts";
import { Countdown } from "./countdown.ts";
import { expectedMs, inParallel, junitOption, withPool } from "./outputs.ts";
import { CONFIG_OPTION, profileFromOption } from "./profile-option.ts";
import { BALANCE_SEED, shardJobs, shardOption } from "./shard.ts";

const OPTIONS: OptionSpecs = {
  config: CONFIG_OPTION,
  quick: {
    type: "boolean",
    help: "run each variant only on the scenarios expected to catch it (the reference on all)",
  },
  repeat: { type: "string", help: "run every cell N times (seeds S, S+1, ...) and print catch rates" },
  scenarios: { type: "string", help: "comma-separated scenarios to run (default: the whole catalogue)" },
  variants: { type: "string", help: "comma-separated variants to run (default: all, and the reference)" },
  seed: { type: "string", help: "seed of the first run of every cell (logged)" },
  "ttl-ms": { type: "string", help: "lease ttl, default 2000" },
  provider: { type: "string", help: `where the runs happen: ${PROVIDERS.join(", ")} (default local)` },
  "report-dir": { type: "string", help: "root folder of the reports (default reports/matrix-<time>)" },
  junit: {
    type: "string",
    help: "write a JUnit XML file: a test case per scenario and per check, rewritten after every run",
  },
  shard: {
    type: "string",
    help: "run shard i of n (i/n), balanced by expected time; `lease-chaos merge` joins their reports",
  },
  jobs: { type: "string", help: "run up to N cells side by side on one shared cluster (default 1)" },
  json: { type: "boolean", help: 'print one JSON object: {"verdict","rows":[{"variant","cells":[...]}]}' },
};

/** One cell: a variant on a scenario, run `repeat` times. */
interface Cell {
  scenario: string;
  /** runs that failed (a check caught it) out of runs */
  caught: number;
  runs: number;
  verdicts: Verdict[];
  /** the checks that failed in any run */
  checks: string[];
  reportDirs: string[];
}

const REFERENCE = "reference";

/**
 * `lease-chaos matrix`: every variant of the profile on every scenario (or the expected ones), each
 * cell repeated; prints catch rates. Fails when a variant is caught by no scenario in every run of a
 * cell, or the reference worker does not pass every run of every cell.
 */
export const matrixCommand: Command = {
  name: "matrix",
  summary: "run the reference worker and every bug variant through the scenarios; show what catches each",
  usage: `usage: lease-chaos matrix [options]\n\n${optionsHelp(OPTIONS)}\n\nexit 0 when the reference passes every run and every variant is caught in every run of some cell, 1 otherwise`,
  async run(argv) {
    const { values } = parseOptions(argv, OPTIONS);
    const profile = await profileFromOption(values.config);
    const entries = catalogue(profile);
    const names = entries.map((e) => e.name);
    const only = typeof values.scenarios === "string" ? values.scenarios.split(",").filter(Boolean) : names;
    for (const n of only)
      if (!names.includes(n))
        throw new UsageError(
          `--scenarios: unknown scenario ${JSON.stringify(n)}; valid: ${names.join(", ")}`,
        );
    const variantNames = Object.keys(profile.data.variants);
    const wanted =
      typeof values.variants === "string"
        ? values.variants.split(",").filter(Boolean)
        : [REFERENCE, ...variantNames];
    for (const v of wanted)
      if (v !== REFERENCE && !variantNames.includes(v))
        throw new UsageError(
          `--variants: ${JSON.stringify(v)} is not a variant of profile ${profile.name}; valid: ${variantNames.join(", ")}`,
        );
    const seed = intOption(values, "seed", { min: 0, max: 2 ** 31 - 1 }) ?? newSeed();
    const repeat = intOption(values, "repeat", { min: 1, max: 100 }) ?? 1;
    const ttlMs = intOption(values, "ttl-ms", { min: 500, max: 600_000 }) ?? 2_000;
    const root = reportDirOption(values, path.join("reports", `matrix-${Date.now()}`));
    const provider = choiceOption(values, "provider", PROVIDERS) ?? "local";
    const junit = junitOption(values);
    const shard = shardOption(values);
    const json = values.json === true;
    const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
    const expectedBy = catches(profile);
    for (const [variant, list] of Object.entries(expectedBy))
      for (const c of list) {
        if (!names.includes(c.scenario))
          throw new UsageError(
            `profile ${profile.name}: variants.${variant}.caughtBy names scenario ${JSON.stringify(c.scenario)}, not in the catalogue (${names.join(", ")})`,
          );
        if (!checkIds.includes(c.check))
          throw new UsageError(
            `profile ${profile.name}: variants.${variant}.caughtBy names check ${JSON.stringify(c.check)}; checks: ${checkIds.join(", ")}`,
          );
      }
    log(
      `matrix: profile ${profile.name}, seeds ${seed}..${seed + repeat - 1}, ttl ${ttlMs} ms, provider ${provider}, reports in ${root}`,
    );

    const rows: { variant: string; cells: Cell[] }[] = [];
    const base = timingsFor(ttlMs);
    const all = wanted.flatMap((variant) => {
      const expected = new Set((expectedBy[variant] ?? []).map((c) => c.scenario));
      return entries
        .filter(
          (e: CatalogueEntry) =>
            only.includes(e.name) && (!values.quick || variant === REFERENCE || expected.has(e.name)),
        )
        .map((entry) => ({ variant, entry }));
    });
    const jobs = shardJobs(all, shard, (j) => expectedMs(j.entry.scenario, base, BALANCE_SEED) * repeat);
    if (shard) log(`shard ${shard.index}/${shard.count}: ${jobs.length} of ${all.length} cells`);
    const finished: JunitRun[] = [];
    const runs = jobs.flatMap((j) => Array.from({ length: repeat }, (_, i) => ({ ...j, i })));
    const countdown = new Countdown(runs.map((r) => expectedMs(r.entry.scenario, base, seed + r.i)));
    const jobsN = intOption(values, "jobs", { min: 1, max: 16 }) ?? 1;
    const results = await withPool(provider, { seed }, (pool) =>
      inParallel(runs, jobsN, async ({ variant, entry, i }, index) => {
        const result = await runScenario(entry.scenario, {
          ttlMs,
          bug: variant === REFERENCE ? null : variant,
          seed: seed + i,
          profile,
          lease: entry.lease,
          provider,
          ...(pool ? { pool } : {}),
          reportDir: path.join(root, variant, repeat > 1 ? `${entry.name}-${i + 1}` : entry.name),
        });
        const bad = result.checks.filter((c) => c.verdict === "fail").map((c) => c.id);
        finished.push({
          result,
          wallMs: result.wallMs,
          ...(variant === REFERENCE
            ? {}
            : {
                caughtBy: (expectedBy[variant] ?? [])
                  .filter((c) => c.scenario === entry.name)
                  .map((c) => c.check),
              }),
        });
        if (junit) writeJunit(junit, finished, "lease-chaos matrix");
        log(
          `  ${variant.padEnd(28)} ${entry.name.padEnd(34)} seed ${seed + i}  ${result.verdict.toUpperCase()}${bad.length ? ` (${bad.join(", ")})` : result.verdict === "unknown" ? ` (${result.reasons[0] ?? result.checks.find((c) => c.verdict === "unknown")?.detail ?? ""})` : ""}`,
        );
        if (runs.length > 1) log(`  ${countdown.finished(index)}`);
        return { variant, entry, result, bad };
      }),
    );
    for (const variant of wanted) {
      const mine = results.filter((r) => r.variant === variant);
      if (mine.length === 0) continue;
      const cells: Cell[] = [];
      for (const r of mine) {
        let cell = cells.find((c) => c.scenario === r.entry.name);
        if (!cell) {
          cell = { scenario: r.entry.name, caught: 0, runs: 0, verdicts: [], checks: [], reportDirs: [] };
          cells.push(cell);
        }
        cell.runs += 1;
        cell.verdicts.push(r.result.verdict);
        if (r.result.verdict === "fail") cell.caught += 1;
        for (const c of r.bad) if (!cell.checks.includes(c)) cell.checks.push(c);
        cell.reportDirs.push(r.result.reportDir);
      }
      rows.push({ variant, cells });
    }

    const reference = rows.find((r) => r.variant === REFERENCE);
    const referenceClean = reference
      ? reference.cells.every((c) => c.verdicts.every((v) => v === "pass"))
      : true;
    // Caught means caught every time by one scenario: a gate that catches a bug on some seeds only is chance.
    // A shard holds only some cells: whether a variant is caught anywhere is for `merge` to say.
    const uncaught = shard
      ? []
      : rows
          .filter((r) => r.variant !== REFERENCE && !r.cells.some((c) => c.caught === c.runs && c.runs > 0))
          .map((r) => r.variant);
    const ok = referenceClean && uncaught.length === 0;
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ verdict: ok ? "pass" : "fail", seed, repeat, ttlMs, profile: profile.name, rows })}\n`,
      );
    } else {
      log("");
      log(`${"variant".padEnd(28)}caught by (scenario/check, caught/runs)`);
      for (const row of rows) {
        const text =
          row.variant === REFERENCE
            ? referenceClean
              ? `passes all ${row.cells.reduce((n, c) => n + c.runs, 0)} runs of ${row.cells.length} scenarios`
              : `NOT CLEAN: ${row.cells
                  .filter((c) => c.verdicts.some((v) => v !== "pass"))
                  .map(
                    (c) =>
                      `${c.scenario} ${c.verdicts.filter((v) => v !== "pass").join("/")} in ${c.verdicts.filter((v) => v !== "pass").length}/${c.runs}`,
                  )
                  .join(", ")}`
            : row.cells
                .filter((c) => c.caught > 0)
                .map((c) => `${c.scenario}/${c.checks.join("+")} ${c.caught}/${c.runs}`)
                .join(", ") || "NOT CAUGHT";
        log(`${row.variant.padEnd(28)}${text}`);
      }
      log("");
      log(
        ok
          ? `every variant is caught in every run of some scenario; the reference worker passes everywhere`
          : `matrix FAILED${uncaught.length ? `: not caught ${repeat}/${repeat} anywhere: ${uncaught.join(", ")}` : ""}${referenceClean ? "" : "; the reference worker did not pass everywhere"}`,
      );
    }
    return ok ? EXIT.pass : EXIT.fail;
  },
};
