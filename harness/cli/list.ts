import { catalogue } from "../../scenarios/index.ts";
import { type OptionSpecs, parseOptions } from "./args.ts";
import { type Command, EXIT } from "./command.ts";
import { CONFIG_OPTION, profileFromOption } from "./profile-option.ts";

const OPTIONS: OptionSpecs = { config: CONFIG_OPTION };

/** `lease-chaos list`: the scenarios of the catalogue for the profile, one line each. */
export const listCommand: Command = {
  name: "list",
  summary: "list the scenarios of the failure catalogue",
  usage: "usage: lease-chaos list [--config FILE]",
  async run(argv) {
    const { values } = parseOptions(argv, OPTIONS);
    const profile = await profileFromOption(values.config);
    const entries = catalogue(profile);
    const width = Math.max(...entries.map((e) => e.name.length)) + 2;
    for (const e of entries) console.log(`${e.name.padEnd(width)}${e.scenario.summary}`);
    return EXIT.pass;
  },
};
