import { UsageError } from "../errors.ts";

/** One shard of a run: the i-th of n (1-based). */
export interface Shard {
  index: number;
  count: number;
}

/** Parses --shard i/n (1 <= i <= n). */
export function shardOption(values: Record<string, string | boolean | undefined>): Shard | undefined {
  const raw = values.shard;
  if (raw === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(String(raw));
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count || count > 1000)
    throw new UsageError(`--shard must be i/n with 1 <= i <= n, such as 1/3; got ${JSON.stringify(raw)}`);
  return { index, count };
}

/**
 * The seed that shard balancing estimates with, whatever seed the runs use: a scenario whose
 * length depends on its seed (a drawn schedule) must not make shards given different seeds split
 * the catalogue differently (some jobs twice, some never).
 */
export const BALANCE_SEED = 1;

/**
 * The jobs of one shard, balanced by expected time: the longest first, each to the shard with the
 * least so far (ties to the lower shard), so every machine gets about the same wall time and the
 * same job always lands on the same shard.
 */
export function shardJobs<T>(jobs: T[], shard: Shard | undefined, expectedMs: (job: T) => number): T[] {
  if (!shard) return jobs;
  const totals = Array.from({ length: shard.count }, () => 0);
  const owner = new Map<T, number>();
  const order = jobs
    .map((job, i) => ({ job, i, ms: expectedMs(job) }))
    .sort((a, b) => b.ms - a.ms || a.i - b.i);
  for (const { job, ms } of order) {
    const least = totals.indexOf(Math.min(...totals));
    totals[least] = (totals[least] as number) + ms;
    owner.set(job, least + 1);
  }
  return jobs.filter((job) => owner.get(job) === shard.index);
}
