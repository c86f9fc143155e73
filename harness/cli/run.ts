import path from "node:path";
import { catalogue } from "../../scenarios/index.ts";
import { worstVerdict } from "../checks/registry.ts";
import { PROVIDERS } from "../env/start-environment.ts";
import { UsageError } from "../errors.ts";
import { leasesOf } from "../profile/profile.ts";
import { newSeed } from "../random.ts";
import { type RunResult, runScenario, targetLease } from "../run/run-scenario.ts";
import { splitQualified } from "../run/scenario.ts";
import { choiceOption, intOption, type OptionSpecs, optionsHelp, parseOptions } from "./args.ts";
import { type Command, exitOf } from "./command.ts";
import { printRun, runJson } from "./print-run.ts";
import { CONFIG_OPTION, configArg, LEASE_OPTION, profileFromOption } from "./profile-option.ts";

const OPTIONS: OptionSpecs = {
  all: { type: "boolean", help: "run every scenario of the catalogue (the main ones on every lease too)" },
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
  "report-dir": { type: "string", help: "root folder of the run reports (default reports/<run-id>)" },
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
      ? entries
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
    const bug = typeof values.bug === "string" ? values.bug : null;
    const variants = Object.keys(profile.data.variants);
    if (bug !== null && !variants.includes(bug))
      throw new UsageError(
        `--bug ${JSON.stringify(bug)} is not a variant of profile ${profile.name}; valid: ${variants.join(", ") || "none"}`,
      );
    const repeat = intOption(values, "repeat", { min: 1, max: 1000 }) ?? 1;
    const firstSeed = intOption(values, "seed", { min: 0, max: 2 ** 31 - 1 }) ?? newSeed();
    const ttlMs = intOption(values, "ttl-ms", { min: 500, max: 600_000 }) ?? 2_000;
    const provider = choiceOption(values, "provider", PROVIDERS) ?? "local";
    const toxiproxyUrl =
      (values["toxiproxy-url"] as string | undefined) ?? process.env.LEASE_CHAOS_TOXIPROXY_URL;
    if (toxiproxyUrl !== undefined && !/^https?:\/\/[^/]+/.test(toxiproxyUrl)) {
      throw new UsageError(
        `--toxiproxy-url must be an http URL such as http://127.0.0.1:8474, got ${JSON.stringify(toxiproxyUrl)}`,
      );
    }
    const root = path.resolve(
      (values["report-dir"] as string | undefined) ?? path.join("reports", `run-${Date.now()}`),
    );
    const json = values.json === true;
    const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);

    const results: RunResult[] = [];
    for (const entry of chosen) {
      for (let i = 0; i < repeat; i++) {
        const seed = firstSeed + i;
        const result = await runScenario(entry.scenario, {
          ttlMs,
          bug,
          seed,
          profile,
          lease: entry.lease,
          ...(toxiproxyUrl ? { toxiproxyUrl } : {}),
          provider,
          reportDir: path.join(root, repeat > 1 ? `${entry.name}-${i + 1}` : entry.name),
          progress: json ? () => {} : log,
          reproduce: (s) =>
            `npx lease-chaos run ${entry.name} --ttl-ms ${ttlMs} --seed ${s}${configArg(profile)}${bug ? ` --bug ${bug}` : ""}${toxiproxyUrl ? ` --toxiproxy-url ${toxiproxyUrl}` : ""}${provider === "local" ? "" : ` --provider ${provider}`}`,
        });
        results.push(result);
        if (!json) printRun(result, log);
        else log(`${entry.name} seed ${seed}: ${result.verdict}`);
      }
    }
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
