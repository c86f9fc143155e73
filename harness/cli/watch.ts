import path from "node:path";
import { PROVIDERS } from "../env/start-environment.ts";
import { UsageError } from "../errors.ts";
import { newSeed } from "../random.ts";
import { runId, targetLease } from "../run/run-scenario.ts";
import { readWatchState } from "../watch/control.ts";
import { Watch } from "../watch/watch.ts";
import {
  choiceOption,
  intOption,
  type OptionSpecs,
  optionsHelp,
  parseOptions,
  reportDirOption,
} from "./args.ts";
import { type Command, exitOf } from "./command.ts";
import { printRun } from "./print-run.ts";
import {
  bugOption,
  CONFIG_OPTION,
  configArg,
  LEASE_OPTION,
  profileFromOption,
  toxiproxyUrlOption,
} from "./profile-option.ts";

const OPTIONS: OptionSpecs = {
  config: CONFIG_OPTION,
  lease: {
    ...LEASE_OPTION,
    help: "the lease `--target leader` means (default: the profile's primary role's)",
  },
  "ttl-ms": { type: "string", help: "lease ttl the workers are told, default 2000" },
  bug: { type: "string", help: "watch one of the profile's variants" },
  seed: { type: "string", help: "seed of the workload schedule (logged)" },
  provider: {
    type: "string",
    help: "local (embedded, default), docker (containers), compose (attach to a running docker-compose.chaos.yml stack) or auto",
  },
  "toxiproxy-url": {
    type: "string",
    help: "a running Toxiproxy API for the workers' proxies (env LEASE_CHAOS_TOXIPROXY_URL)",
  },
  "clock-faults": {
    type: "boolean",
    help: "start the --lease's workers under libfaketime so that clock-step and clock-rate can be injected",
  },
  "report-dir": { type: "string", help: "folder for events.jsonl, verdict.json and timeline.html" },
};

/** `lease-chaos watch`: an environment held until Ctrl-C, narrated live, faulted from a second terminal. */
export const watchCommand: Command = {
  name: "watch",
  summary:
    "start (or attach to) the workers and narrate the leases live; inject faults from another terminal",
  usage: `usage: lease-chaos watch [options]

Starts the environment (on compose: attaches to the running stack) and keeps it until Ctrl-C or
\`quit\`, narrating lease changes, LEADER / expired-locally / lease-lost lines and the backlog in
time order. From another terminal, \`lease-chaos inject\` and \`lease-chaos heal\` act on it. Type
leases (the lease rows now), checks (every check over what is recorded so far), faults or quit.
When it stops it heals what is still on, drains, judges every check and writes the report with
its timeline.

${optionsHelp(OPTIONS)}

exit 0 every check passed, 1 a check failed, 2 bad input, 3 unknown`,
  async run(argv) {
    const { values } = parseOptions(argv, OPTIONS);
    const profile = await profileFromOption(values.config);
    const lease = targetLease(profile, typeof values.lease === "string" ? values.lease : undefined);
    const ttlMs = intOption(values, "ttl-ms", { min: 500, max: 600_000 }) ?? 2_000;
    const bug = bugOption(values, profile);
    const seed = intOption(values, "seed", { min: 0, max: 2 ** 31 - 1 }) ?? newSeed();
    const provider = choiceOption(values, "provider", PROVIDERS) ?? "local";
    const toxiproxyUrl = toxiproxyUrlOption(values);
    if (provider === "compose" && values["clock-faults"] === true)
      throw new UsageError(
        "--clock-faults starts workers under libfaketime; a compose stack the watch attaches to was started without it",
      );
    // One watch per state file: refused before anything starts.
    const other = readWatchState();
    if (other)
      throw new UsageError(
        `a watch is already running (pid ${other.pid}, started ${new Date(other.startedAt).toISOString()}); stop it first or give this one its own LEASE_CHAOS_WATCH_FILE`,
      );
    const id = runId(seed);
    const reportDir = reportDirOption(values, path.join("reports", `watch-${id}`));
    const log = (line: string) => process.stdout.write(`${line}\n`);
    const watch = await Watch.open({
      profile,
      lease,
      ttlMs,
      seed,
      runId: id,
      bug,
      provider,
      reportDir,
      reproduce: `npx lease-chaos watch --ttl-ms ${ttlMs} --seed ${seed}${configArg(profile)}${bug ? ` --bug ${bug}` : ""}${provider === "local" ? "" : ` --provider ${provider}`} (then the same injections)`,
      clockFaults: values["clock-faults"] === true,
      print: log,
      input: process.stdin,
      ...(toxiproxyUrl ? { toxiproxyUrl } : {}),
    });
    const why = await watch.stopped();
    const result = await watch.finish(why);
    printRun(result, log);
    return exitOf(result.verdict);
  },
};
