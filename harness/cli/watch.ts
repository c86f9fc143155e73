import path from "node:path";
import { UsageError } from "../errors.ts";
import { runId, targetLease } from "../run/run-scenario.ts";
import { readWatchState } from "../watch/control.ts";
import { Watch } from "../watch/watch.ts";
import { type OptionSpecs, optionsHelp, parseOptions, reportDirOption } from "./args.ts";
import { type Command, exitOf } from "./command.ts";
import { providerOption, seedOption, sharedOptions, ttlOption } from "./options.ts";
import { printRun } from "./print-run.ts";
import { bugOption, configArg, profileFromOption, toxiproxyUrlOption } from "./profile-option.ts";

const OPTIONS: OptionSpecs = {
  ...sharedOptions(["config", "lease", "ttl-ms", "bug", "seed", "provider", "toxiproxy-url"], {
    lease: "the lease `--target leader` means (default: the profile's primary role's)",
    "ttl-ms": "lease ttl the workers are told, default 2000",
    bug: "watch one of the profile's variants",
    seed: "seed of the workload schedule (logged)",
  }),
  "clock-faults": {
    type: "boolean",
    help: "start the --lease's workers under libfaketime so that clock-step and clock-rate can be injected",
  },
  ...sharedOptions(["report-dir"], {
    "report-dir": "folder for events.jsonl, verdict.json and timeline.html",
  }),
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
    const ttlMs = ttlOption(values);
    const bug = bugOption(values, profile);
    const seed = seedOption(values);
    const provider = providerOption(values);
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
      reproduce: `npx lease-chaos watch --ttl-ms ${ttlMs} --seed ${seed}${configArg(profile)}${bug ? ` --bug ${bug}` : ""}${provider === "local" ? "" : ` --provider ${provider}`}`,
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
