import type { RunMeta, WallMs } from "../observe/evidence.ts";
import type { Outside } from "./terms.ts";

/** A wall-clock instant as the run-relative offset people read in timelines, e.g. `+5123 ms`. */
export function sinceStart(meta: RunMeta, ts: WallMs): string {
  return `+${Math.round(ts - meta.startedAt)} ms`;
}

/** A wall-clock instant as UTC time of day, e.g. `12:00:03.123`, to match psql's expires_at. */
export function clockTime(ts: WallMs): string {
  return new Date(ts).toISOString().slice(11, 23);
}

/** How far outside its term something happened, in words, e.g. `1840 ms past expiry (expires_at 12:00:03.123)`. */
export function describeOutside(o: Outside): string {
  switch (o.kind) {
    case "before-start":
      return `${o.ms} ms before its term started (${clockTime(o.bound)})`;
    case "past-expiry":
      return `${o.ms} ms past expiry (expires_at ${clockTime(o.bound)})`;
    case "after-end":
      return `${o.ms} ms after its term was ${o.reason === "released" ? "released" : "taken over"} (${clockTime(o.bound)}), before its expires_at`;
  }
}

/** The evidence fields of a violation for an instant outside its term, named as the verdict table expects. */
export function outsideFields(o: Outside): Record<string, number> {
  switch (o.kind) {
    case "before-start":
      return { msBeforeStart: o.ms, termStart: o.bound };
    case "past-expiry":
      return { msPastExpiry: o.ms, expiresAt: o.bound };
    case "after-end":
      return { msPastEnd: o.ms, termEnd: o.bound };
  }
}
