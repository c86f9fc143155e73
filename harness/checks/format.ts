import type { RunMeta, WallMs } from "../observe/evidence.ts";

/** A wall-clock instant as the run-relative offset people read in timelines, e.g. `+5123 ms`. */
export function sinceStart(meta: RunMeta, ts: WallMs): string {
  return `+${Math.round(ts - meta.startedAt)} ms`;
}

/** A wall-clock instant as UTC time of day, e.g. `12:00:03.123`, to match psql's expires_at. */
export function clockTime(ts: WallMs): string {
  return new Date(ts).toISOString().slice(11, 23);
}
