import { pauseDrill } from "../../scenarios/pause-drill.ts";
import { writeJunit } from "../report/junit.ts";
import { runScenario, targetLease } from "../run/run-scenario.ts";
import { type OptionSpecs, optionsHelp, parseOptions, reportDirOption } from "./args.ts";
import { type Command, exitOf } from "./command.ts";
import { providerOption, seedGiven, sharedOptions, ttlOption } from "./options.ts";
import { junitOption } from "./outputs.ts";
import { printRun, runJson } from "./print-run.ts";
import { bugOption, configArg, profileFromOption } from "./profile-option.ts";

const OPTIONS: OptionSpecs = sharedOptions(
  ["config", "lease", "ttl-ms", "bug", "seed", "provider", "report-dir", "junit", "json"],
  {
    seed: "seed for the workload schedule (logged; repeat a run with it)",
    "report-dir": "folder for events.jsonl, verdict.json and timeline.html",
  },
);

/** `lease-chaos drill`: the runbook's pause drill, with a verdict. */
export const drillCommand: Command = {
  name: "drill",
  summary: "run the runbook's pause drill (lease lost mid-batch) and give a verdict",
  usage: `usage: lease-chaos drill [options]\n\n${optionsHelp(OPTIONS)}\n\nexit 0 pass, 1 a check failed, 2 bad input, 3 unknown (evidence missing, a fault or premise that did not happen)`,
  async run(argv) {
    const { values } = parseOptions(argv, OPTIONS);
    const profile = await profileFromOption(values.config);
    const lease = typeof values.lease === "string" ? targetLease(profile, values.lease) : undefined;
    const ttlMs = ttlOption(values);
    const bug = bugOption(values, profile);
    const seed = seedGiven(values);
    const provider = providerOption(values);
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
