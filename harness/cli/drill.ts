import { pauseDrill } from "../../scenarios/pause-drill.ts";
import { PROVIDERS } from "../env/start-environment.ts";
import { writeJunit } from "../report/junit.ts";
import { runScenario, targetLease } from "../run/run-scenario.ts";
import {
  choiceOption,
  intOption,
  type OptionSpecs,
  optionsHelp,
  parseOptions,
  reportDirOption,
} from "./args.ts";
import { type Command, exitOf } from "./command.ts";
import { junitOption } from "./outputs.ts";
import { printRun, runJson } from "./print-run.ts";
import { bugOption, CONFIG_OPTION, configArg, LEASE_OPTION, profileFromOption } from "./profile-option.ts";

const OPTIONS: OptionSpecs = {
  config: CONFIG_OPTION,
  lease: LEASE_OPTION,
  "ttl-ms": { type: "string", help: "lease ttl (leaderElection.ttlMs), default 2000" },
  bug: {
    type: "string",
    help: "run one of the profile's variants (the reference worker's bugs: see the README)",
  },
  seed: { type: "string", help: "seed for the workload schedule (logged; repeat a run with it)" },
  provider: {
    type: "string",
    help: "local (embedded, default), docker (containers; LEASE_CHAOS_{POSTGRES,TOXIPROXY}_IMAGE), compose (attach to a running docker-compose.chaos.yml stack) or auto (docker when it can run here, else local)",
  },
  "report-dir": { type: "string", help: "folder for events.jsonl, verdict.json and timeline.html" },
  junit: {
    type: "string",
    help: "write a JUnit XML file: a test case per scenario and per check, rewritten after every run",
  },
  json: { type: "boolean", help: "print one JSON object on stdout instead of the narration" },
};

/** `lease-chaos drill`: the runbook's pause drill, with a verdict. */
export const drillCommand: Command = {
  name: "drill",
  summary: "run the runbook's pause drill (lease lost mid-batch) and give a verdict",
  usage: `usage: lease-chaos drill [options]\n\n${optionsHelp(OPTIONS)}\n\nexit 0 pass, 1 a check failed, 2 bad input, 3 unknown (evidence missing, a fault or premise that did not happen)`,
  async run(argv) {
    const { values } = parseOptions(argv, OPTIONS);
    const profile = await profileFromOption(values.config);
    const lease = typeof values.lease === "string" ? targetLease(profile, values.lease) : undefined;
    const ttlMs = intOption(values, "ttl-ms", { min: 500, max: 600_000 }) ?? 2_000;
    const bug = bugOption(values, profile);
    const seed = intOption(values, "seed", { min: 0, max: 2 ** 31 - 1 });
    const provider = choiceOption(values, "provider", PROVIDERS) ?? "local";
    // Checked before anything starts: a folder that cannot be written must not lose a finished run.
    const reportDir = typeof values["report-dir"] === "string" ? reportDirOption(values, "") : undefined;
    if (reportDir === undefined) reportDirOption({}, "reports");
    const junit = junitOption(values);
    const json = values.json === true;
    const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
    const result = await runScenario(pauseDrill, {
      ttlMs,
      bug,
      profile,
      ...(lease ? { lease } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(reportDir ? { reportDir } : {}),
      provider,
      progress: json ? () => {} : log,
      reproduce: (s) =>
        `npx lease-chaos drill --ttl-ms ${ttlMs} --seed ${s}${configArg(profile)}${lease ? ` --lease ${lease}` : ""}${bug ? ` --bug ${bug}` : ""}${provider === "local" ? "" : ` --provider ${provider}`}`,
    });
    if (junit) writeJunit(junit, [{ result, wallMs: result.wallMs }], "lease-chaos drill");
    if (json) process.stdout.write(`${JSON.stringify(runJson(result))}\n`);
    else printRun(result, log);
    return exitOf(result.verdict);
  },
};
