import { catalogue } from "../../scenarios/index.ts";
import { UsageError } from "../errors.ts";
import { roleOfLease } from "../profile/profile.ts";
import { applicability, skipReason } from "../run/applicability.ts";
import { describeKnobs } from "../run/knobs.ts";
import { timingsFor } from "../run/timing.ts";
import { workerTimingsOf } from "../run/tolerance.ts";
import { closest, type OptionSpecs, optionsHelp, parseOptions } from "./args.ts";
import { type Command, EXIT } from "./command.ts";
import { CONFIG_OPTION, profileFromOption } from "./profile-option.ts";

const OPTIONS: OptionSpecs = {
  config: CONFIG_OPTION,
  verbose: {
    type: "boolean",
    help: "also each scenario's faults, premises and knobs (with defaults at ttl 2000 ms)",
  },
};

/** `lease-chaos list`: the scenarios of the catalogue for the profile; `--verbose` or `list NAME` says more. */
export const listCommand: Command = {
  name: "list",
  summary: "list the scenarios of the failure catalogue (--verbose: faults, premises and knobs)",
  usage: `usage: lease-chaos list [NAME...] [options]\n\n${optionsHelp(OPTIONS)}`,
  async run(argv) {
    const { values, positionals: given } = parseOptions(argv, OPTIONS, true);
    const positionals = given as string[];
    const profile = await profileFromOption(values.config);
    const entries = catalogue(profile);
    for (const p of positionals)
      if (!entries.some((e) => e.name === p || e.scenario.name === p)) {
        const near = closest(
          p,
          entries.map((e) => e.name),
        );
        throw new UsageError(
          `unknown scenario ${JSON.stringify(p)}${near ? `; did you mean ${near}?` : ""} (valid: ${entries.map((e) => e.name).join(", ")})`,
        );
      }
    const chosen = positionals.length
      ? entries.filter((e) => positionals.includes(e.name) || positionals.includes(e.scenario.name))
      : entries;
    const verbose = values.verbose === true || positionals.length > 0;
    const width = Math.max(...chosen.map((e) => e.name.length)) + 2;
    const t = timingsFor(2_000);
    for (const e of chosen) {
      console.log(`${e.name.padEnd(width)}${e.scenario.summary}`);
      if (!verbose) continue;
      const indent = " ".repeat(4);
      console.log(`${indent}faults: ${e.scenario.faults?.join(", ") || "-"}; aimed at lease ${e.lease}`);
      console.log(`${indent}premises: ${e.scenario.premises?.join(", ") || "none"}`);
      const knobs = describeKnobs(
        e.scenario.knobs,
        t,
        1,
        workerTimingsOf(roleOfLease(profile, e.lease), e.scenario.timings ? e.scenario.timings(t) : t),
      );
      const a = applicability(e.scenario, profile, e.lease);
      if (a.status === "skipped") console.log(`${indent}skipped on this profile: ${skipReason(a)}`);
      console.log(`${indent}knobs (--set name=value):${knobs.length ? "" : " none"}`);
      for (const k of knobs) console.log(`${indent}  ${k}`);
    }
    // The profile's variants (the reference worker's bugs): what --bug takes, and what must catch each.
    const variants = Object.entries(profile.data.variants);
    if (positionals.length === 0 && variants.length > 0) {
      console.log("");
      console.log(`variants of profile ${profile.name} (--bug NAME; lease-chaos matrix runs them all):`);
      const vw = Math.max(...variants.map(([name]) => name.length)) + 2;
      for (const [name, v] of variants) {
        const caught = v.caughtBy.map((c) => `${c.scenario} / ${c.check}`).join(", ");
        console.log(`${name.padEnd(vw)}${v.description || "-"}${caught ? `; caught by ${caught}` : ""}`);
      }
    }
    return EXIT.pass;
  },
};
