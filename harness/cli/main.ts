import { UsageError } from "../errors.ts";
import { analyzeCommand } from "./analyze.ts";
import type { Command } from "./command.ts";
import { EXIT } from "./command.ts";
import { drillCommand } from "./drill.ts";
import { listCommand } from "./list.ts";
import { proxyCommand } from "./proxy.ts";
import { runCommand } from "./run.ts";

// The registry: adding a command is its file plus one line here.
const commands: Command[] = [drillCommand, runCommand, listCommand, analyzeCommand, proxyCommand];

function help(): string {
  const rows = commands.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join("\n");
  return `usage: lease-chaos <command> [options]\n\ncommands:\n${rows}\n\nRun 'lease-chaos <command> --help' for its options.`;
}

/** Runs the CLI on argv (without node and script) and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name === undefined ? EXIT.usage : EXIT.pass;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(
      `lease-chaos: unknown command ${JSON.stringify(name)}; valid: ${commands.map((c) => c.name).join(", ")}`,
    );
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.usage);
    return EXIT.pass;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`lease-chaos ${command.name}: ${err.message}`);
      return EXIT.usage;
    }
    console.error(`lease-chaos ${command.name}: ${(err as Error).stack ?? String(err)}`);
    return EXIT.usage;
  }
}
