import path from "node:path";
import { type CatalogueEntry, catalogue, catches } from "../../scenarios/index.ts";
import type { Verdict } from "../checks/check.ts";
import { checkIds } from "../checks/registry.ts";
import { UsageError } from "../errors.ts";
import { type JunitRun, writeJunit } from "../report/junit.ts";
import { applicability, skipReason } from "../run/applicability.ts";
import { resolveKnobs } from "../run/knobs.ts";
import { runScenario } from "../run/run-scenario.ts";
import { timingsFor } from "../run/timing.ts";
import { type OptionSpecs, optionsHelp, parseOptions, reportDirOption } from "./args.ts";
import { type Command, EXIT } from "./command.ts";
import { Countdown } from "./countdown.ts";
import {
  DEFAULT_JOBS,
  jobsOption,
  lanesFor,
  providerOption,
  repeatOption,
  seedOption,
  sharedOptions,
  skipOption,
  ttlOption,
} from "./options.ts";
import { expectedMs, inParallel, junitOption, overridesPrefix, withPool } from "./outputs.ts";
import { configArg, profileFromOption } from "./profile-option.ts";
import { BALANCE_SEED, shardJobs, shardOption } from "./shard.ts";
import { planShards, runKey, SummaryFile } from "./summary.ts";

const OPTIONS: OptionSpecs = {
  ...sharedOptions(["config"]),
  quick: {
    type: "boolean",
    help: "run each variant only on the scenarios expected to catch it (the reference on all)",
  },
  scenarios: { type: "string", help: "comma-separated scenarios to run (default: the whole catalogue)" },
  ...sharedOptions(["skip"]),
  variants: { type: "string", help: "comma-separated variants to run (default: all, and the reference)" },
  ...sharedOptions(["repeat", "seed", "ttl-ms", "provider", "report-dir", "junit", "shard", "jobs", "json"], {
    repeat: "run every cell N times (seeds S, S+1, ...) and print catch rates",
    seed: "seed of the first run of every cell (logged)",
    "report-dir": "root folder of the reports (default reports/matrix-<time>)",
    jobs: "run up to N cells side by side on one shared cluster, or auto (the default: from the cores, their load and a run's CPU cost)",
    json: 'print one JSON object: {"verdict","rows":[{"variant","cells":[...]}]}',
  }),
};

/** One cell: a variant on a scenario (at some knob values), run `repeat` times. */
interface Cell {
  scenario: string;
  /** knob values of the cell (a variant's caughtBy may carry them) */
  set?: Record<string, number>;
  /** runs that failed (a check caught it) out of runs judged (skipped runs count for nothing) */
  caught: number;
  runs: number;
  skipped: number;
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
    const skipped = skipOption(values, names);
    const seed = seedOption(values);
    const repeat = repeatOption(values, 100);
    const ttlMs = ttlOption(values);
    const provider = providerOption(values);
    const base = timingsFor(ttlMs);
    const junit = junitOption(values);
    const shard = shardOption(values);
    // Checked here, before anything is written; auto is placed once the cells are known.
    jobsOption(values, DEFAULT_JOBS);
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
        const entry = entries.find((e) => e.name === c.scenario) as CatalogueEntry;
        const where = `profile ${profile.name}: variants.${variant}.caughtBy ${c.scenario}`;
        // A negative control must be able to run here: a catch that would be skipped proves nothing.
        const applies = applicability(entry.scenario, profile, entry.lease);
        if (applies.status === "skipped")
          throw new UsageError(`${where} cannot run on this profile: ${skipReason(applies)}`);
        try {
          resolveKnobs(entry.scenario.name, entry.scenario.knobs, base, seed, setStrings(c.set));
        } catch (err) {
          throw new UsageError(`${where}: ${(err as Error).message}`);
        }
      }
    const root = reportDirOption(values, path.join("reports", `matrix-${Date.now()}`));
    log(
      `matrix: profile ${profile.name}, seeds ${seed}..${seed + repeat - 1}, ttl ${ttlMs} ms, provider ${provider}, reports in ${root}`,
    );

    const rows: { variant: string; cells: Cell[] }[] = [];
    // A variant's cell of a scenario runs at every knob setting its catches name there (the
    // defaults when none does); the reference runs at the defaults.
    const all = wanted.flatMap((variant) => {
      const expected = expectedBy[variant] ?? [];
      return entries
        .filter(
          (e: CatalogueEntry) =>
            only.includes(e.name) &&
            !skipped(e.name) &&
            (!values.quick || variant === REFERENCE || expected.some((c) => c.scenario === e.name)),
        )
        .flatMap((entry) => {
          const sets = uniqueSets(expected.filter((c) => c.scenario === entry.name).map((c) => c.set));
          return (sets.length ? sets : [undefined]).map((set) => ({ variant, entry, set }));
        });
    });
    const estimate = (j: (typeof all)[number]) => expectedMs(j.entry.scenario, base, BALANCE_SEED) * repeat;
    const jobs = shardJobs(all, shard, estimate);
    // A cell's name: its scenario, and the knob setting it runs at (`name[latencyMs=900]`).
    const cellOf = (j: { entry: CatalogueEntry; set: Record<string, number> | undefined }) =>
      `${j.entry.name}${setSuffix(j.set)}`;
    const folderOf = (variant: string, cell: string, i: number) =>
      path.join(variant, repeat > 1 ? `${cell}-${i + 1}` : cell);
    const caughtByOf = (variant: string, name: string, set: Record<string, number> | undefined) =>
      variant === REFERENCE
        ? {}
        : {
            caughtBy: (expectedBy[variant] ?? [])
              .filter((c) => c.scenario === name && setKey(c.set) === setKey(set))
              .map((c) => c.check),
          };
    if (shard) log(`shard ${shard.index}/${shard.count}: ${jobs.length} of ${all.length} cells`);
    const finished: JunitRun[] = [];
    // Once a run has brought the workers up, a later bring-up that fails is that run's unknown.
    let proven = false;
    const runs = jobs.flatMap((j) => Array.from({ length: repeat }, (_, i) => ({ ...j, i })));
    const jobsN = await lanesFor(values, DEFAULT_JOBS, runs.length, log);
    const summary = new SummaryFile(root, {
      command: "matrix",
      profile: profile.name,
      ttlMs,
      shard: shard ?? null,
      shards: planShards(all, shard, estimate, (j) =>
        Array.from({ length: repeat }, (_, i) => runKey(cellOf(j), j.variant, i + 1, repeat)),
      ),
      runs: runs.map((r) => ({
        key: runKey(cellOf(r), r.variant, r.i + 1, repeat),
        scenario: r.entry.name,
        variant: r.variant === REFERENCE ? null : r.variant,
        seed: seed + r.i,
        dir: folderOf(r.variant, cellOf(r), r.i),
        ...caughtByOf(r.variant, r.entry.name, r.set),
      })),
    });
    const countdown = new Countdown(runs.map((r) => expectedMs(r.entry.scenario, base, seed + r.i)));
    const results = await withPool(provider, { seed }, (pool) =>
      inParallel(
        runs,
        jobsN,
        async ({ variant, entry, set, i }, index) => {
          const cellName = `${entry.name}${setSuffix(set)}`;
          const result = await runScenario(entry.scenario, {
            workersProven: proven,
            ttlMs,
            bug: variant === REFERENCE ? null : variant,
            seed: seed + i,
            profile,
            lease: entry.lease,
            provider,
            set: setStrings(set),
            ...(pool ? { pool } : {}),
            reportDir: path.join(root, folderOf(variant, cellName, i)),
            ...(repeat > 1 ? { repeat: { index: i + 1, count: repeat } } : {}),
            reproduce: (s) =>
              `${overridesPrefix()}npx lease-chaos run ${entry.name} --ttl-ms ${ttlMs} --seed ${s}${Object.entries(
                setStrings(set),
              )
                .map(([k, v]) => ` --set ${k}=${v}`)
                .join(
                  "",
                )}${configArg(profile)}${variant === REFERENCE ? "" : ` --bug ${variant}`}${provider === "local" ? "" : ` --provider ${provider}`}`,
          });
          if (result.verdict !== "skipped") proven = true;
          const bad = result.checks.filter((c) => c.verdict === "fail").map((c) => c.id);
          // By cell, not by finish: side by side, the JUnit keeps the matrix's order.
          finished[index] = { result, wallMs: result.wallMs, ...caughtByOf(variant, entry.name, set) };
          if (junit) writeJunit(junit, finished.filter(Boolean), "lease-chaos matrix");
          log(
            `  ${variant.padEnd(28)} ${cellName.padEnd(34)} seed ${seed + i}  ${result.verdict.toUpperCase()}${bad.length ? ` (${bad.join(", ")})` : result.verdict === "unknown" ? ` (${result.reasons[0] ?? result.checks.find((c) => c.verdict === "unknown")?.detail ?? ""})` : ""}`,
          );
          if (runs.length > 1) log(`  ${countdown.finished(index)}`);
          return { variant, entry, set, cellName, result, bad };
        },
        (r) => expectedMs(r.entry.scenario, base, seed + r.i),
      ),
    );
    for (const variant of wanted) {
      const mine = results.filter((r) => r.variant === variant);
      if (mine.length === 0) continue;
      const cells: Cell[] = [];
      for (const r of mine) {
        let cell = cells.find((c) => c.scenario === r.entry.name && setKey(c.set) === setKey(r.set));
        if (!cell) {
          cell = {
            scenario: r.entry.name,
            ...(r.set ? { set: r.set } : {}),
            caught: 0,
            runs: 0,
            skipped: 0,
            verdicts: [],
            checks: [],
            reportDirs: [],
          };
          cells.push(cell);
        }
        if (r.result.verdict === "skipped") {
          cell.skipped += 1;
          continue;
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
      ? reference.cells.every((c) => c.verdicts.every((v) => v === "pass")) &&
        reference.cells.some((c) => c.runs > 0)
      : true;
    // Caught means caught every time by one scenario: a gate that catches a bug on some seeds only is chance.
    // A shard holds only some cells: whether a variant is caught anywhere is for `merge` to say.
    const uncaught = shard
      ? []
      : rows
          .filter((r) => r.variant !== REFERENCE && !r.cells.some((c) => c.caught === c.runs && c.runs > 0))
          .map((r) => r.variant);
    const ok = referenceClean && uncaught.length === 0;
    summary.finish(ok ? "pass" : "fail");
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
              ? `passes all ${row.cells.reduce((n, c) => n + c.runs, 0)} runs of ${row.cells.filter((c) => c.runs > 0).length} scenarios${skippedText(row.cells)}`
              : `NOT CLEAN: ${row.cells
                  .filter((c) => c.verdicts.some((v) => v !== "pass"))
                  .map(
                    (c) =>
                      `${c.scenario} ${c.verdicts.filter((v) => v !== "pass").join("/")} in ${c.verdicts.filter((v) => v !== "pass").length}/${c.runs}`,
                  )
                  .join(", ")}`
            : row.cells
                .filter((c) => c.caught > 0)
                .map((c) => `${c.scenario}${setSuffix(c.set)}/${c.checks.join("+")} ${c.caught}/${c.runs}`)
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

/** A cell's knob values as --set strings. */
function setStrings(set: Record<string, number> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(set ?? {}).map(([k, v]) => [k, String(v)]));
}

/** A stable key of knob values: the same values in any order are one setting. */
function setKey(set: Record<string, number> | undefined): string {
  return Object.entries(set ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/** How a cell's knob values read after its scenario: ` [latencyMs=300]`. */
function setSuffix(set: Record<string, number> | undefined): string {
  const key = setKey(set);
  return key ? ` [${key}]` : "";
}

function uniqueSets(sets: (Record<string, number> | undefined)[]): (Record<string, number> | undefined)[] {
  const seen = new Map<string, Record<string, number> | undefined>();
  for (const s of sets) if (!seen.has(setKey(s))) seen.set(setKey(s), s);
  return [...seen.values()];
}

function skippedText(cells: Cell[]): string {
  const skipped = cells.filter((c) => c.runs === 0 && c.skipped > 0).map((c) => c.scenario);
  return skipped.length ? `; skipped (cannot apply to this profile): ${skipped.join(", ")}` : "";
}
