import type { WallMs } from "../../observe/evidence.ts";

/** Maps wall-clock ms onto the plot's x range; offsets are ms from the run's start. */
export interface TimeScale {
  start: WallMs;
  end: WallMs;
  left: number;
  right: number;
  x(ts: WallMs): number;
}

/** A linear time scale over [start, end] drawn between `left` and `right` px. */
export function timeScale(start: WallMs, end: WallMs, left: number, right: number): TimeScale {
  const spanMs = Math.max(end - start, 1);
  return {
    start,
    end,
    left,
    right,
    x: (ts) => left + ((Math.min(Math.max(ts, start), end) - start) / spanMs) * (right - left),
  };
}

// Tick steps people read easily, from 100 ms to 5 min.
const STEPS_MS = [100, 200, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000];

/** Tick offsets (ms from start) at a readable step, at most about `maxTicks` of them. */
export function tickOffsets(spanMs: number, maxTicks = 14): number[] {
  const step = STEPS_MS.find((s) => spanMs / s <= maxTicks) ?? (STEPS_MS.at(-1) as number);
  const ticks: number[] = [];
  for (let t = 0; t <= spanMs + 1e-6; t += step) ticks.push(t);
  return ticks;
}

/** An offset in ms as seconds for a tick label, e.g. `0 s`, `2.5 s`, `120 s`. */
export function secondsLabel(offsetMs: number): string {
  return `${Number((offsetMs / 1000).toFixed(2))} s`;
}

/** An offset in ms as `+1234 ms`, the way checks write instants in violations. */
export function offsetLabel(start: WallMs, ts: WallMs): string {
  return `+${Math.round(ts - start)} ms`;
}
