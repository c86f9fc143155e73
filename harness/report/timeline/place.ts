// Attributes that put a mark in time. Each mark is drawn at full width for a page without script,
// and also carries its offsets (ms since the run's start) in data-* attributes, from which the zoom
// script (zoom.ts) re-places it; the two must agree, so both are written here and nowhere else.
import type { WallMs } from "../../observe/evidence.ts";
import { round } from "./html.ts";
import type { TimeScale } from "./scale.ts";

type Attrs = Record<string, string | number | boolean | undefined>;

/** A `<g>` moved to `ts`: its children are drawn around x = 0. */
export function atGroup(s: TimeScale, ts: WallMs): Attrs {
  return { transform: `translate(${round(s.x(ts))} 0)`, "data-at": s.at(ts) };
}

/** A vertical `<line>` at `ts`. */
export function atLine(s: TimeScale, ts: WallMs): Attrs {
  const x = s.x(ts);
  return { x1: x, x2: x, "data-at": s.at(ts) };
}

/** A `<text>` anchored `dx` px from `ts`. */
export function atText(s: TimeScale, ts: WallMs, dx = 0): Attrs {
  return { x: s.x(ts) + dx, "data-at": s.at(ts), "data-dx": dx === 0 ? undefined : dx };
}

/**
 * Marks a span's label to stay at the axis's left edge while a zoomed view shows the span's end
 * (`until`) but not its start, so a bar cut by the view still says what it is.
 */
export function sticky(s: TimeScale, until: WallMs): Attrs {
  return { "data-sticky": s.at(until) };
}

/** A `<circle>` centred on `ts`. */
export function atCircle(s: TimeScale, ts: WallMs): Attrs {
  return { cx: s.x(ts), "data-at": s.at(ts) };
}

/** A `<rect>` from `from` to `to`, at least `minPx` wide so an instant stays visible. */
export function spanRect(s: TimeScale, from: WallMs, to: WallMs, minPx: number): Attrs {
  const x = s.x(from);
  return {
    x,
    width: Math.max(s.x(to) - x, minPx),
    "data-from": s.at(from),
    "data-to": s.at(to),
    "data-min": minPx,
  };
}

/** A horizontal `<line>` from `from` to `to`, at least `minPx` long. */
export function spanLine(s: TimeScale, from: WallMs, to: WallMs, minPx = 0): Attrs {
  const x = s.x(from);
  return {
    x1: x,
    x2: Math.max(s.x(to), x + minPx),
    "data-from": s.at(from),
    "data-to": s.at(to),
    "data-min": minPx === 0 ? undefined : minPx,
  };
}

/** A `<path>` of short vertical ticks, `h` px tall from `y`, one at each instant. */
export function ticksPath(s: TimeScale, instants: WallMs[], y: number, h: number): Attrs {
  return {
    d: instants.map((ts) => `M${round(s.x(ts))} ${y}v${h}`).join(""),
    "data-ticks": instants.map((ts) => round(s.at(ts))).join(" "),
    "data-y": y,
    "data-h": h,
  };
}

/**
 * A step-after series `<path>` (a sample holds until the next), as a line or, with `baseY`, as the
 * area down to `baseY`.
 */
export function stepPath(s: TimeScale, points: { ts: WallMs; y: number }[], baseY?: number): Attrs {
  const [first, ...rest] = points;
  if (!first) return { d: "" };
  let d = `M${round(s.x(first.ts))} ${round(first.y)}`;
  for (const p of rest) d += `H${round(s.x(p.ts))}V${round(p.y)}`;
  if (baseY !== undefined) d += `V${round(baseY)}H${round(s.x(first.ts))}Z`;
  return {
    d,
    "data-steps": points.map((p) => `${round(s.at(p.ts))}:${round(p.y)}`).join(" "),
    "data-base": baseY,
  };
}
