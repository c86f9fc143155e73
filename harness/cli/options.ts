// The options the running commands share (drill, run, matrix, explore, watch, doctor, soak), declared
// once with their help and read once with their bounds: a command picks the ones it takes, and may
// reword a help line for itself. `inject` and `proxy` have options of their own only.

import fs from "node:fs";
import os from "node:os";
import { closest } from "../closest.ts";
import { PROVIDERS, type ProviderChoice } from "../env/start-environment.ts";
import { UsageError } from "../errors.ts";
import { newSeed } from "../random.ts";
import { choiceOption, intOption, type OptionSpec, type OptionSpecs } from "./args.ts";
import { CONFIG_OPTION, LEASE_OPTION } from "./profile-option.ts";

/** Every shared option, by name. */
export const SHARED_OPTIONS = {
  config: CONFIG_OPTION,
  lease: LEASE_OPTION,
  bug: {
    type: "string",
    help: "run one of the profile's variants (the reference worker's bugs: see the README)",
  },
  set: {
    type: "string",
    multiple: true,
    help: "a knob of the scenario, name=value (repeatable; lease-chaos help scenario NAME lists them)",
  },
  skip: {
    type: "string",
    multiple: true,
    help: "leave this scenario out (repeatable; NAME or NAME@LEASE)",
  },
  repeat: { type: "string", help: "run each scenario N times (seeds S, S+1, ...)" },
  seed: { type: "string", help: "seed of the first run (logged; repeat a run with it)" },
  "ttl-ms": { type: "string", help: "lease ttl (leaderElection.ttlMs), default 2000" },
  "toxiproxy-url": {
    type: "string",
    help: "a running Toxiproxy API for the workers' proxies (env LEASE_CHAOS_TOXIPROXY_URL)",
  },
  provider: {
    type: "string",
    help: "local (embedded, default), docker (containers; LEASE_CHAOS_{POSTGRES,TOXIPROXY}_IMAGE), compose (attach to a running docker-compose.chaos.yml stack) or auto (docker when it can run here, else local)",
  },
  "report-dir": { type: "string", help: "root folder of the reports (default reports/<command>-<time>)" },
  junit: {
    type: "string",
    help: "write a JUnit XML file (a test case per scenario and check), rewritten after every run",
  },
  jobs: {
    type: "string",
    help: "run up to N side by side on one shared cluster, or auto (from the cores and a run's CPU cost)",
  },
  shard: {
    type: "string",
    help: "run shard i of n (i/n), balanced by expected time; `lease-chaos merge` joins their reports",
  },
  json: { type: "boolean", help: "print one JSON object on stdout instead of the narration" },
} satisfies OptionSpecs;

/** A shared option's name. */
export type SharedOption = keyof typeof SHARED_OPTIONS;

/** The shared options a command takes, in this order, with its own wording of some help lines. */
export function sharedOptions(
  names: SharedOption[],
  help: Partial<Record<SharedOption, string>> = {},
): OptionSpecs {
  return Object.fromEntries(
    names.map((n) => {
      const spec: OptionSpec = SHARED_OPTIONS[n];
      return [n, help[n] ? { ...spec, help: help[n] } : spec];
    }),
  );
}

type Values = Record<string, string | boolean | undefined>;

/** --ttl-ms, 500 ms to 10 minutes, default 2000. */
export function ttlOption(values: Values): number {
  return intOption(values, "ttl-ms", { min: 500, max: 600_000 }) ?? 2_000;
}

/** --seed, else a new one (logged by the run). */
export function seedOption(values: Values): number {
  return intOption(values, "seed", { min: 0, max: 2 ** 31 - 1 }) ?? newSeed();
}

/** --seed when given. */
export function seedGiven(values: Values): number | undefined {
  return intOption(values, "seed", { min: 0, max: 2 ** 31 - 1 });
}

/** --provider, default local. */
export function providerOption(values: Values): ProviderChoice {
  return choiceOption(values, "provider", PROVIDERS) ?? "local";
}

/** --repeat, 1 to `max`, default 1. */
export function repeatOption(values: Values, max = 1000): number {
  return intOption(values, "repeat", { min: 1, max }) ?? 1;
}

/**
 * The cores one run keeps busy on average: the harness, its Postgres backends, the fault proxy and
 * the run's workers. `npm run bench` measures it (bench/catalogue.ts prints "one run keeps ...
 * cores busy") over the first release's 13 at ttl 2000, one at a time on a quiet 2-core machine:
 * 0.34 (2026-12-02; 0.33 over the same 13 run again).
 */
export const RUN_CPU_CORES = 0.35;

/**
 * Of the cores no other work uses, the share runs side by side may keep busy on average: bring-up
 * and teardown come in bursts well above the average, and a scenario aiming at a window of tens of
 * milliseconds must not wait for a core.
 */
export const CPU_HEADROOM = 0.5;

/**
 * --jobs auto: as many runs as fit, at RUN_CPU_CORES each, in CPU_HEADROOM of the cores other work
 * leaves free; never fewer than 1 nor more than 16.
 */
export function autoJobs(cores = os.availableParallelism(), busy = os.loadavg()[0] ?? 0): number {
  const free = Math.max(0, cores - busy);
  return Math.max(1, Math.min(16, Math.floor((free * CPU_HEADROOM) / RUN_CPU_CORES + 1e-9)));
}

/** The machine's CPU counters from /proc/stat (busy and total ticks), or null off Linux. */
export function cpuTicks(): { busy: number; total: number } | null {
  try {
    const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    // user nice system idle iowait irq softirq steal
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
  } catch {
    return null;
  }
}

/**
 * How many cores other work keeps busy now: /proc/stat over `sampleMs`, before the command starts
 * anything (the load average would still count the minute before: a build step, an npm ci); off
 * Linux, the last minute's load average.
 */
export async function busyCores(sampleMs = 250, cores = os.availableParallelism()): Promise<number> {
  const a = cpuTicks();
  if (!a) return os.loadavg()[0] ?? 0;
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const b = cpuTicks();
  if (!b || b.total === a.total) return os.loadavg()[0] ?? 0;
  return ((b.busy - a.busy) / (b.total - a.total)) * cores;
}

/** run's and matrix's --jobs when none is given. */
export const DEFAULT_JOBS: number | "auto" = "auto";

/** --jobs: 1 to 16, or auto (autoJobs() on the load average); `fallback` when absent. */
export function jobsOption(values: Values, fallback: number | "auto" = 1): number {
  if (isAuto(values, fallback)) return autoJobs();
  return jobsNumber(values, fallback);
}

/**
 * How many of `count` runs go side by side: --jobs as jobsOption reads it, but auto on the CPU use
 * sampled now (busyCores()), and only when there is more than one run to place.
 */
export async function lanesFor(
  values: Values,
  fallback: number | "auto",
  count: number,
  say: (line: string) => void = () => {},
): Promise<number> {
  if (!isAuto(values, fallback)) return jobsNumber(values, fallback);
  if (count <= 1) return 1;
  const cores = os.availableParallelism();
  const busy = await busyCores();
  const n = autoJobs(cores, busy);
  say(
    `--jobs auto: ${n} side by side (${cores} cores, ${busy.toFixed(1)} busy with other work, a run keeps ${RUN_CPU_CORES} busy)`,
  );
  return n;
}

function isAuto(values: Values, fallback: number | "auto"): boolean {
  return values.jobs === "auto" || (values.jobs === undefined && fallback === "auto");
}

function jobsNumber(values: Values, fallback: number | "auto"): number {
  if (values.jobs !== undefined && !/^-?\d+$/.test(String(values.jobs)))
    throw new UsageError(`--jobs must be an integer or auto, got ${JSON.stringify(String(values.jobs))}`);
  return intOption(values, "jobs", { min: 1, max: 16 }) ?? (fallback === "auto" ? 1 : fallback);
}

/** A repeatable option's values (`--set a=1 --set b=2`). */
export function listOption(values: Values, name: string): string[] {
  const raw = (values as Record<string, unknown>)[name];
  return Array.isArray(raw) ? (raw as string[]) : typeof raw === "string" ? [raw] : [];
}

/**
 * --skip: names of the catalogue (`NAME` leaves out the scenario on every lease, `NAME@LEASE` one
 * entry), each checked against `names`, with did-you-mean.
 */
export function skipOption(values: Values, names: string[]): (name: string) => boolean {
  const skip = listOption(values, "skip");
  const bare = new Set(names.map((n) => n.split("@")[0] as string));
  for (const s of skip)
    if (!names.includes(s) && !bare.has(s)) {
      const near = closest(s, [...bare, ...names]);
      throw new UsageError(
        `--skip ${JSON.stringify(s)}: no such scenario${near ? `; did you mean ${near}?` : ""} (lease-chaos list)`,
      );
    }
  return (name) => skip.includes(name) || skip.includes(name.split("@")[0] as string);
}
