import type { RunMeta, WallMs } from "../observe/evidence.ts";
import type { Outside } from "./terms.ts";

/**
 * A wall-clock instant as the offset from the run's zero (meta.startedAt, stated once as an ISO
 * UTC instant in every report), e.g. `+5123 ms`: the one clock of narration, verdicts and timeline.
 */
export function sinceStart(meta: RunMeta, ts: WallMs): string {
  return `+${Math.round(ts - meta.startedAt)} ms`;
}

/** A wall-clock instant as UTC time of day with its zone, e.g. `12:00:03.123 UTC`, to match psql's expires_at. */
export function clockTime(ts: WallMs): string {
  return `${new Date(ts).toISOString().slice(11, 23)} UTC`;
}

/** How far outside its term something happened, in words, e.g. `1840 ms past expiry (expires_at 12:00:03.123 UTC)`. */
export function describeOutside(o: Outside): string {
  switch (o.kind) {
    case "before-start":
      return `${Math.round(o.ms)} ms before its term started (${clockTime(o.bound)})`;
    case "past-expiry":
      return `${Math.round(o.ms)} ms past expiry (expires_at ${clockTime(o.bound)})`;
    case "after-end":
      return `${Math.round(o.ms)} ms after its term was ${o.reason === "released" ? "released" : "taken over"} (${clockTime(o.bound)}), before its expires_at`;
  }
}

/** The evidence fields of a violation for an instant outside its term, named as the verdict table expects. */
export function outsideFields(o: Outside): Record<string, number> {
  switch (o.kind) {
    case "before-start":
      return { msBeforeStart: Math.round(o.ms), termStart: o.bound };
    case "past-expiry":
      return { msPastExpiry: Math.round(o.ms), expiresAt: o.bound };
    case "after-end":
      return { msPastEnd: Math.round(o.ms), termEnd: o.bound };
  }
}
