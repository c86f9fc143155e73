import { BUG_NAMES } from "../../fixtures/workers/bugs.ts";
import { pauseDrill } from "../../scenarios/pause-drill.ts";
import { PROVIDERS } from "../env/start-environment.ts";
import { runScenario } from "../run/run-scenario.ts";
import { choiceOption, intOption, type OptionSpecs, optionsHelp, parseOptions } from "./args.ts";
import { type Command, EXIT } from "./command.ts";
import { printRun, runJson } from "./print-run.ts";

const OPTIONS: OptionSpecs = {
  "ttl-ms": { type: "string", help: "lease ttl (leaderElection.ttlMs), default 2000" },
  bug: { type: "string", help: `run a deliberately broken worker: ${BUG_NAMES.join(", ")}` },
  seed: { type: "string", help: "seed for the workload schedule (logged; repeat a run with it)" },
  provider: {
    type: "string",
    help: "local (embedded, default), docker (containers; LEASE_CHAOS_{POSTGRES,TOXIPROXY,WORKER}_IMAGE), compose (attach to a running docker-compose.chaos.yml stack) or auto (docker when it can run here, else local)",
  },
  "report-dir": { type: "string", help: "folder for events.jsonl and verdict.json" },
  json: { type: "boolean", help: "print one JSON object on stdout instead of the narration" },
};

/** `lease-chaos drill`: the runbook's pause drill on the local provider, with a verdict. */
export const drillCommand: Command = {
  name: "drill",
  summary: "run the runbook's pause drill (lease lost mid-batch) and give a verdict",
  usage: `usage: lease-chaos drill [options]\n\n${optionsHelp(OPTIONS)}\n\nexit 0 pass, 1 a check failed, 2 bad input or an unknown verdict`,
  async run(argv) {
    const { values } = parseOptions(argv, OPTIONS);
    const ttlMs = intOption(values, "ttl-ms", { min: 500, max: 600_000 }) ?? 2_000;
    const bug = choiceOption(values, "bug", BUG_NAMES) ?? null;
    const seed = intOption(values, "seed", { min: 0, max: 2 ** 31 - 1 });
    const provider = choiceOption(values, "provider", PROVIDERS) ?? "local";
    const reportDir = values["report-dir"] as string | undefined;
    const json = values.json === true;
    const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
    const result = await runScenario(pauseDrill, {
      ttlMs,
      bug,
      ...(seed !== undefined ? { seed } : {}),
      ...(reportDir ? { reportDir } : {}),
      provider,
      progress: json ? () => {} : log,
      reproduce: (s) =>
        `npx lease-chaos drill --ttl-ms ${ttlMs} --seed ${s}${bug ? ` --bug ${bug}` : ""}${provider === "local" ? "" : ` --provider ${provider}`}`,
    });
    if (json) process.stdout.write(`${JSON.stringify(runJson(result))}\n`);
    else printRun(result, log);
    return result.verdict === "pass" ? EXIT.pass : result.verdict === "fail" ? EXIT.fail : EXIT.usage;
  },
};
