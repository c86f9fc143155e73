// Printing a run's phases (environment, bring-up, fault, drain/hold, teardown) for the benches.
import type { RunPhases } from "../harness/run/phases.ts";

const KEYS: [keyof RunPhases, string][] = [
  ["environmentMs", "env"],
  ["bringUpMs", "bring-up"],
  ["faultMs", "fault"],
  ["drainMs", "drain/hold"],
  ["teardownMs", "teardown"],
];

const sec = (ms: number) => `${(ms / 1000).toFixed(2)}`;

/** The phase columns' header, each 11 wide. */
export function phaseHeader(): string {
  return KEYS.map(([, name]) => name.padStart(11)).join("");
}

/** One run's phases in seconds, under phaseHeader(). */
export function phaseColumns(p: RunPhases): string {
  return KEYS.map(([k]) => sec(p[k]).padStart(11)).join("");
}

/** The median of each phase over runs. */
export function medianPhases(list: RunPhases[]): RunPhases {
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return Object.fromEntries(KEYS.map(([k]) => [k, med(list.map((p) => p[k]))])) as unknown as RunPhases;
}

/** The sum of each phase over runs. */
export function sumPhases(list: RunPhases[]): RunPhases {
  return Object.fromEntries(
    KEYS.map(([k]) => [k, list.reduce((a, p) => a + p[k], 0)]),
  ) as unknown as RunPhases;
}
