// The inline SVG: a shared time axis, a steps strip, a faults strip, one lane per worker grouped by
// lease, and the backlog series below. Every string from evidence is escaped through el/title/esc.
// Drawn at full width; the zoom script re-places the marks from their data-* offsets (place.ts).
import type { WallMs } from "../../observe/evidence.ts";
import { backlogChart } from "./backlog.ts";
import { el, esc, title } from "./html.ts";
import { renderLane, runLane } from "./lane.ts";
import {
  CHART_GAP,
  CHART_H,
  CLIP_PAD,
  GROUP_H,
  LANE_H,
  PLOT_CLIP,
  PLOT_LEFT,
  PLOT_RIGHT,
  ROW_H,
  STEPS_H,
  WIDTH,
} from "./layout.ts";
import type { TimelineModel } from "./model.ts";
import { COLOR } from "./palette.ts";
import { atLine, atText } from "./place.ts";
import {
  offsetLabel,
  type TickStyle,
  type TimeScale,
  tickLabel,
  tickOffsets,
  tickStyle,
  timeScale,
} from "./scale.ts";
import { faultShading, faultsRow, packFaults, stepsRow } from "./strips.ts";

/** The timeline as one `<svg>` element, 1200 px wide, as tall as its lanes need. */
export function renderSvg(model: TimelineModel): string {
  // A little room after the last event, so end-of-run markers do not sit on the frame.
  const padMs = (model.end - model.start) * 0.02;
  const s = timeScale(model.start, model.end + padMs, PLOT_LEFT, PLOT_RIGHT);
  const parts: string[] = [];
  let y = 40;

  const stepsTop = y;
  if (model.steps.length > 0) {
    parts.push(stepsRow(model, s, y));
    y += STEPS_H + 6;
  }

  const faultRows = packFaults(model.faults, s);
  const faultsTop = y;
  parts.push(faultsRow(model.faults, faultRows, s, y));
  y += Math.max(1, Math.max(0, ...faultRows.values()) + 1) * ROW_H + 8;

  const lanesTop = y;
  const laneY = new Map<string, number>();
  const laneParts: string[] = [];
  const backgrounds: string[] = [];
  if (model.runViolations.length > 0) {
    laneParts.push(runLane(model.runViolations, s, y, model.start));
    y += LANE_H / 2 + 4;
  }
  for (const g of model.groups) {
    laneParts.push(
      el("text", { class: "group-label", x: 8, y: y + 15 }, `lease ${esc(g.leaseName || "(none)")}`),
      el("line", { x1: 8, x2: PLOT_RIGHT, y1: y + GROUP_H - 2, y2: y + GROUP_H - 2, class: "group-rule" }),
    );
    y += GROUP_H;
    for (const [i, l] of g.lanes.entries()) {
      laneY.set(l.worker, y);
      backgrounds.push(
        el("rect", { class: i % 2 === 1 ? "lane-bg odd" : "lane-bg", x: 0, y, width: WIDTH, height: LANE_H }),
      );
      laneParts.push(renderLane(l, s, y, model.start, model.meta.bug));
      y += LANE_H;
    }
    y += 6;
  }
  const lanesBottom = y;

  y += 14;
  const chartsTop = y;
  // One backlog chart per lease whose role has a backlog query (the runbook's symptom per worker kind).
  const leases = [...new Set(model.backlog.flatMap((b) => Object.keys(b.byLease ?? {})))];
  const palette = [COLOR.pending, COLOR.overdue];
  const charts = leases.map((lease, i) =>
    backlogChart(
      model,
      s,
      y + i * (CHART_H + CHART_GAP),
      lease,
      `backlog ${lease}`,
      palette[i % palette.length] as string,
    ),
  );
  y += Math.max(1, leases.length) * (CHART_H + CHART_GAP) - CHART_GAP;
  const chartsBottom = y;
  y += 28;

  const shading = faultShading(model.faults, s, laneY, { top: lanesTop, bottom: lanesBottom }, [
    chartsTop,
    chartsBottom,
  ]);
  const axis = { top: stepsTop, bottom: chartsBottom };
  const style = tickStyle(model.end - model.start);
  const root = {
    class: "timeline",
    width: WIDTH,
    height: y,
    viewBox: `0 0 ${WIDTH} ${y}`,
    role: "img",
    "aria-label": "timeline of the run",
    // What the zoom script needs to re-place marks and re-draw ticks the way the server did.
    "data-span-ms": s.end - s.start,
    "data-plot-left": PLOT_LEFT,
    "data-plot-right": PLOT_RIGHT,
    "data-clip-pad": CLIP_PAD,
    "data-tick-style": style,
    "data-axis-top": axis.top,
    "data-axis-bottom": axis.bottom,
  };
  const layers = [
    defs(y),
    backgrounds.join(""),
    gridAndAxes(s, axis.top, axis.bottom, style),
    shading,
    runMarks(model, s, faultsTop, chartsBottom),
    parts.join(""),
    laneParts.join(""),
    charts.join(""),
  ];
  return el("svg", root, `\n${layers.join("\n")}\n`);
}

// The whole-run view lets marks run a few px past the axis (a diamond at the run's start), not into
// the gutter's names; the zoom script clips a zoomed view at the axis itself.
function defs(height: number): string {
  const clipLeft = PLOT_LEFT - CLIP_PAD;
  return `<defs>
<pattern id="hatch-tail" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="${COLOR.termTail}"/></pattern>
<pattern id="hatch-expiry" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="6" height="6" fill="#fff4dc"/><rect width="2.5" height="6" fill="${COLOR.localExpiry}"/></pattern>
<pattern id="hatch-violation" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fbe3d6"/><rect width="2" height="6" fill="${COLOR.violation}"/></pattern>
<clipPath id="plot-clip"><rect x="${clipLeft}" y="0" width="${PLOT_RIGHT + CLIP_PAD - clipLeft}" height="${height}"/></clipPath>
</defs>`;
}

// The grid lines and the tick labels above and below the plot, in the group the zoom script redraws.
function gridAndAxes(s: TimeScale, top: number, bottom: number, style: TickStyle): string {
  const out: string[] = [];
  for (const t of tickOffsets(s.end - s.start)) {
    const x = s.x(s.start + t);
    const label = esc(tickLabel(t, style));
    out.push(
      el("line", { class: "grid", x1: x, x2: x, y1: top - 4, y2: bottom }),
      el("text", { class: "tick", x, y: top - 8, "text-anchor": "middle" }, label),
      el("text", { class: "tick", x, y: bottom + 16, "text-anchor": "middle" }, label),
    );
  }
  const unit = style === "min" ? " (min:s)" : "";
  return `<g class="axes">${el("text", { class: "axis-title", x: 8, y: top - 8 }, `time since run start${unit}`)}${el(
    "line",
    { class: "axis", x1: PLOT_LEFT, x2: PLOT_RIGHT, y1: top - 4, y2: top - 4 },
  )}${el("line", { class: "axis", x1: PLOT_LEFT, x2: PLOT_RIGHT, y1: bottom, y2: bottom })}${el(
    "g",
    { class: "ticks" },
    out.join(""),
  )}</g>`;
}

// Vertical markers for the instants the whole run shares: the heal and the end of observation.
function runMarks(model: TimelineModel, s: TimeScale, top: number, bottom: number): string {
  const { healedAt, observedUntil } = model.meta;
  const marks: [string, WallMs | null][] = [
    ["healed", healedAt],
    ["observation end", observedUntil],
  ];
  const drawn = marks
    .filter((m): m is [string, WallMs] => typeof m[1] === "number")
    .map(([label, ts]) => {
      const end = s.x(ts) > PLOT_RIGHT - 110;
      return el(
        "g",
        { class: "run-mark", "data-mark": label },
        title(`${label} at ${offsetLabel(model.start, ts)}`) +
          el("line", { ...atLine(s, ts), y1: top - 10, y2: bottom }) +
          el(
            "text",
            { ...atText(s, ts, end ? -3 : 3), y: 10, "text-anchor": end ? "end" : "start" },
            esc(label),
          ),
      );
    });
  return el("g", { class: "run-marks", "clip-path": PLOT_CLIP }, drawn.join(""));
}
