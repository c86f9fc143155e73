import path from "node:path";
import { closest } from "../closest.ts";
import { UsageError } from "../errors.ts";
import { campaignVerdict, explore, primitivesFor } from "../explore/campaign.ts";
import { findingJunitEntry } from "../explore/finding.ts";
import { availablePrimitives, PRIMITIVE_SPECS } from "../explore/primitives.ts";
import { PRIMITIVES, type Primitive } from "../explore/schedule.ts";
import { leasesOf } from "../profile/profile.ts";
import { writeJunit } from "../report/junit.ts";
import { intOption, type OptionSpecs, optionsHelp, parseOptions, reportDirOption } from "./args.ts";
import { type Command, exitOf } from "./command.ts";
import { jobsOption, providerOption, seedOption, sharedOptions, ttlOption } from "./options.ts";
import { junitOption, overridesPrefix, withPool } from "./outputs.ts";
import { bugOption, configArg, profileFromOption, toxiproxyUrlOption } from "./profile-option.ts";
import { shardOption } from "./shard.ts";

const OPTIONS: OptionSpecs = {
  minutes: { type: "string", help: "draw schedules for this many minutes (default: --runs 20)" },
  runs: { type: "string", help: "draw this many schedules" },
  faults: {
    type: "string",
    help: `comma-separated primitives to draw from (default: all the profile can take): ${availablePrimitives().join(", ")}`,
  },
  "max-faults": { type: "string", help: "at most this many fault events a schedule (default 3)" },
  tries: {
    type: "string",
    help: "a shrink candidate fails when it fails the same check in one of this many runs (default 3)",
  },
  "shrink-minutes": { type: "string", help: "how long a finding's shrink may take (default 10)" },
  ...sharedOptions(
    [
      "config",
      "bug",
      "seed",
      "ttl-ms",
      "provider",
      "toxiproxy-url",
      "report-dir",
      "junit",
      "jobs",
      "shard",
      "json",
    ],
    {
      seed: "seed of the campaign: schedule i is drawn from seed + i (logged)",
      "report-dir": "root folder of the campaign (default reports/explore-<time>)",
      jobs: "run up to N schedules side by side on one shared cluster (default 1)",
      shard:
        "run shard i of n (i/n): every n-th schedule of the seed space; `lease-chaos merge` joins campaigns",
      junit: "write a JUnit XML file: a test case per finding (by check and shape), and the campaign",
      json: "print the campaign's summary as one JSON object",
    },
  ),
};

/** `lease-chaos explore`: random fault schedules on any worker, each failure shrunk to a minimal replayable one. */
export const exploreCommand: Command = {
  name: "explore",
  summary: "draw random fault schedules from a seed, judge each by every check, shrink each failure",
  usage: `usage: lease-chaos explore [--minutes N | --runs N] [options]

Draws fault schedules (docs/explore.md) from --seed, runs each on the profile's workers, judges it
by every check. A run whose faults did not all take effect is no evidence; a failing run is shrunk
to the smallest schedule that still fails the same check (in one of --tries runs) and kept as a
finding: finding.json (replay: lease-chaos run --schedule finding.json), its report and a scenario
file for lease-chaos/vitest.

${optionsHelp(OPTIONS)}

exit 0 no finding, 1 a finding, 2 bad input, 3 nothing could be judged`,
  async run(argv) {
    const { values } = parseOptions(argv, OPTIONS);
    const profile = await profileFromOption(values.config);
    const minutes = intOption(values, "minutes", { min: 1, max: 24 * 60 });
    const runs = intOption(values, "runs", { min: 1, max: 100_000 });
    const maxFaults = intOption(values, "max-faults", { min: 1, max: 12 }) ?? 3;
    const tries = intOption(values, "tries", { min: 1, max: 20 }) ?? 3;
    const shrinkMinutes = intOption(values, "shrink-minutes", { min: 0, max: 24 * 60 }) ?? 10;
    const faults = faultsOption(values);
    const lease = leasesOf(profile)[0] as string;
    const usable = primitivesFor(profile, lease, faults, providerOption(values));
    if (usable.length === 0)
      throw new UsageError(
        `--faults: none of ${(faults ?? availablePrimitives()).join(", ")} can run on profile ${profile.name} (clock faults need roles.*.clockFaults, work-row-lock needs work.effects)`,
      );
    const bug = bugOption(values, profile);
    const seed = seedOption(values);
    const ttlMs = ttlOption(values);
    const provider = providerOption(values);
    const toxiproxyUrl = toxiproxyUrlOption(values);
    const jobs = jobsOption(values);
    const shard = shardOption(values);
    const junit = junitOption(values);
    const root = reportDirOption(values, path.join("reports", `explore-${Date.now()}`));
    const json = values.json === true;
    const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
    log(
      `explore: profile ${profile.name}, seed ${seed}, ttl ${ttlMs} ms, provider ${provider}, ${minutes !== undefined ? `${minutes} min` : `${runs ?? 20} run(s)`}, primitives ${usable.join(", ")}, up to ${maxFaults} fault(s), ${tries} tries a shrink candidate${shard ? `, shard ${shard.index}/${shard.count}` : ""}; reports in ${root}`,
    );
    const summary = await withPool(provider, { seed, ...(toxiproxyUrl ? { toxiproxyUrl } : {}) }, (pool) =>
      explore({
        profile,
        ttlMs,
        seed,
        ...(runs !== undefined ? { runs } : {}),
        ...(minutes !== undefined ? { minutes } : {}),
        ...(faults ? { faults } : {}),
        maxFaults,
        jobs,
        tries,
        shrinkMinutes,
        bug,
        reportDir: root,
        provider,
        ...(toxiproxyUrl ? { toxiproxyUrl } : {}),
        ...(shard ? { shard } : {}),
        ...(pool ? { pool } : {}),
        progress: log,
        reproducePrefix: (file, s) =>
          `${overridesPrefix()}npx lease-chaos run --schedule ${shortPath(file)} --ttl-ms ${ttlMs} --seed ${s}${configArg(profile)}${bug ? ` --bug ${bug}` : ""}${toxiproxyUrl ? ` --toxiproxy-url ${toxiproxyUrl}` : ""}${provider === "local" ? "" : ` --provider ${provider}`}`,
      }),
    );
    if (junit) writeJunit(junit, summary.findings.map(findingJunitEntry), "lease-chaos explore");
    if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    return exitOf(campaignVerdict(summary));
  },
};

function faultsOption(values: Record<string, string | boolean | undefined>): Primitive[] | undefined {
  const raw = values.faults;
  if (typeof raw !== "string") return undefined;
  const list = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const f of list) {
    if (!(PRIMITIVES as readonly string[]).includes(f)) {
      const near = closest(f, [...PRIMITIVES]);
      throw new UsageError(
        `--faults: no primitive ${JSON.stringify(f)}${near ? `; did you mean ${near}?` : ""} (${PRIMITIVES.join(", ")})`,
      );
    }
    if (!PRIMITIVE_SPECS[f as Primitive])
      throw new UsageError(
        `--faults: ${f} is not available here; available: ${availablePrimitives().join(", ")}`,
      );
  }
  return list as Primitive[];
}

// A path inside the working directory reads relative to it, any other absolute.
function shortPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith("..") ? path.resolve(file) : rel;
}
