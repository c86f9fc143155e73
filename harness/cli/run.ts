import path from "node:path";
import { BUG_NAMES } from "../../fixtures/workers/bugs.ts";
import { scenarios } from "../../scenarios/index.ts";
import { worstVerdict } from "../checks/registry.ts";
import { PROVIDERS } from "../env/start-environment.ts";
import { UsageError } from "../errors.ts";
import { newSeed } from "../random.ts";
import { type RunResult, runScenario } from "../run/run-scenario.ts";
import { choiceOption, intOption, type OptionSpecs, optionsHelp, parseOptions } from "./args.ts";
import { type Command, EXIT } from "./command.ts";
import { printRun, runJson } from "./print-run.ts";

const OPTIONS: OptionSpecs = {
  all: { type: "boolean", help: "run every scenario of the catalogue" },
  bug: { type: "string", help: `run a deliberately broken worker: ${BUG_NAMES.join(", ")}` },
  repeat: { type: "string", help: "run each scenario N times (seeds S, S+1, ...)" },
  seed: { type: "string", help: "seed of the first run (logged; repeat a run with it)" },
  "ttl-ms": { type: "string", help: "lease ttl, default 2000" },
  "toxiproxy-url": {
    type: "string",
    help: "a running Toxiproxy API for the workers' proxies (env LEASE_CHAOS_TOXIPROXY_URL)",
  },
  provider: {
    type: "string",
    help: "local (embedded, default), docker (containers; LEASE_CHAOS_{POSTGRES,TOXIPROXY,WORKER}_IMAGE), compose (attach to a running docker-compose.chaos.yml stack) or auto (docker when it can run here, else local)",
  },
  "report-dir": { type: "string", help: "root folder of the run reports (default reports/<run-id>)" },
  json: { type: "boolean", help: 'print one JSON object: {"verdict","runs":[...]}' },
};

const names = scenarios.map((s) => s.name);

/** `lease-chaos run`: runs catalogue scenarios on the local provider, each with its own verdict. */
export const runCommand: Command = {
  name: "run",
  summary: "run scenarios of the failure catalogue (see list) and give verdicts",
  usage: `usage: lease-chaos run [SCENARIO... | --all] [options]\n\nscenarios: ${names.join(", ")}\n\n${optionsHelp(OPTIONS)}\n\nexit 0 all pass, 1 a check failed, 2 bad input or an unknown verdict`,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, OPTIONS, true);
    for (const p of positionals) {
      if (!names.includes(p))
        throw new UsageError(`unknown scenario ${JSON.stringify(p)}; valid: ${names.join(", ")}`);
    }
    if (values.all && positionals.length > 0) throw new UsageError("give scenario names or --all, not both");
    if (!values.all && positionals.length === 0)
      throw new UsageError(`name a scenario or give --all; valid: ${names.join(", ")}`);
    const chosen = values.all
      ? scenarios
      : scenarios.filter((s) => (positionals as string[]).includes(s.name));
    const bug = choiceOption(values, "bug", BUG_NAMES) ?? null;
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
    for (const scenario of chosen) {
      for (let i = 0; i < repeat; i++) {
        const seed = firstSeed + i;
        const result = await runScenario(scenario, {
          ttlMs,
          bug,
          seed,
          ...(toxiproxyUrl ? { toxiproxyUrl } : {}),
          provider,
          reportDir: path.join(root, repeat > 1 ? `${scenario.name}-${i + 1}` : scenario.name),
          progress: json ? () => {} : log,
          reproduce: (s) =>
            `npx lease-chaos run ${scenario.name} --ttl-ms ${ttlMs} --seed ${s}${bug ? ` --bug ${bug}` : ""}${toxiproxyUrl ? ` --toxiproxy-url ${toxiproxyUrl}` : ""}${provider === "local" ? "" : ` --provider ${provider}`}`,
        });
        results.push(result);
        if (!json) printRun(result, log);
        else log(`${scenario.name} seed ${seed}: ${result.verdict}`);
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
          `  ${r.verdict.toUpperCase().padEnd(8)} ${r.scenario.padEnd(30)} seed ${r.seed}  ${Math.round(r.wallMs)} ms`,
        );
      const failed = results.filter((r) => r.verdict !== "pass");
      for (const r of failed) log(`  reproduce: ${r.reproduce}`);
    }
    return verdict === "pass" ? EXIT.pass : verdict === "fail" ? EXIT.fail : EXIT.usage;
  },
};
