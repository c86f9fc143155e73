import { scenarios } from "../../scenarios/index.ts";
import { parseOptions } from "./args.ts";
import { type Command, EXIT } from "./command.ts";

/** `lease-chaos list`: the scenarios of the catalogue, one line each. */
export const listCommand: Command = {
  name: "list",
  summary: "list the scenarios of the failure catalogue",
  usage: "usage: lease-chaos list",
  async run(argv) {
    parseOptions(argv, {});
    const width = Math.max(...scenarios.map((s) => s.name.length)) + 2;
    for (const s of scenarios) console.log(`${s.name.padEnd(width)}${s.summary}`);
    return EXIT.pass;
  },
};
