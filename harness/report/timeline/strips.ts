// The strips above the lanes: the narrated steps, labelled by name, and the fault windows, packed
// into rows; and the shading each fault casts on the lanes it hits.
import type { FaultWindow } from "../../observe/evidence.ts";
import { el, esc, title } from "./html.ts";
import { CHAR_W, CLIP_PAD, LANE_H, PLOT_CLIP, PLOT_LEFT, PLOT_RIGHT, ROW_H } from "./layout.ts";
import type { Step, TimelineModel } from "./model.ts";
import { atCircle, atText, spanLine, spanRect, sticky } from "./place.ts";
import { offsetLabel, type TimeScale } from "./scale.ts";

// A step's name starts this far right of its marker.
const NAME_DX = 10;

/** The steps strip at `y`: a numbered marker per step, its span, and its name as far as it fits. */
export function stepsRow(model: TimelineModel, s: TimeScale, y: number): string {
  const rows = stepRows(model.steps, s);
  const marks = model.steps.map((step, i) => {
    const row = rows[i] as number;
    const next = model.steps.slice(i + 1).find((_, j) => rows[i + 1 + j] === row);
    const cy = y + 23 - row * 15;
    const x = s.x(step.start);
    const room = (next ? s.x(next.start) : PLOT_RIGHT + CLIP_PAD) - x - NAME_DX - 6;
    const duration = step.end === null ? "" : `, ${((step.end - step.start) / 1000).toFixed(1)} s`;
    return el(
      "g",
      { class: "step", "data-step": i + 1 },
      title(`${i + 1}. ${step.name} (${offsetLabel(model.start, step.start)}${duration})`) +
        el("line", {
          class: "step-span",
          ...spanLine(s, step.start, step.end ?? model.end, 1),
          y1: cy,
          y2: cy,
        }) +
        el("circle", { ...atCircle(s, step.start), cy, r: 7 }) +
        el("text", { ...atText(s, step.start), y: cy + 3.5, "text-anchor": "middle" }, String(i + 1)) +
        el(
          "text",
          {
            class: "step-name",
            ...atText(s, step.start, NAME_DX),
            y: cy + 4,
            "data-full": step.name,
            "data-until": next ? s.at(next.start) : undefined,
          },
          esc(fitText(step.name, room)),
        ),
    );
  });
  return `<g class="steps">${el("text", { class: "row-label", x: 8, y: y + 20 }, "steps")}${el(
    "g",
    { class: "marks", "clip-path": PLOT_CLIP },
    marks.join(""),
  )}</g>`;
}

/** `text` cut with an ellipsis to about `px` of the label font (the zoom script cuts the same way). */
export function fitText(text: string, px: number): string {
  const chars = Math.floor(px / CHAR_W);
  if (text.length <= chars) return text;
  return chars < 2 ? "" : `${text.slice(0, chars - 1)}…`;
}

// Two rows: a step goes on the first row whose last name has ended before it, else on the row whose
// last step is oldest (that name is then cut where this step starts).
function stepRows(steps: Step[], s: TimeScale): number[] {
  const rowEnd = [-Infinity, -Infinity];
  return steps.map((step) => {
    const x = s.x(step.start);
    let row = rowEnd.findIndex((end) => end <= x - 8);
    if (row === -1) row = (rowEnd[0] as number) <= (rowEnd[1] as number) ? 0 : 1;
    rowEnd[row] = x + NAME_DX + step.name.length * CHAR_W;
    return row;
  });
}

function faultLabel(f: FaultWindow): string {
  return `${f.fault} → ${f.target}${f.verified ? "" : " (not verified)"}${f.retried ? " (retried)" : ""}`;
}

/** Greedy interval packing: a fault goes on the first row where neither its bar nor its label overlaps. */
export function packFaults(faults: FaultWindow[], s: TimeScale): Map<FaultWindow, number> {
  const rowsEnd: number[] = [];
  const rows = new Map<FaultWindow, number>();
  for (const f of faults.toSorted((a, b) => a.start - b.start)) {
    const x1 = s.x(f.start);
    const x2 = Math.max(s.x(f.end ?? s.end), x1 + faultLabel(f).length * CHAR_W + 8);
    let row = rowsEnd.findIndex((end) => end + 4 <= x1);
    if (row === -1) row = rowsEnd.push(x2) - 1;
    else rowsEnd[row] = x2;
    rows.set(f, row);
  }
  return rows;
}

/** The faults strip at `y`: one labelled bar per fault window, in the rows `packFaults` chose. */
export function faultsRow(
  faults: FaultWindow[],
  rows: Map<FaultWindow, number>,
  s: TimeScale,
  y: number,
): string {
  const label = el("text", { class: "row-label", x: 8, y: y + 14 }, "faults");
  const none =
    faults.length === 0 ? el("text", { class: "none", x: PLOT_LEFT + 4, y: y + 14 }, "none injected") : "";
  const bars = faults.map((f) => {
    const ry = y + (rows.get(f) ?? 0) * ROW_H;
    const end = f.end === null ? "still active at the end" : `until ${offsetLabel(s.start, f.end)}`;
    return el(
      "g",
      {
        class: "fault",
        "data-fault": f.fault,
        "data-target": f.target,
        "data-verified": String(f.verified),
      },
      title(`${faultLabel(f)}: ${offsetLabel(s.start, f.start)} ${end}${f.detail ? ` — ${f.detail}` : ""}`) +
        el("rect", {
          ...spanRect(s, f.start, f.end ?? s.end, 2),
          y: ry + 2,
          height: ROW_H - 4,
          rx: 2,
          class: f.verified ? "fault-bar" : "fault-bar unverified",
        }) +
        el(
          "text",
          { ...atText(s, f.start, 4), ...sticky(s, f.end ?? s.end), y: ry + 14 },
          esc(faultLabel(f)),
        ),
    );
  });
  return `<g class="faults">${label}${none}${el("g", { class: "marks", "clip-path": PLOT_CLIP }, bars.join(""))}</g>`;
}

/**
 * A fault aimed at a worker shades that worker's lane; any other target (a lease, the database,
 * everyone) shades every lane and the backlog charts.
 */
export function faultShading(
  faults: FaultWindow[],
  s: TimeScale,
  laneY: Map<string, number>,
  lanes: { top: number; bottom: number },
  charts: [number, number],
): string {
  const out: string[] = [];
  for (const f of faults) {
    const ly = laneY.get(f.target);
    const bands = ly === undefined ? [[lanes.top, lanes.bottom], charts] : [[ly, ly + LANE_H]];
    for (const [top, bottom] of bands as [number, number][]) {
      out.push(
        el("rect", {
          class: "fault-shade",
          "data-target": f.target,
          ...spanRect(s, f.start, f.end ?? s.end, 2),
          y: top,
          height: bottom - top,
        }),
      );
    }
  }
  return el("g", { class: "fault-shading", "clip-path": PLOT_CLIP }, out.join(""));
}
