import path from "node:path";
import { catalogue } from "../../scenarios/index.ts";
import { worstVerdict } from "../checks/registry.ts";
import { PROVIDERS } from "../env/start-environment.ts";
import { UsageError } from "../errors.ts";
import { leasesOf } from "../profile/profile.ts";
import { newSeed } from "../random.ts";
import { writeJunit } from "../report/junit.ts";
import { parseSets, resolveKnobs } from "../run/knobs.ts";
import { type RunResult, runScenario, targetLease } from "../run/run-scenario.ts";
import { splitQualified } from "../run/scenario.ts";
import { timingsFor } from "../run/timing.ts";
import {
  choiceOption,
  intOption,
  type OptionSpecs,
  optionsHelp,
  parseOptions,
  reportDirOption,
} from "./args.ts";
import { type Command, exitOf } from "./command.ts";
import { Countdown } from "./countdown.ts";
import { expectedMs, inParallel, junitOption, overridesPrefix, withPool } from "./outputs.ts";
import { printRun, runJson } from "./print-run.ts";
import {
  bugOption,
  CONFIG_OPTION,
  configArg,
  LEASE_OPTION,
  profileFromOption,
  toxiproxyUrlOption,
} from "./profile-option.ts";
import { BALANCE_SEED, shardJobs, shardOption } from "./shard.ts";

const OPTIONS: OptionSpecs = {
  all: { type: "boolean", help: "run every scenario of the catalogue (the main ones on every lease too)" },
  set: {
    type: "string",
    multiple: true,
    help: "a knob of the scenario, name=value (repeatable; lease-chaos help scenario NAME lists them)",
  },
  config: CONFIG_OPTION,
  lease: LEASE_OPTION,
  bug: {
    type: "string",
    help: "run one of the profile's variants (the reference worker's bugs: see the README)",
  },
  repeat: { type: "string", help: "run each scenario N times (seeds S, S+1, ...)" },
  seed: { type: "string", help: "seed of the first run (logged; repeat a run with it)" },
  "ttl-ms": { type: "string", help: "lease ttl, default 2000" },
  "toxiproxy-url": {
    type: "string",
    help: "a running Toxiproxy API for the workers' proxies (env LEASE_CHAOS_TOXIPROXY_URL)",
  },
  provider: {
    type: "string",
    help: "local (embedded, default), docker (containers; LEASE_CHAOS_{POSTGRES,TOXIPROXY}_IMAGE), compose (attach to a running docker-compose.chaos.yml stack) or auto (docker when it can run here, else local)",
  },
  "report-dir": {
    type: "string",
    help: "root folder of the run reports (default reports/run-<ms since epoch>)",
  },
  junit: {
    type: "string",
    help: "write a JUnit XML file: a test case per scenario and per check, rewritten after every run",
  },
  jobs: { type: "string", help: "run up to N scenarios side by side on one shared cluster (default 1)" },
  shard: {
    type: "string",
    help: "run shard i of n (i/n), balanced by expected time; `lease-chaos merge` joins their reports",
  },
  json: { type: "boolean", help: 'print one JSON object: {"verdict","runs":[...]}' },
};

/** `lease-chaos run`: runs catalogue scenarios, each with its own verdict. */
export const runCommand: Command = {
  name: "run",
  summary: "run scenarios of the failure catalogue (see list) and give verdicts",
  usage: `usage: lease-chaos run [SCENARIO[@LEASE]... | --all] [options]\n\n${optionsHelp(OPTIONS)}\n\nexit 0 all pass, 1 a check failed, 2 bad input, 3 unknown (evidence missing, a fault or premise that did not happen)`,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, OPTIONS, true);
    const profile = await profileFromOption(values.config);
    const entries = catalogue(profile);
    const names = [...new Set(entries.map((e) => splitQualified(e.name).scenario))];
    if (values.all && positionals.length > 0) throw new UsageError("give scenario names or --all, not both");
    if (!values.all && positionals.length === 0)
      throw new UsageError(`name a scenario or give --all; valid: ${names.join(", ")}`);
    const lease = typeof values.lease === "string" ? targetLease(profile, values.lease) : undefined;
    const chosen = values.all
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
          if (!entry)
            throw new UsageError(`unknown scenario ${JSON.stringify(scenario)}; valid: ${names.join(", ")}`);
          const target = at !== null ? targetLease(profile, at) : (lease ?? (leasesOf(profile)[0] as string));
          return {
            ...entry,
            lease: target,
            name: target === leasesOf(profile)[0] ? scenario : `${scenario}@${target}`,
          };
        });
    const bug = bugOption(values, profile);
    const repeat = intOption(values, "repeat", { min: 1, max: 1000 }) ?? 1;
    const firstSeed = intOption(values, "seed", { min: 0, max: 2 ** 31 - 1 }) ?? newSeed();
    const ttlMs = intOption(values, "ttl-ms", { min: 500, max: 600_000 }) ?? 2_000;
    const provider = choiceOption(values, "provider", PROVIDERS) ?? "local";
    const toxiproxyUrl = toxiproxyUrlOption(values);
    const root = reportDirOption(values, path.join("reports", `run-${Date.now()}`));
    const junit = junitOption(values);
    const shard = shardOption(values);
    const json = values.json === true;
    const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);

    const jobsN = intOption(values, "jobs", { min: 1, max: 16 }) ?? 1;
    const sets = parseSets((values.set as unknown as string[] | undefined) ?? []);
    // Every knob given must be one of every chosen scenario's, with its value in range: checked before anything starts.
    for (const e of chosen)
      resolveKnobs(e.scenario.name, e.scenario.knobs, timingsFor(ttlMs), firstSeed, sets);
    const setArgs = Object.entries(sets)
      .map(([k, v]) => ` --set ${k}=${v}`)
      .join("");
    const base = timingsFor(ttlMs);
    const mine = shardJobs(chosen, shard, (e) => expectedMs(e.scenario, base, BALANCE_SEED) * repeat);
    if (shard)
      log(
        `shard ${shard.index}/${shard.count}: ${mine.length} of ${chosen.length} scenarios (${mine.map((e) => e.name).join(", ")})`,
      );
    const jobs = mine.flatMap((entry) =>
      Array.from({ length: repeat }, (_, i) => ({ entry, i, seed: firstSeed + i })),
    );
    const countdown = new Countdown(jobs.map((j) => expectedMs(j.entry.scenario, base, j.seed)));
    const done: RunResult[] = [];
    // Side by side, narrations would interleave: with --jobs above 1 only each run's end is printed.
    const narrate = !json && jobsN === 1;
    const results = await withPool(
      provider,
      { seed: firstSeed, ...(toxiproxyUrl ? { toxiproxyUrl } : {}) },
      (pool) =>
        inParallel(jobs, jobsN, async ({ entry, i, seed }, index) => {
          const result = await runScenario(entry.scenario, {
            ttlMs,
            bug,
            seed,
            profile,
            lease: entry.lease,
            ...(toxiproxyUrl ? { toxiproxyUrl } : {}),
            ...(pool ? { pool } : {}),
            provider,
            reportDir: path.join(root, repeat > 1 ? `${entry.name}-${i + 1}` : entry.name),
            set: sets,
            progress: narrate ? log : () => {},
            reproduce: (s) =>
              `${overridesPrefix()}npx lease-chaos run ${entry.name} --ttl-ms ${ttlMs} --seed ${s}${setArgs}${configArg(profile)}${bug ? ` --bug ${bug}` : ""}${toxiproxyUrl ? ` --toxiproxy-url ${toxiproxyUrl}` : ""}${provider === "local" ? "" : ` --provider ${provider}`}`,
          });
          done.push(result);
          if (junit)
            writeJunit(
              junit,
              done.map((r) => ({ result: r, wallMs: r.wallMs })),
              "lease-chaos run",
            );
          if (narrate) printRun(result, log);
          else
            log(
              `${entry.name} seed ${seed}: ${result.verdict.toUpperCase()} (${Math.round(result.wallMs)} ms, ${result.reportDir})`,
            );
          if (jobs.length > 1) log(countdown.finished(index));
          return result;
        }),
    );
    const verdict = worstVerdict(results.map((r) => r.verdict));
    if (json) {
      process.stdout.write(`${JSON.stringify({ verdict, runs: results.map(runJson) })}\n`);
    } else {
      log("");
      log("summary:");
      for (const r of results)
        log(
          `  ${r.verdict.toUpperCase().padEnd(8)} ${r.scenario.padEnd(34)} seed ${r.seed}  ${Math.round(r.wallMs)} ms`,
        );
      for (const r of results.filter((x) => x.verdict !== "pass")) log(`  reproduce: ${r.reproduce}`);
    }
    return exitOf(verdict);
  },
};
