import { closest } from "../closest.ts";
import { UsageError } from "../errors.ts";
import type { Timings } from "./timing.ts";
import type { WorkerTimings } from "./tolerance.ts";

/** A scenario's parameter: what it means, its default for a run's timings and seed, and its range. */
export interface Knob {
  help: string;
  /**
   * the default for these timings and seed (e.g. 0.6 x ttl); `worker` is the target's own timings as
   * its profile states them (a tolerable fault is sized from them)
   */
  default: (t: Timings, seed: number, worker: WorkerTimings) => number;
  min: number;
  max: number;
  /** whole numbers only (most knobs are milliseconds) */
  integer?: boolean;
}

/** A scenario's knobs by name, e.g. { latencyMs: {...}, holdMs: {...} }. */
export type Knobs = Record<string, Knob>;

/** Parses repeated `--set name=value` options into a map; a malformed one names itself. */
export function parseSets(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of raw) {
    const m = /^([A-Za-z][\w]*)=(.+)$/.exec(item);
    if (!m)
      throw new UsageError(
        `--set wants name=value, such as --set latencyMs=1500; got ${JSON.stringify(item)}`,
      );
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

/**
 * The knobs' values for one run: the defaults, with `--set` overrides checked against each knob's
 * range (exit 2 naming the knob, the value and the range). Unknown names list the known ones.
 */
export function resolveKnobs(
  scenario: string,
  knobs: Knobs | undefined,
  t: Timings,
  seed: number,
  sets: Record<string, string | number> = {},
  worker: WorkerTimings = harnessTimings(t),
): Record<string, number> {
  const all = knobs ?? {};
  for (const name of Object.keys(sets))
    if (!all[name]) {
      const near = closest(name, Object.keys(all));
      throw new UsageError(
        `--set ${name}: ${scenario} has no knob ${JSON.stringify(name)}${near ? `; did you mean ${near}?` : ""} (its knobs: ${Object.keys(all).join(", ") || "none"}; lease-chaos help scenario ${scenario})`,
      );
    }
  const values: Record<string, number> = {};
  for (const [name, knob] of Object.entries(all)) {
    const raw = sets[name];
    if (raw === undefined) {
      values[name] = knob.default(t, seed, worker);
      continue;
    }
    const v = Number(raw);
    const integer = knob.integer ?? true;
    if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < knob.min || v > knob.max)
      throw new UsageError(
        `--set ${name}=${raw}: ${scenario}'s ${name} must be ${integer ? "a whole number" : "a number"} from ${knob.min} to ${knob.max}`,
      );
    values[name] = v;
  }
  return values;
}

/** Knobs' help lines, for `list --verbose` and `help scenario NAME`. */
export function describeKnobs(
  knobs: Knobs | undefined,
  t: Timings,
  seed: number,
  worker: WorkerTimings = harnessTimings(t),
): string[] {
  return Object.entries(knobs ?? {}).map(([name, k]) => {
    const at = (s: number) => k.default(t, s, worker);
    // A default drawn from the seed differs from run to run: say so, with this seed's value.
    const drawn = [seed + 1, seed + 2, seed + 3].some((s) => at(s) !== at(seed));
    const def = drawn ? `default drawn from the seed, ${at(seed)} at seed ${seed}` : `default ${at(seed)}`;
    return `${name.padEnd(16)} ${k.help} (${def}, ttl ${t.ttlMs} ms; ${k.min}..${k.max})`;
  });
}

/** The common knobs: how long a fault is kept on, how much latency. */
export const holdKnob = (help: string, fraction: number): Knob => ({
  help,
  default: (t) => Math.round(fraction * t.ttlMs),
  min: 0,
  max: 3_600_000,
});

export const latencyKnob = (help: string, fraction: number): Knob => ({
  help,
  default: (t) => Math.round(fraction * t.ttlMs),
  min: 0,
  max: 600_000,
});

/** A worker told every timing of the harness's (the reference worker's case). */
export function harnessTimings(t: Timings): WorkerTimings {
  return {
    ttlMs: t.ttlMs,
    safetyMarginMs: t.safetyMarginMs,
    renewIntervalMs: t.renewIntervalMs,
    statementTimeoutMs: t.queryTimeoutMs,
  };
}
