import path from "node:path";
import { LocalPool } from "../env/local/pool.ts";
import { UsageError } from "../errors.ts";
import type { Scenario } from "../run/scenario.ts";
import type { Timings } from "../run/timing.ts";
import { writableFolder } from "./args.ts";

/** The --junit file, its folder checked for writing before anything starts. */
export function junitOption(values: Record<string, string | boolean | undefined>): string | undefined {
  const raw = values.junit;
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || raw === "" || raw.endsWith("/"))
    throw new UsageError(`--junit needs a file name, such as reports/junit.xml; got ${JSON.stringify(raw)}`);
  const file = path.resolve(raw);
  writableFolder(path.dirname(file), `the folder of --junit ${JSON.stringify(raw)}`);
  return file;
}

/** What one run of a scenario is expected to take: its unavoidable waits plus bring-up, drain and teardown. */
export function expectedMs(scenario: Scenario, base: Timings, seed: number): number {
  const t = scenario.timings ? scenario.timings(base) : base;
  return scenario.lowerBoundMs(t, seed) + 2 * t.ttlMs + 1_500;
}

/**
 * Runs `fn` with a local pool (one cluster and fault proxy for every run of the command) when the
 * runs are local, and stops the pool after, whatever happens.
 */
export async function withPool<T>(
  provider: string,
  options: { seed: number; toxiproxyUrl?: string },
  fn: (pool: LocalPool | undefined) => Promise<T>,
): Promise<T> {
  if (provider !== "local") return fn(undefined);
  const pool = await LocalPool.start({
    seed: options.seed,
    ...(options.toxiproxyUrl ? { toxiproxyUrl: options.toxiproxyUrl } : {}),
  });
  try {
    return await fn(pool);
  } finally {
    await pool.stop();
  }
}

/**
 * Runs `jobs` at most `n` at a time; results in job order. One at a time they start in job order;
 * side by side, with `expectedMs`, the longest first, so no lane is left with a long run at the
 * end while the others are idle.
 */
export async function inParallel<J, R>(
  jobs: J[],
  n: number,
  fn: (job: J, index: number) => Promise<R>,
  expectedMs?: (job: J) => number,
): Promise<R[]> {
  const results: R[] = new Array(jobs.length);
  const order = jobs.map((_, i) => i);
  if (n > 1 && expectedMs) {
    const ms = jobs.map(expectedMs);
    order.sort((a, b) => (ms[b] as number) - (ms[a] as number) || a - b);
  }
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(n, jobs.length)) }, async () => {
    for (;;) {
      const k = next++;
      if (k >= order.length) return;
      const i = order[k] as number;
      results[i] = await fn(jobs[i] as J, i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** The environment overrides that shaped a run (images, compose project), as a prefix of its reproduce line. */
export function overridesPrefix(): string {
  const set = Object.entries(process.env).filter(
    ([k, v]) =>
      v &&
      /^LEASE_CHAOS_(POSTGRES|TOXIPROXY|WORKER)_IMAGE$|^LEASE_CHAOS_COMPOSE_PROJECT$|^LEASE_CHAOS_TOXIPROXY_URL$/.test(
        k,
      ),
  );
  return set.map(([k, v]) => `${k}=${v} `).join("");
}
