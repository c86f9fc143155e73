// summary.json at the root of a `run` or `matrix` report folder: what the command set out to do
// (every run of every shard, by key) and which share of it this machine took. Written before the
// first run and again at the end, so a shard that was killed still says what it should have held;
// `merge` reads it to tell a complete set of shards from one with a shard missing or twice.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Verdict } from "../checks/check.ts";
import { UsageError } from "../errors.ts";
import { type Shard, shardJobs } from "./shard.ts";

/** The file name of a command's summary in its report root. */
export const SUMMARY_FILE = "summary.json";
const KIND = "lease-chaos summary";

/** One run a command planned: its stable key (scenario, variant, attempt), its seed and its folder. */
export interface PlannedRun {
  key: string;
  scenario: string;
  /** the bug variant, or null for the profile's own worker */
  variant: string | null;
  seed: number;
  /** its report folder, relative to the summary's folder */
  dir: string;
  /** a negative control: the checks that must fail on it (from the profile) */
  caughtBy?: string[];
}

/** summary.json as written. */
export interface Summary {
  kind: typeof KIND;
  command: "run" | "matrix";
  /** the same for every shard of one command line: the command, profile, ttl, shard count and the runs */
  plan: string;
  profile: string;
  ttlMs: number;
  /** null: the command was not sharded */
  shard: Shard | null;
  /** the keys of every shard's runs, shard 1 first: what a missing shard would have held */
  shards: string[][];
  /** this shard's runs */
  runs: PlannedRun[];
  startedAt: string;
  finishedAt: string | null;
  verdict: Verdict | null;
}

/** The key of one run: `[variant/]scenario[#attempt]`, never the seed. */
export function runKey(scenario: string, variant: string | null, attempt: number, repeat: number): string {
  return `${variant ? `${variant}/` : ""}${scenario}${repeat > 1 ? `#${attempt}` : ""}`;
}

/** A summary being kept: written now, rewritten with the verdict when the command ends. */
export class SummaryFile {
  readonly summary: Summary;

  constructor(
    readonly root: string,
    parts: Pick<Summary, "command" | "profile" | "ttlMs" | "shard" | "shards" | "runs">,
  ) {
    const plan = createHash("sha256")
      .update(
        JSON.stringify([parts.command, parts.profile, parts.ttlMs, parts.shard?.count ?? 1, parts.shards]),
      )
      .digest("hex")
      .slice(0, 16);
    this.summary = {
      kind: KIND,
      ...parts,
      plan,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      verdict: null,
    };
    this.#write();
  }

  /** Records the command's verdict. */
  finish(verdict: Verdict): void {
    this.summary.finishedAt = new Date().toISOString();
    this.summary.verdict = verdict;
    this.#write();
  }

  #write(): void {
    const file = path.join(this.root, SUMMARY_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(this.summary, null, 2)}\n`);
    fs.renameSync(tmp, file);
  }
}

/** A summary.json read back, or null when the folder holds none (or a file of something else). */
export function readSummary(dir: string): Summary | null {
  const file = path.join(dir, SUMMARY_FILE);
  if (!fs.existsSync(file)) return null;
  let s: Summary;
  try {
    s = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`${file} does not parse: ${(err as Error).message}`);
  }
  return s?.kind === KIND && Array.isArray(s.runs) && Array.isArray(s.shards) ? s : null;
}

/** A summary found by merge, and the folder it lies in. */
export interface FoundSummary {
  dir: string;
  summary: Summary;
}

/** What merge learns from the summaries: what is missing or twice, and what each found run was. */
export interface ShardCheck {
  /** one line per shard missing, shard given twice, or planned run without a verdict */
  problems: string[];
  /** a planned run by its folder's absolute path: its shard and, for a negative control, caughtBy */
  planned: Map<string, { summary: Summary; run: PlannedRun }>;
  /** how many sharded commands the summaries describe, and how many shards they hold */
  commands: number;
  shards: number;
}

const shardName = (s: Shard) => `shard ${s.index}/${s.count}`;

function listed(keys: string[], max = 8): string {
  return `${keys.slice(0, max).join(", ")}${keys.length > max ? `, and ${keys.length - max} more` : ""}`;
}

/**
 * Checks a set of summaries against the run folders found: every shard of a sharded command once,
 * and every run a summary planned with its verdict.json. Unsharded summaries are complete alone
 * (two of them are two commands, not a duplicate).
 */
export function checkShards(found: FoundSummary[], runDirs: ReadonlySet<string>): ShardCheck {
  const problems: string[] = [];
  const planned = new Map<string, { summary: Summary; run: PlannedRun }>();
  const byPlan = new Map<string, FoundSummary[]>();
  for (const f of found) {
    const group = byPlan.get(f.summary.plan) ?? [];
    byPlan.set(f.summary.plan, group);
    group.push(f);
  }
  let commands = 0;
  let shards = 0;
  for (const group of byPlan.values()) {
    const first = group[0] as FoundSummary;
    const count = first.summary.shard?.count ?? 1;
    if (first.summary.shard) {
      commands += 1;
      const what = `${first.summary.command} of profile ${first.summary.profile}`;
      for (let index = 1; index <= count; index++) {
        const here = group.filter((g) => g.summary.shard?.index === index);
        if (here.length === 0)
          problems.push(
            `${shardName({ index, count })} of this ${what} is missing: no summary.json of it under the folders given; its runs: ${listed(first.summary.shards[index - 1] ?? [])}`,
          );
        else shards += 1;
        if (here.length > 1)
          problems.push(
            `${shardName({ index, count })} of this ${what} is there ${here.length} times: ${here.map((h) => h.dir).join(", ")} (a retried job's artifact? merge one of them)`,
          );
      }
    }
    for (const f of group) {
      const absent: string[] = [];
      for (const run of f.summary.runs) {
        const dir = path.join(f.dir, run.dir);
        planned.set(dir, { summary: f.summary, run });
        if (!runDirs.has(dir)) absent.push(run.key);
      }
      if (absent.length)
        problems.push(
          `${f.summary.shard ? `${shardName(f.summary.shard)} in ${f.dir}` : f.dir} is incomplete: ${absent.length} of its ${f.summary.runs.length} runs have no verdict.json (${listed(absent)})${f.summary.finishedAt ? "" : "; the command did not finish"}`,
        );
    }
  }
  return { problems, planned, commands, shards };
}

/** The keys of every shard's runs (one list for an unsharded command): what summary.json's `shards` holds. */
export function planShards<T>(
  jobs: T[],
  shard: Shard | undefined,
  expectedMs: (job: T) => number,
  keysOf: (job: T) => string[],
): string[][] {
  const count = shard?.count ?? 1;
  return Array.from({ length: count }, (_, i) =>
    shardJobs(jobs, shard ? { index: i + 1, count } : undefined, expectedMs).flatMap(keysOf),
  );
}
