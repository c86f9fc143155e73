import path from "node:path";
import { catalogue } from "../../scenarios/index.ts";
import { runsVerdict } from "../checks/registry.ts";
import { UsageError } from "../errors.ts";
import { readScheduleFile } from "../explore/file.ts";
import { scheduleScenario } from "../explore/runner.ts";
import { leasesOf, roleOfLease } from "../profile/profile.ts";
import { writeJunit } from "../report/junit.ts";
import { parseSets, resolveKnobs } from "../run/knobs.ts";
import { type RunResult, runScenario, targetLease } from "../run/run-scenario.ts";
import { splitQualified } from "../run/scenario.ts";
import { timingsFor } from "../run/timing.ts";
import { workerTimingsOf } from "../run/tolerance.ts";
import { closest, type OptionSpecs, optionsHelp, parseOptions, reportDirOption } from "./args.ts";
import { type Command, exitOf } from "./command.ts";
import { Countdown } from "./countdown.ts";
import {
  DEFAULT_JOBS,
  jobsOption,
  lanesFor,
  listOption,
  providerOption,
  repeatOption,
  seedOption,
  sharedOptions,
  skipOption,
  ttlOption,
} from "./options.ts";
import { expectedMs, inParallel, junitOption, overridesPrefix, withPool } from "./outputs.ts";
import { printRun, runJson } from "./print-run.ts";
import { bugOption, configArg, profileFromOption, toxiproxyUrlOption } from "./profile-option.ts";
import { BALANCE_SEED, shardJobs, shardOption } from "./shard.ts";
import { planShards, runKey, SummaryFile } from "./summary.ts";

const OPTIONS: OptionSpecs = {
  all: { type: "boolean", help: "run every scenario of the catalogue (the main ones on every lease too)" },
  schedule: {
    type: "string",
    help: "run a fault schedule (a JSON file, or an explore finding.json) instead of named scenarios",
  },
  ...sharedOptions(
    [
      "skip",
      "set",
      "config",
      "lease",
      "bug",
      "repeat",
      "seed",
      "ttl-ms",
      "toxiproxy-url",
      "provider",
      "report-dir",
      "junit",
      "jobs",
      "shard",
      "json",
    ],
    {
      "report-dir": "root folder of the run reports (default reports/run-<ms since epoch>)",
      jobs: "run up to N scenarios side by side on one shared cluster, or auto (the default: from the cores, their load and a run's CPU cost)",
      json: 'print one JSON object: {"verdict","runs":[...]} (each run with its wallMs)',
    },
  ),
};

/** `lease-chaos run`: runs catalogue scenarios, each with its own verdict. */
export const runCommand: Command = {
  name: "run",
  summary: "run scenarios of the failure catalogue (see list) and give verdicts",
  usage: `usage: lease-chaos run [SCENARIO[@LEASE]... | --all | --schedule FILE] [options]\n\n${optionsHelp(OPTIONS)}\n\nexit 0 all pass, 1 a check failed, 2 bad input, 3 unknown (evidence missing, a fault or premise that did not happen)`,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, OPTIONS, true);
    const profile = await profileFromOption(values.config);
    const entries = catalogue(profile);
    const names = [...new Set(entries.map((e) => splitQualified(e.name).scenario))];
    const scheduleFile = typeof values.schedule === "string" ? values.schedule : undefined;
    if ([values.all === true, positionals.length > 0, scheduleFile !== undefined].filter(Boolean).length > 1)
      throw new UsageError("give scenario names, --all or --schedule, one of them");
    if (!values.all && positionals.length === 0 && scheduleFile === undefined)
      throw new UsageError(`name a scenario or give --all (or --schedule FILE); valid: ${names.join(", ")}`);
    const replay = scheduleFile !== undefined ? readScheduleFile(scheduleFile) : undefined;
    const lease = typeof values.lease === "string" ? targetLease(profile, values.lease) : undefined;
    const skipped = skipOption(
      values,
      entries.map((e) => e.name),
    );
    const picked = replay
      ? [
          {
            name: "schedule",
            scenario: scheduleScenario(replay.schedule),
            lease: targetLease(profile, replay.schedule.lease ?? lease),
          },
        ]
      : values.all
        ? lease !== undefined
          ? catalogue(profile)
              .filter((e) => e.lease === leasesOf(profile)[0])
              .map((e) => ({
                ...e,
                lease,
                name: lease === leasesOf(profile)[0] ? e.name : `${e.name}@${lease}`,
              }))
          : entries
        : positionals.map((p) => {
            const { scenario, lease: at } = splitQualified(p);
            const entry = entries.find((e) => e.scenario.name === scenario);
            if (!entry) {
              const near = closest(scenario, names);
              throw new UsageError(
                `unknown scenario ${JSON.stringify(scenario)}${near ? `; did you mean ${near}?` : ""} (valid: ${names.join(", ")})`,
              );
            }
            const target =
              at !== null ? targetLease(profile, at) : (lease ?? (leasesOf(profile)[0] as string));
            return {
              ...entry,
              lease: target,
              name: target === leasesOf(profile)[0] ? scenario : `${scenario}@${target}`,
            };
          });
    const chosen = picked.filter((e) => !skipped(e.name));
    if (chosen.length === 0) throw new UsageError("--skip leaves no scenario to run");
    const bug = bugOption(values, profile);
    const repeat = repeatOption(values);
    const firstSeed =
      values.seed === undefined && replay?.seed !== undefined ? replay.seed : seedOption(values);
    const ttlMs = ttlOption(values);
    const provider = providerOption(values);
    const toxiproxyUrl = toxiproxyUrlOption(values);
    const root = reportDirOption(values, path.join("reports", `run-${Date.now()}`));
    const junit = junitOption(values);
    const shard = shardOption(values);
    const json = values.json === true;
    const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);

    // Checked here, before anything is written; auto is placed once the runs are known.
    jobsOption(values, DEFAULT_JOBS);
    const sets = parseSets(listOption(values, "set"));
    // Every knob given must be one of every chosen scenario's, with its value in range: checked before anything starts.
    for (const e of chosen)
      resolveKnobs(
        e.scenario.name,
        e.scenario.knobs,
        timingsFor(ttlMs),
        firstSeed,
        sets,
        workerTimingsOf(roleOfLease(profile, e.lease), timingsFor(ttlMs)),
      );
    const setArgs = Object.entries(sets)
      .map(([k, v]) => ` --set ${k}=${v}`)
      .join("");
    const base = timingsFor(ttlMs);
    const estimate = (e: (typeof chosen)[number]) => expectedMs(e.scenario, base, BALANCE_SEED) * repeat;
    const mine = shardJobs(chosen, shard, estimate);
    if (shard)
      log(
        `shard ${shard.index}/${shard.count}: ${mine.length} of ${chosen.length} scenarios (${mine.map((e) => e.name).join(", ")})`,
      );
    const jobs = mine.flatMap((entry) =>
      Array.from({ length: repeat }, (_, i) => ({ entry, i, seed: firstSeed + i })),
    );
    const jobsN = await lanesFor(values, DEFAULT_JOBS, jobs.length, log);
    const folderOf = (name: string, i: number) => (repeat > 1 ? `${name}-${i + 1}` : name);
    const summary = new SummaryFile(root, {
      command: "run",
      profile: profile.name,
      ttlMs,
      shard: shard ?? null,
      shards: planShards(chosen, shard, estimate, (e) =>
        Array.from({ length: repeat }, (_, i) => runKey(e.name, bug, i + 1, repeat)),
      ),
      runs: jobs.map(({ entry, i, seed }) => ({
        key: runKey(entry.name, bug, i + 1, repeat),
        scenario: entry.name,
        variant: bug,
        seed,
        dir: folderOf(entry.name, i),
      })),
    });
    const countdown = new Countdown(jobs.map((j) => expectedMs(j.entry.scenario, base, j.seed)));
    // By job, not by finish: side by side, the JUnit keeps the order of the command line.
    const done: RunResult[] = [];
    // Once a run of this command has brought the workers up, a later bring-up that fails is that
    // run's unknown (a loaded machine), not bad input for the whole command.
    let proven = false;
    // Side by side, narrations would interleave: with more than one run at a time only each run's
    // end is printed (a single run is narrated whatever --jobs says).
    const narrate = !json && Math.min(jobsN, jobs.length) === 1;
    const results = await withPool(
      provider,
      { seed: firstSeed, ...(toxiproxyUrl ? { toxiproxyUrl } : {}) },
      (pool) =>
        inParallel(
          jobs,
          jobsN,
          async ({ entry, i, seed }, index) => {
            const result = await runScenario(entry.scenario, {
              workersProven: proven,
              ttlMs,
              bug,
              seed,
              profile,
              lease: entry.lease,
              ...(toxiproxyUrl ? { toxiproxyUrl } : {}),
              ...(pool ? { pool } : {}),
              provider,
              reportDir: path.join(root, folderOf(entry.name, i)),
              ...(repeat > 1 ? { repeat: { index: i + 1, count: repeat } } : {}),
              set: sets,
              progress: narrate ? log : () => {},
              reproduce: (s) =>
                `${overridesPrefix()}npx lease-chaos run ${scheduleFile ? `--schedule ${scheduleFile}` : entry.name} --ttl-ms ${ttlMs} --seed ${s}${setArgs}${configArg(profile)}${bug ? ` --bug ${bug}` : ""}${toxiproxyUrl ? ` --toxiproxy-url ${toxiproxyUrl}` : ""}${provider === "local" ? "" : ` --provider ${provider}`}`,
            });
            done[index] = result;
            if (result.verdict !== "skipped") proven = true;
            if (junit)
              writeJunit(
                junit,
                done.filter(Boolean).map((r) => ({ result: r, wallMs: r.wallMs })),
                "lease-chaos run",
              );
            if (!narrate)
              log(
                `${entry.name} seed ${seed}: ${result.verdict.toUpperCase()}${result.verdict === "skipped" ? `: ${result.reasons[0]}` : ` (${Math.round(result.wallMs)} ms, ${result.reportDir})`}`,
              );
            // Its verdict table and reproduce line, printed at once when it ends (side by side too).
            if (!json && result.verdict !== "skipped") printRun(result, log);
            if (jobs.length > 1) log(countdown.finished(index));
            return result;
          },
          (j) => expectedMs(j.entry.scenario, base, j.seed),
        ),
    );
    const verdict = runsVerdict(results.map((r) => r.verdict));
    const judged = results.filter((r) => r.verdict !== "skipped").length;
    summary.finish(verdict);
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ verdict, judged, skipped: results.length - judged, runs: results.map((r) => ({ ...runJson(r), wallMs: Math.round(r.wallMs) })) })}\n`,
      );
    } else {
      log("");
      log("summary:");
      for (const r of results)
        log(
          `  ${r.verdict.toUpperCase().padEnd(8)} ${r.scenario.padEnd(34)} ${r.verdict === "skipped" ? r.reasons[0] : `seed ${r.seed}  ${Math.round(r.wallMs)} ms`}`,
        );
      for (const r of results.filter((x) => x.verdict !== "pass" && x.verdict !== "skipped"))
        log(`  reproduce: ${r.reproduce}`);
      log(
        `  ${judged} judged, ${results.length - judged} skipped (a scenario that cannot apply to this profile counts for nothing; nothing judged is unknown)`,
      );
    }
    return exitOf(verdict);
  },
};
