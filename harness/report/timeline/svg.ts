// The inline SVG: a shared time axis, a steps strip, a faults strip, one lane per worker grouped by
// lease, and the backlog series below. Every string from evidence is escaped through el/title/esc.
import type { Term } from "../../checks/terms.ts";
import type { FaultWindow, ProcessEvent, WallMs } from "../../observe/evidence.ts";
import { el, esc, round, title } from "./html.ts";
import type { Lane, PlacedViolation, TimelineModel } from "./model.ts";
import { COLOR } from "./palette.ts";
import { offsetLabel, secondsLabel, type TimeScale, tickOffsets, timeScale } from "./scale.ts";

const WIDTH = 1200;
const PLOT_LEFT = 180;
const PLOT_RIGHT = WIDTH - 28;
const LANE_H = 60;
const GROUP_H = 22;
const ROW_H = 20;
const STEPS_H = 32;
const CHART_H = 72;
const CHART_GAP = 30;
// Rough width of one character of the 11 px label font, to pack labels without measuring text.
const CHAR_W = 6.2;

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
  const grid = gridAndAxes(model, s, stepsTop, chartsBottom);
  const marks = runMarks(model, s, faultsTop, chartsBottom);

  return [
    `<svg class="timeline" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" role="img" aria-label="timeline of the run">`,
    defs(),
    backgrounds.join(""),
    grid,
    shading,
    marks,
    parts.join(""),
    laneParts.join(""),
    charts.join(""),
    "</svg>",
  ].join("\n");
}

function defs(): string {
  return `<defs>
<pattern id="hatch-tail" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="${COLOR.termTail}"/></pattern>
<pattern id="hatch-expiry" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="6" height="6" fill="#fff4dc"/><rect width="2.5" height="6" fill="${COLOR.localExpiry}"/></pattern>
</defs>`;
}

function gridAndAxes(model: TimelineModel, s: TimeScale, top: number, bottom: number): string {
  const ticks = tickOffsets(s.end - s.start);
  const out: string[] = [];
  for (const t of ticks) {
    const x = s.x(model.start + t);
    out.push(
      el("line", { class: "grid", x1: x, x2: x, y1: top - 4, y2: bottom }),
      el("text", { class: "tick", x, y: top - 8, "text-anchor": "middle" }, esc(secondsLabel(t))),
      el("text", { class: "tick", x, y: bottom + 16, "text-anchor": "middle" }, esc(secondsLabel(t))),
    );
  }
  out.push(
    el("text", { class: "axis-title", x: 8, y: top - 8 }, "time since run start"),
    el("line", { class: "axis", x1: PLOT_LEFT, x2: PLOT_RIGHT, y1: top - 4, y2: top - 4 }),
    el("line", { class: "axis", x1: PLOT_LEFT, x2: PLOT_RIGHT, y1: bottom, y2: bottom }),
  );
  return `<g class="axes">${out.join("")}</g>`;
}

// Vertical markers for the instants the whole run shares: the heal and the end of observation.
function runMarks(model: TimelineModel, s: TimeScale, top: number, bottom: number): string {
  const { healedAt, observedUntil } = model.meta;
  const marks: [string, WallMs | null][] = [
    ["healed", healedAt],
    ["observation end", observedUntil],
  ];
  return marks
    .filter((m): m is [string, WallMs] => typeof m[1] === "number")
    .map(([label, ts]) => {
      const x = s.x(ts);
      return el(
        "g",
        { class: "run-mark", "data-mark": label },
        title(`${label} at ${offsetLabel(model.start, ts)}`) +
          el("line", { x1: x, x2: x, y1: top - 10, y2: bottom }) +
          el("text", { x: x + 3, y: 10, "text-anchor": x > PLOT_RIGHT - 110 ? "end" : "start" }, esc(label)),
      );
    })
    .join("");
}

function stepsRow(model: TimelineModel, s: TimeScale, y: number): string {
  const out = [el("text", { class: "row-label", x: 8, y: y + 20 }, "steps")];
  let lastX = -Infinity;
  let lift = 0;
  for (const [i, step] of model.steps.entries()) {
    const x = s.x(step.start);
    const x2 = s.x(step.end ?? model.end);
    // Steps that start within a few px of each other alternate height so their numbers stay readable.
    lift = x - lastX < 16 ? (lift + 1) % 2 : 0;
    lastX = x;
    const cy = y + 23 - lift * 15;
    const duration = step.end === null ? "" : `, ${((step.end - step.start) / 1000).toFixed(1)} s`;
    out.push(
      el(
        "g",
        { class: "step", "data-step": i + 1 },
        title(`${i + 1}. ${step.name} (${offsetLabel(model.start, step.start)}${duration})`) +
          el("line", { class: "step-span", x1: x, x2: Math.max(x2, x + 1), y1: cy, y2: cy }) +
          el("circle", { cx: x, cy, r: 7 }) +
          el("text", { x, y: cy + 3.5, "text-anchor": "middle" }, String(i + 1)),
      ),
    );
  }
  return `<g class="steps">${out.join("")}</g>`;
}

function faultLabel(f: FaultWindow): string {
  return `${f.fault} → ${f.target}${f.verified ? "" : " (not verified)"}`;
}

// Greedy interval packing: a fault goes on the first row where neither its bar nor its label overlaps.
function packFaults(faults: FaultWindow[], s: TimeScale): Map<FaultWindow, number> {
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

function faultsRow(faults: FaultWindow[], rows: Map<FaultWindow, number>, s: TimeScale, y: number): string {
  const out = [el("text", { class: "row-label", x: 8, y: y + 14 }, "faults")];
  if (faults.length === 0)
    out.push(el("text", { class: "none", x: PLOT_LEFT + 4, y: y + 14 }, "none injected"));
  for (const f of faults) {
    const ry = y + (rows.get(f) ?? 0) * ROW_H;
    const x1 = s.x(f.start);
    const x2 = s.x(f.end ?? s.end);
    const end = f.end === null ? "still active at the end" : `until ${offsetLabel(s.start, f.end)}`;
    out.push(
      el(
        "g",
        {
          class: "fault",
          "data-fault": f.fault,
          "data-target": f.target,
          "data-verified": String(f.verified),
        },
        title(
          `${faultLabel(f)}: ${offsetLabel(s.start, f.start)} ${end}${f.detail ? ` — ${f.detail}` : ""}`,
        ) +
          el("rect", {
            x: x1,
            y: ry + 2,
            width: Math.max(x2 - x1, 2),
            height: ROW_H - 4,
            rx: 2,
            class: f.verified ? "fault-bar" : "fault-bar unverified",
          }) +
          el("text", { x: x1 + 4, y: ry + 14 }, esc(faultLabel(f))),
      ),
    );
  }
  return `<g class="faults">${out.join("")}</g>`;
}

// A fault aimed at a worker shades that worker's lane; any other target (a lease, the database,
// everyone) shades every lane and the backlog charts.
function faultShading(
  faults: FaultWindow[],
  s: TimeScale,
  laneY: Map<string, number>,
  lanes: { top: number; bottom: number },
  charts: [number, number],
): string {
  const out: string[] = [];
  for (const f of faults) {
    const x = s.x(f.start);
    const width = Math.max(s.x(f.end ?? s.end) - x, 2);
    const ly = laneY.get(f.target);
    const bands = ly === undefined ? [[lanes.top, lanes.bottom], charts] : [[ly, ly + LANE_H]];
    for (const [top, bottom] of bands as [number, number][]) {
      out.push(
        el("rect", {
          class: "fault-shade",
          "data-target": f.target,
          x,
          y: top,
          width,
          height: bottom - top,
        }),
      );
    }
  }
  return `<g class="fault-shading">${out.join("")}</g>`;
}

function renderLane(l: Lane, s: TimeScale, y: number, start: WallMs, runBug: string | null): string {
  // The run's bug is in the header; a lane names a bug only where its worker differs from the run.
  const sub = [l.bug && l.bug !== runBug ? `bug: ${l.bug}` : null, l.role].filter(Boolean).join(" · ");
  const inner = [
    gutterText("lane-label", y + 27, l.worker, 7.8),
    sub ? gutterText("lane-sub", y + 43, sub, CHAR_W) : "",
    ...l.localExpiry.map((sp) =>
      el(
        "g",
        { class: "local-expiry" },
        title(
          `${l.worker}: lease expired locally at ${offsetLabel(start, sp.start)}, until ${offsetLabel(start, sp.end)}`,
        ) +
          el("rect", {
            x: s.x(sp.start),
            y: y + 41,
            width: Math.max(s.x(sp.end) - s.x(sp.start), 2),
            height: 6,
          }),
      ),
    ),
    ...l.terms.map((t) => renderTerm(t, s, y, start)),
    ...l.batches.map((b) =>
      el(
        "line",
        { class: "batch", x1: s.x(b.ts), x2: s.x(b.ts), y1: y + 12, y2: y + 21 },
        title(`${l.worker}: batch started at ${offsetLabel(start, b.ts)}, epoch ${b.epoch ?? "none"}`),
      ),
    ),
    ...l.effects.map((e) =>
      el(
        "line",
        { class: "effect", "data-type": e.type, x1: s.x(e.ts), x2: s.x(e.ts), y1: y + 49, y2: y + 57 },
        title(
          `${e.type} of ${e.itemId} by ${l.worker}, epoch ${e.epoch ?? "none"}, at ${offsetLabel(start, e.ts)}`,
        ),
      ),
    ),
    ...l.rejected.map((e) => {
      const x = s.x(e.ts);
      return el(
        "g",
        { class: "effect rejected" },
        title(
          `refused ${e.type}: ${e.itemId} by ${l.worker} with epoch ${e.epoch ?? "none"} at ${offsetLabel(start, e.ts)}`,
        ) + el("path", { d: `M${round(x - 3.5)} ${y + 49.5}l7 7m0 -7l-7 7` }),
      );
    }),
    pausedLinks(l.process, s, y),
    ...l.process.map((p) => processMarker(p, s, y + 6, start)),
    ...labelled(l.violations, s).map(([v, label]) => violationMarker(v, s, y, LANE_H, start, label)),
  ];
  return el("g", { class: "lane", "data-worker": l.worker, "data-lease": l.leaseName }, inner.join(""));
}

// A label in the left gutter, cut with an ellipsis where it would run into the plot (full text on hover).
function gutterText(cls: string, y: number, text: string, charW: number): string {
  const fits = Math.floor((PLOT_LEFT - 24) / charW);
  const shown = text.length > fits ? `${text.slice(0, fits - 1)}…` : text;
  return el("text", { class: cls, x: 16, y }, (shown === text ? "" : title(text)) + esc(shown));
}

function renderTerm(t: Term, s: TimeScale, y: number, start: WallMs): string {
  const x1 = s.x(t.start);
  const x2 = Math.max(s.x(t.end), x1 + 1.5);
  const tailEnd = s.x(t.expiresAt);
  const renewals = t.grants.slice(1).map((g) => s.x(g.at));
  const label = x2 - x1 >= 60 ? `epoch ${t.epoch}` : x2 - x1 >= 16 ? String(t.epoch) : "";
  const tip =
    `${t.holder} holds ${t.leaseName}, epoch ${t.epoch}: ${offsetLabel(start, t.start)} → ${offsetLabel(start, t.end)} ` +
    `(${t.endReason}); expires_at ${offsetLabel(start, t.expiresAt)}; ${t.grants.length - 1} renewal(s)`;
  return el(
    "g",
    { class: "term", "data-epoch": t.epoch, "data-holder": t.holder, "data-end-reason": t.endReason },
    title(tip) +
      el("rect", { class: "term-bar", x: x1, y: y + 23, width: x2 - x1, height: 16 }) +
      (tailEnd > x2 + 0.5
        ? el("rect", { class: "term-tail", x: x2, y: y + 23, width: tailEnd - x2, height: 16 })
        : "") +
      (renewals.length > 0
        ? el("path", { class: "renewals", d: renewals.map((x) => `M${round(x)} ${y + 23}v5`).join("") })
        : "") +
      (label
        ? el("text", { class: "term-label", x: x1 + 4, y: y + 35 }, esc(label))
        : el("text", { class: "term-label outside", x: Math.max(tailEnd, x2) + 3, y: y + 35 }, esc(t.epoch))),
  );
}

// A dotted line from each pause to its resume, so a frozen process reads as a span.
function pausedLinks(events: ProcessEvent[], s: TimeScale, y: number): string {
  const out: string[] = [];
  let pausedAt: WallMs | null = null;
  for (const p of events) {
    if (p.event === "pause") pausedAt = p.ts;
    else if (pausedAt !== null && (p.event === "resume" || p.event === "kill" || p.event === "exit")) {
      out.push(el("line", { class: "paused", x1: s.x(pausedAt), x2: s.x(p.ts), y1: y + 6, y2: y + 6 }));
      pausedAt = null;
    }
  }
  return out.join("");
}

function processMarker(p: ProcessEvent, s: TimeScale, cy: number, start: WallMs): string {
  const x = round(s.x(p.ts));
  const how = [p.code != null ? `code ${p.code}` : "", p.signal ? `signal ${p.signal}` : ""]
    .filter(Boolean)
    .join(", ");
  const expected = p.expected === true ? "expected" : p.event === "exit" ? "unexpected" : "";
  const tip = `${p.worker}: ${p.event} at ${offsetLabel(start, p.ts)}${how ? ` (${how})` : ""}${expected ? `, ${expected}` : ""}`;
  const shapes: Record<ProcessEvent["event"], string> = {
    start: el("circle", { cx: x, cy, r: 3.5, class: "hollow" }),
    pause:
      el("rect", { x: x - 3.5, y: cy - 4.5, width: 2.5, height: 9 }) +
      el("rect", { x: x + 1, y: cy - 4.5, width: 2.5, height: 9 }),
    resume: el("path", { d: `M${x - 3} ${cy - 5}l7 5l-7 5z` }),
    kill: el("path", { class: "kill", d: `M${x - 4} ${cy - 4}l8 8m0 -8l-8 8` }),
    exit: el("rect", {
      x: x - 3.5,
      y: cy - 3.5,
      width: 7,
      height: 7,
      class: p.expected === true ? "" : "bad",
    }),
    stop: el("rect", { x: x - 3.5, y: cy - 3.5, width: 7, height: 7, class: "hollow" }),
  };
  return el("g", { class: "process", "data-event": p.event }, title(tip) + (shapes[p.event] ?? ""));
}

// Only the first violation of a cluster on one lane gets its check id written beside it; the rest
// would overprint it (every marker keeps its tooltip).
function labelled(violations: PlacedViolation[], s: TimeScale): [PlacedViolation, boolean][] {
  let lastLabelX = -Infinity;
  return violations
    .toSorted((a, b) => a.ts - b.ts)
    .map((v) => {
      const x = s.x(v.ts);
      const label = x - lastLabelX > v.check.length * CHAR_W + 24;
      if (label) lastLabelX = x;
      return [v, label];
    });
}

function violationMarker(
  v: PlacedViolation,
  s: TimeScale,
  y: number,
  height: number,
  start: WallMs,
  label = true,
): string {
  const x = round(s.x(v.ts));
  const cy = y + height / 2;
  const leftward = x + 12 + v.check.length * CHAR_W > PLOT_RIGHT;
  return el(
    "g",
    {
      class: "violation",
      "data-check": v.check,
      "data-worker": typeof v.violation.worker === "string" ? v.violation.worker : undefined,
      "data-offset-ms": Math.round(v.ts - start),
    },
    title(`${v.check} (${offsetLabel(start, v.ts)}): ${v.violation.message}`) +
      el("line", { x1: x, x2: x, y1: y + 1, y2: y + height - 1 }) +
      el("path", { d: `M${x} ${cy - 8}l8 8l-8 8l-8 -8z` }) +
      el("text", { x, y: cy + 4, "text-anchor": "middle" }, "!") +
      (label
        ? el(
            "text",
            {
              class: "violation-label",
              x: leftward ? x - 12 : x + 12,
              y: cy + 4,
              "text-anchor": leftward ? "end" : "start",
            },
            esc(v.check),
          )
        : ""),
  );
}

// Violations that name no drawn worker (a backlog that never drained) get a short lane of their own.
function runLane(violations: PlacedViolation[], s: TimeScale, y: number, start: WallMs): string {
  const h = LANE_H / 2;
  return el(
    "g",
    { class: "lane run-lane", "data-worker": "" },
    el("text", { class: "lane-label", x: 16, y: y + 19 }, "run") +
      violations.map((v) => violationMarker(v, s, y, h, start)).join(""),
  );
}

function backlogChart(
  model: TimelineModel,
  s: TimeScale,
  y: number,
  key: string,
  name: string,
  color: string,
): string {
  const samples = model.backlog.map((b) => ({ ts: b.ts, value: b.byLease?.[key] ?? 0 }));
  const max = samples.reduce((m, b) => Math.max(m, b.value), 0);
  const top = niceCeil(Math.max(max, 2));
  const yOf = (v: number) => y + CHART_H - (v / top) * CHART_H;
  const out = [
    el("text", { class: "row-label", x: 8, y: y + 12 }, esc(name)),
    el("text", { class: "lane-sub", x: 8, y: y + 28 }, samples.length > 0 ? `max ${max}` : "no samples"),
    el("rect", { class: "chart-frame", x: PLOT_LEFT, y, width: PLOT_RIGHT - PLOT_LEFT, height: CHART_H }),
    el("line", { class: "grid", x1: PLOT_LEFT, x2: PLOT_RIGHT, y1: yOf(top / 2), y2: yOf(top / 2) }),
    el("text", { class: "tick", x: PLOT_LEFT - 6, y: yOf(top) + 4, "text-anchor": "end" }, String(top)),
    el(
      "text",
      { class: "tick", x: PLOT_LEFT - 6, y: yOf(top / 2) + 4, "text-anchor": "end" },
      String(top / 2),
    ),
    el("text", { class: "tick", x: PLOT_LEFT - 6, y: yOf(0) + 4, "text-anchor": "end" }, "0"),
  ];
  if (samples.length > 0) {
    // Step-after: a sample holds until the next one, as a sampled count does.
    const first = samples[0] as (typeof samples)[number];
    let d = `M${round(s.x(first.ts))} ${round(yOf(first.value))}`;
    for (const b of samples.slice(1)) d += `H${round(s.x(b.ts))}V${round(yOf(b.value))}`;
    const last = samples.at(-1) as (typeof samples)[number];
    const area = `${d}V${round(yOf(0))}H${round(s.x(first.ts))}Z`;
    out.push(
      el("path", { class: "series-area", d: area, fill: color }),
      el(
        "path",
        { class: "series", d, stroke: color },
        title(`${name}: max ${max}, last ${last.value} at ${offsetLabel(model.start, last.ts)}`),
      ),
    );
  }
  return el("g", { class: "backlog", "data-series": key }, out.join(""));
}

// The smallest of 1, 2, 5 x 10^n at or above `n`, so the y axis reads in round numbers.
function niceCeil(n: number): number {
  const p = 10 ** Math.floor(Math.log10(n));
  return ([1, 2, 5, 10].map((m) => m * p).find((c) => c >= n) ?? 10 * p) as number;
}
