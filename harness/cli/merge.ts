import fs from "node:fs";
import path from "node:path";
import type { Verdict } from "../checks/check.ts";
import { runsVerdict } from "../checks/registry.ts";
import { UsageError } from "../errors.ts";
import { campaignVerdict, EXPLORE_SUMMARY_KIND, type ExploreSummary } from "../explore/campaign.ts";
import { findingJunitEntry } from "../explore/finding.ts";
import { IncompleteCampaignError, mergeCampaigns } from "../explore/merge.ts";
import { writeJunit } from "../report/junit.ts";
import { renderMergeIndex } from "../report/merge-index.ts";
import type { VerdictFile } from "../report/write.ts";
import { type OptionSpecs, optionsHelp, parseOptions, writableFolder } from "./args.ts";
import { type Command, exitOf } from "./command.ts";
import { IncompleteMergeError } from "./incomplete-merge-error.ts";
import { junitOption } from "./outputs.ts";
import { checkShards, type FoundSummary, readSummary, SUMMARY_FILE } from "./summary.ts";

const OPTIONS: OptionSpecs = {
  junit: { type: "string", help: "write one JUnit XML file for every run found" },
  out: { type: "string", help: "write the merged summary (verdict.json) and index.html into this folder" },
  json: { type: "boolean", help: 'print one JSON object: {"verdict","runs":[...],"variants":[...]}' },
};

/** A run folder merge found: its verdict.json, read. */
interface FoundRun {
  dir: string;
  file: VerdictFile;
}

/**
 * Every run's verdict.json under the folders (a run folder, or a root of many), in path order, and
 * every command's summary.json. A run folder holds events.jsonl too, unless its run was skipped
 * (nothing started: verdict.json alone says why); a merged summary (an earlier --out) is not a run
 * and is skipped, and a folder reached twice (named twice, or inside another one named) counts once.
 */
function findReports(dirs: string[]): {
  runs: FoundRun[];
  summaries: FoundSummary[];
  campaigns: FoundCampaign[];
} {
  const runs: FoundRun[] = [];
  const summaries: FoundSummary[] = [];
  const campaigns: FoundCampaign[] = [];
  const seen = new Set<string>();
  const walk = (dir: string) => {
    const real = fs.realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    const has = (name: string) => entries.some((e) => e.isFile() && e.name === name);
    // An explore campaign is merged as a campaign: its schedules' runs (shrink candidates among
    // them) are its own evidence, judged by it already, not runs of a catalogue.
    const campaign = has(SUMMARY_FILE) ? readCampaign(path.join(dir, SUMMARY_FILE)) : null;
    if (campaign) {
      campaigns.push({ dir: real, summary: campaign });
      return;
    }
    if (has("verdict.json")) {
      let file: VerdictFile;
      try {
        file = JSON.parse(fs.readFileSync(path.join(dir, "verdict.json"), "utf8"));
      } catch (err) {
        throw new UsageError(`${path.join(dir, "verdict.json")} does not parse: ${(err as Error).message}`);
      }
      const isRun =
        typeof file.scenario === "string" &&
        Array.isArray(file.checks) &&
        (has("events.jsonl") || file.verdict === "skipped");
      if (isRun) {
        runs.push({ dir: real, file });
        return;
      }
    }
    const summary = readSummary(dir);
    if (summary) summaries.push({ dir: real, summary });
    for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
  };
  for (const d of dirs) {
    const abs = path.resolve(d);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory())
      throw new UsageError(`no report folder at ${abs}`);
    walk(abs);
  }
  return { runs, summaries, campaigns };
}

/** An explore campaign's summary.json found by merge. */
interface FoundCampaign {
  dir: string;
  summary: ExploreSummary;
}

/** summary.json of an explore campaign, or null when the file is another command's summary. */
function readCampaign(file: string): ExploreSummary | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`${file} does not parse: ${(err as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const s = parsed as Partial<ExploreSummary>;
  const isCampaign =
    s.kind === EXPLORE_SUMMARY_KIND ||
    (s.kind === undefined &&
      Array.isArray(s.findings) &&
      Array.isArray(s.seeds) &&
      typeof s.coverage === "object");
  if (!isCampaign) return null;
  for (const [i, f] of (s.findings ?? []).entries())
    if (typeof f?.check !== "string" || !Array.isArray(f?.schedule?.faults))
      throw new UsageError(
        `${file}: finding ${i + 1} has no ${typeof f?.check !== "string" ? "check" : "schedule"}`,
      );
  return s as ExploreSummary;
}

/** Catch rates per variant and scenario, as matrix prints them, from the runs' own verdicts. */
function variantsOf(runs: VerdictFile[]) {
  const rows = new Map<string, Map<string, { runs: number; caught: number; verdicts: Verdict[] }>>();
  for (const r of runs) {
    const v = r.bug ?? "reference";
    const row = rows.get(v) ?? new Map();
    rows.set(v, row);
    const cell = row.get(r.scenario) ?? { runs: 0, caught: 0, verdicts: [] };
    row.set(r.scenario, cell);
    cell.runs += 1;
    cell.verdicts.push(r.verdict);
    if (r.verdict === "fail") cell.caught += 1;
  }
  return [...rows].map(([variant, cells]) => ({
    variant,
    cells: [...cells].map(([scenario, c]) => ({ scenario, ...c })),
    ok:
      variant === "reference"
        ? [...cells.values()].every((c) => c.verdicts.every((x) => x === "pass"))
        : [...cells.values()].some((c) => c.caught === c.runs),
  }));
}

/**
 * `lease-chaos merge DIR...`: joins the report folders of several runs or shards (how a team
 * spreads a catalogue or a soak over CI machines) into one summary, verdict and JUnit file.
 */
export const mergeCommand: Command = {
  name: "merge",
  summary:
    "join the report folders of shards (run, matrix, soak, explore) into one summary, verdict and JUnit file",
  usage: `usage: lease-chaos merge DIR... [options]\n\n${optionsHelp(OPTIONS)}\n\nexit 0 every run passed (and, with bug variants, each is caught in every run of some scenario), 1 a failure, 2 bad input, 3 unknown`,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, OPTIONS, true);
    if (positionals.length === 0) throw new UsageError("name the report folders to merge");
    const junit = junitOption(values);
    const out =
      typeof values.out === "string"
        ? writableFolder(path.resolve(values.out), `--out ${JSON.stringify(values.out)}`)
        : undefined;
    const found = findReports(positionals);
    if (found.runs.length === 0 && found.summaries.length === 0 && found.campaigns.length === 0)
      throw new UsageError(`no verdict.json or explore summary.json under ${positionals.join(", ")}`);
    const shards = checkShards(found.summaries, new Set(found.runs.map((r) => r.dir)));
    // Explore campaigns: their shards must add up (same seed, every index once), like a run's.
    let campaign: ExploreSummary | null = null;
    if (found.campaigns.length > 0) {
      try {
        campaign = mergeCampaigns(found.campaigns.map((c) => c.summary));
      } catch (err) {
        if (!(err instanceof IncompleteCampaignError)) throw err;
        shards.problems.push(err.message);
      }
    }
    const runs = found.runs.map((f) => {
      const planned = shards.planned.get(f.dir);
      // A matrix's runs are judged as negative controls (a variant must be caught); a run of
      // `run --bug` is judged by its verdict, as it was on its own. Without a summary (reports of
      // older versions), a run with a bug is taken for a matrix cell.
      const control = planned ? planned.summary.command === "matrix" : f.file.bug !== null;
      return {
        result: { ...f.file, reportDir: f.dir },
        dir: f.dir,
        control,
        ...(planned?.summary.shard
          ? { shard: `shard ${planned.summary.shard.index}/${planned.summary.shard.count}` }
          : {}),
        ...(planned?.run.caughtBy && f.file.bug !== null ? { caughtBy: planned.run.caughtBy } : {}),
      };
    });
    const results = runs.map((r) => r.result);
    // Skipped runs (a scenario the profile cannot take) count for nothing, as in run and matrix.
    const matrixRuns = runs.filter((r) => r.control && r.result.verdict !== "skipped").map((r) => r.result);
    const variants = matrixRuns.length ? variantsOf(matrixRuns) : [];
    const judged = runsVerdict([
      ...runs.filter((r) => !r.control).map((r) => r.result.verdict),
      ...(campaign ? [campaignVerdict(campaign)] : []),
      ...(variants.length ? [variants.every((v) => v.ok) ? ("pass" as const) : ("fail" as const)] : []),
    ]);
    // A verdict over part of what was meant to be merged is no verdict.
    const verdict: Verdict = shards.problems.length ? "unknown" : judged;
    if (junit)
      writeJunit(
        junit,
        [
          ...runs.map(({ result, caughtBy }) => ({ result, ...(caughtBy ? { caughtBy } : {}) })),
          ...(campaign?.findings.map(findingJunitEntry) ?? []),
        ],
        "lease-chaos merge",
        shards.problems.length
          ? [
              {
                suite: "lease-chaos merge",
                name: "every shard and run present once",
                message: shards.problems.join("\n"),
              },
            ]
          : [],
      );
    const summary = {
      verdict,
      problems: shards.problems,
      runs: runs.map(({ result: { scenario, bug, seed, verdict: v, reportDir, reproduce }, shard }) => ({
        scenario,
        bug,
        seed,
        verdict: v,
        reportDir,
        reproduce,
        ...(shard ? { shard } : {}),
      })),
      variants,
      ...(campaign
        ? {
            explore: {
              campaigns: found.campaigns.map((c) => c.dir),
              verdict: campaignVerdict(campaign),
              seed: campaign.seed,
              runs: campaign.runs,
              passed: campaign.passed,
              noEvidence: campaign.noEvidence,
              failedRuns: campaign.failedRuns,
              runsPerMinute: campaign.runsPerMinute,
              coverage: { tried: campaign.coverage.tried, of: campaign.coverage.of },
              findings: campaign.findings.map((f) => ({
                check: f.check,
                shape: f.shape,
                seed: f.seed,
                confidence: f.confidence,
                reproduce: f.reproduce,
                report: f.report,
              })),
            },
          }
        : {}),
    };
    if (out) {
      fs.writeFileSync(path.join(out, "verdict.json"), `${JSON.stringify(summary, null, 2)}\n`);
      if (campaign)
        fs.writeFileSync(path.join(out, "explore.json"), `${JSON.stringify(campaign, null, 2)}\n`);
      fs.writeFileSync(
        path.join(out, "index.html"),
        renderMergeIndex({
          runs,
          verdict: judged,
          problems: shards.problems,
          outDir: out,
          folders: positionals.length,
          generatedAt: new Date(),
          ...(campaign
            ? {
                campaign: {
                  verdict: campaignVerdict(campaign),
                  runs: campaign.runs,
                  passed: campaign.passed,
                  noEvidence: campaign.noEvidence,
                  coverage: campaign.coverage,
                  findings: campaign.findings,
                },
              }
            : {}),
        }),
      );
    }
    if (values.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      const log = (line: string) => process.stdout.write(`${line}\n`);
      log(
        `merge: ${runs.length} run(s) from ${positionals.length} folder(s)${shards.commands ? `; ${shards.shards} shard(s) of ${shards.commands} sharded command(s)` : ""}`,
      );
      if (campaign) {
        log(
          `  explore: ${found.campaigns.length} campaign(s) of seed ${campaign.seed}: ${campaign.runs} run(s), ${campaign.passed} passed, ${campaign.failedRuns} failed, ${campaign.noEvidence} no evidence; coverage ${campaign.coverage.tried}/${campaign.coverage.of}; ${campaign.findings.length} finding(s)`,
        );
        for (const f of campaign.findings)
          log(
            `  FINDING  ${f.check} under ${f.shape} (${f.confidence.failed}/${f.confidence.tries}): ${f.reproduce}`,
          );
      }
      if (found.summaries.length === 0 && found.campaigns.length === 0)
        log(
          "  note: no summary.json of a run or matrix found, so merge cannot tell whether a shard is missing",
        );
      for (const r of results)
        log(
          `  ${r.verdict.toUpperCase().padEnd(8)} ${r.scenario.padEnd(36)} ${(r.bug ?? "reference").padEnd(28)} seed ${r.seed}`,
        );
      for (const v of variants)
        log(
          `  ${v.ok ? "ok  " : "BAD "} ${v.variant.padEnd(28)} ${v.cells.map((c) => `${c.scenario} ${c.caught}/${c.runs}`).join(", ")}`,
        );
      for (const r of runs
        .filter((x) => x.result.verdict !== "pass" && !(x.control && x.result.bug))
        .map((x) => x.result))
        log(`  reproduce: ${r.reproduce}`);
      for (const p of shards.problems) log(`  INCOMPLETE ${p}`);
      if (out) log(`  index:  ${path.join(out, "index.html")}`);
      log(`overall: ${verdict.toUpperCase()}`);
    }
    if (shards.problems.length) throw new IncompleteMergeError(shards.problems);
    return exitOf(verdict);
  },
};
