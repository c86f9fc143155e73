import { UsageError } from "../errors.ts";
import { callWatch, requireWatch } from "../watch/control.ts";
import type { HealAnswer } from "../watch/watch.ts";
import { type OptionSpecs, optionsHelp, parseOptions } from "./args.ts";
import { type Command, EXIT } from "./command.ts";

const OPTIONS: OptionSpecs = {
  all: { type: "boolean", help: "heal every injection still on" },
};

/** `lease-chaos heal`: undoes injections of the running watch. */
export const healCommand: Command = {
  name: "heal",
  summary: "heal an injection of the running watch (or --all)",
  usage: `usage: lease-chaos heal ID | --all\n\n${optionsHelp(OPTIONS)}\n\nIDs are what inject printed (e.g. latency-1); the watch's \`faults\` lists them.\nexit 0 healed, 2 bad input or no watch running, 3 a heal failed`,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, OPTIONS, true);
    const all = values.all === true;
    if (all === positionals.length > 0 || positionals.length > 1)
      throw new UsageError("give one injection id (as inject printed it) or --all");
    const state = requireWatch();
    const answer = await callWatch<HealAnswer>(
      state,
      "POST /heal",
      all ? { all } : { id: positionals[0] },
      60_000,
    );
    console.log(answer.healed.length ? `healed ${answer.healed.join(", ")}` : "nothing to heal");
    return EXIT.pass;
  },
};
