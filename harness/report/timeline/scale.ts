import type { WallMs } from "../../observe/evidence.ts";

/** Maps wall-clock ms onto the plot's x range; offsets are ms from the run's start. */
export interface TimeScale {
  start: WallMs;
  end: WallMs;
  left: number;
  right: number;
  x(ts: WallMs): number;
  /** `ts` as ms since start, clamped to the axis: what the zoom script positions by */
  at(ts: WallMs): number;
}

/** A linear time scale over [start, end] drawn between `left` and `right` px. */
export function timeScale(start: WallMs, end: WallMs, left: number, right: number): TimeScale {
  const spanMs = Math.max(end - start, 1);
  const at = (ts: WallMs) => Math.min(Math.max(ts, start), end) - start;
  return { start, end, left, right, at, x: (ts) => left + (at(ts) / spanMs) * (right - left) };
}

/**
 * Tick steps people read easily, from 50 ms to an hour. The zoom script (zoom.ts) carries the same
 * list, so the ticks it draws match these.
 */
export const STEPS_MS = [
  50, 100, 200, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000,
];

/** At most this many ticks across the plot: labels stay apart even as `m:ss.s`. */
export const MAX_TICKS = 14;

/** Tick offsets (ms from start) within [fromMs, toMs] at a readable step, at most about `maxTicks`. */
export function ticksBetween(fromMs: number, toMs: number, maxTicks = MAX_TICKS): number[] {
  const span = toMs - fromMs;
  const step = STEPS_MS.find((s) => span / s <= maxTicks) ?? (STEPS_MS.at(-1) as number);
  const ticks: number[] = [];
  // Multiples of the step, computed from an index so they do not drift as floats add up.
  for (let i = Math.ceil(fromMs / step - 1e-9); i * step <= toMs + 1e-6; i++) ticks.push(i * step);
  return ticks;
}

/** Tick offsets (ms from start) at a readable step, at most about `maxTicks` of them. */
export function tickOffsets(spanMs: number, maxTicks = MAX_TICKS): number[] {
  return ticksBetween(0, spanMs, maxTicks);
}

/** How tick labels read: seconds (`12.5 s`) for short runs, `m:ss` for runs over ~2 minutes. */
export type TickStyle = "s" | "min";

/** The tick style of a run `spanMs` long: `540 s` reads worse than `9:00`. */
export function tickStyle(spanMs: number): TickStyle {
  return spanMs > 150_000 ? "min" : "s";
}

/** A tick label in the run's style, e.g. `2.5 s` or `4:05.5`. */
export function tickLabel(offsetMs: number, style: TickStyle): string {
  return style === "s" ? secondsLabel(offsetMs) : minutesLabel(offsetMs);
}

/** An offset in ms as seconds for a tick label, e.g. `0 s`, `2.5 s`, `120 s`. */
export function secondsLabel(offsetMs: number): string {
  return `${Number((offsetMs / 1000).toFixed(2))} s`;
}

/** An offset in ms as minutes and seconds, e.g. `0:00`, `1:30`, `4:05.5`. */
export function minutesLabel(offsetMs: number): string {
  const ms = Math.round(offsetMs);
  const minutes = Math.floor(ms / 60_000);
  const seconds = Number(((ms - minutes * 60_000) / 1000).toFixed(2));
  return `${minutes}:${seconds < 10 ? "0" : ""}${seconds}`;
}

/** An offset in ms as `+1234 ms`, the way checks write instants in violations. */
export function offsetLabel(start: WallMs, ts: WallMs): string {
  return `+${Math.round(ts - start)} ms`;
}
