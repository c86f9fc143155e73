// One worker's lane: its terms, local-expiry spans, batches, effects, process events and the
// violations found on it, each violation linked to its entry in the violations panel.
import type { Term } from "../../checks/terms.ts";
import type { ProcessEvent, WallMs } from "../../observe/evidence.ts";
import { markerAnchor } from "./anchors.ts";
import { el, esc, title } from "./html.ts";
import { CHAR_W, LANE_H, PLOT_CLIP, PLOT_LEFT, PLOT_RIGHT } from "./layout.ts";
import type { Lane, PlacedViolation } from "./model.ts";
import { atGroup, atLine, atText, spanLine, spanRect, sticky, ticksPath } from "./place.ts";
import { offsetLabel, type TimeScale } from "./scale.ts";

/** A worker's lane at `y`: names in the gutter, marks in the (zoomable) plot. */
export function renderLane(l: Lane, s: TimeScale, y: number, start: WallMs, runBug: string | null): string {
  // The run's bug is in the header; a lane names a bug only where its worker differs from the run.
  const sub = [l.bug && l.bug !== runBug ? `bug: ${l.bug}` : null, l.role].filter(Boolean).join(" · ");
  const marks = [
    ...l.localExpiry.map((sp) =>
      el(
        "g",
        { class: "local-expiry" },
        title(
          `${l.worker}: lease expired locally at ${offsetLabel(start, sp.start)}, until ${offsetLabel(start, sp.end)}`,
        ) + el("rect", { ...spanRect(s, sp.start, sp.end, 2), y: y + 41, height: 6 }),
      ),
    ),
    ...l.terms.map((t) => renderTerm(t, s, y, start)),
    ...l.batches.map((b) =>
      el(
        "line",
        { class: "batch", ...atLine(s, b.ts), y1: y + 12, y2: y + 21 },
        title(`${l.worker}: batch started at ${offsetLabel(start, b.ts)}, epoch ${b.epoch ?? "none"}`),
      ),
    ),
    ...l.effects.map((e) =>
      el(
        "line",
        { class: "effect", "data-type": e.type, ...atLine(s, e.ts), y1: y + 49, y2: y + 57 },
        title(
          `${e.type} of ${e.itemId} by ${l.worker}, epoch ${e.epoch ?? "none"}, at ${offsetLabel(start, e.ts)}`,
        ),
      ),
    ),
    ...l.rejected.map((e) =>
      el(
        "g",
        { class: "effect rejected", ...atGroup(s, e.ts) },
        title(
          `refused ${e.type}: ${e.itemId} by ${l.worker} with epoch ${e.epoch ?? "none"} at ${offsetLabel(start, e.ts)}`,
        ) + el("path", { d: `M-3.5 ${y + 49.5}l7 7m0 -7l-7 7` }),
      ),
    ),
    // Over the batch ticks, so its label stays readable where the worker kept working.
    ...labelledSpans(l.violations, s).map(([v, label]) => violationSpan(v, s, y, start, label)),
    pausedLinks(l.process, s, y),
    ...l.process.map((p) => processMarker(p, s, y + 6, start)),
    ...labelled(l.violations, s).map(([v, label]) => violationMarker(v, s, y, LANE_H, start, label)),
  ];
  const inner =
    gutterText("lane-label", y + 27, l.worker, 7.8) +
    (sub ? gutterText("lane-sub", y + 43, sub, CHAR_W) : "") +
    el("g", { class: "marks", "clip-path": PLOT_CLIP }, marks.join(""));
  return el("g", { class: "lane", "data-worker": l.worker, "data-lease": l.leaseName }, inner);
}

/** The lane of violations that name no drawn worker (a backlog that never drained), half a lane tall. */
export function runLane(violations: PlacedViolation[], s: TimeScale, y: number, start: WallMs): string {
  const h = LANE_H / 2;
  return el(
    "g",
    { class: "lane run-lane", "data-worker": "" },
    el("text", { class: "lane-label", x: 16, y: y + 19 }, "run") +
      el(
        "g",
        { class: "marks", "clip-path": PLOT_CLIP },
        violations.map((v) => violationMarker(v, s, y, h, start)).join(""),
      ),
  );
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
  const renewals = t.grants.slice(1).map((g) => g.at);
  const label = x2 - x1 >= 60 ? `epoch ${t.epoch}` : x2 - x1 >= 16 ? String(t.epoch) : "";
  const tip =
    `${t.holder} holds ${t.leaseName}, epoch ${t.epoch}: ${offsetLabel(start, t.start)} → ${offsetLabel(start, t.end)} ` +
    `(${t.endReason}); expires_at ${offsetLabel(start, t.expiresAt)}; ${t.grants.length - 1} renewal(s)`;
  return el(
    "g",
    { class: "term", "data-epoch": t.epoch, "data-holder": t.holder, "data-end-reason": t.endReason },
    title(tip) +
      el("rect", { class: "term-bar", ...spanRect(s, t.start, t.end, 1.5), y: y + 23, height: 16 }) +
      (tailEnd > x2 + 0.5
        ? el("rect", { class: "term-tail", ...spanRect(s, t.end, t.expiresAt, 0), y: y + 23, height: 16 })
        : "") +
      (renewals.length > 0 ? el("path", { class: "renewals", ...ticksPath(s, renewals, y + 23, 5) }) : "") +
      (label
        ? el(
            "text",
            { class: "term-label", ...atText(s, t.start, 4), ...sticky(s, t.end), y: y + 35 },
            esc(label),
          )
        : el(
            "text",
            { class: "term-label outside", ...atText(s, Math.max(t.expiresAt, t.end), 3), y: y + 35 },
            esc(t.epoch),
          )),
  );
}

// A dotted line from each pause to its resume, so a frozen process reads as a span.
function pausedLinks(events: ProcessEvent[], s: TimeScale, y: number): string {
  const out: string[] = [];
  let pausedAt: WallMs | null = null;
  for (const p of events) {
    if (p.event === "pause") pausedAt = p.ts;
    else if (pausedAt !== null && (p.event === "resume" || p.event === "kill" || p.event === "exit")) {
      out.push(el("line", { class: "paused", ...spanLine(s, pausedAt, p.ts), y1: y + 6, y2: y + 6 }));
      pausedAt = null;
    }
  }
  return out.join("");
}

function processMarker(p: ProcessEvent, s: TimeScale, cy: number, start: WallMs): string {
  const how = [p.code != null ? `code ${p.code}` : "", p.signal ? `signal ${p.signal}` : ""]
    .filter(Boolean)
    .join(", ");
  const expected = p.expected === true ? "expected" : p.event === "exit" ? "unexpected" : "";
  const tail = (p.stderrTail?.length ? p.stderrTail : (p.outputTail ?? [])).slice(-6);
  const tip = `${p.worker}: ${p.event} at ${offsetLabel(start, p.ts)}${how ? ` (${how})` : ""}${expected ? `, ${expected}` : ""}${tail.length ? `; last lines:\n${tail.join("\n")}` : ""}`;
  const shapes: Record<ProcessEvent["event"], string> = {
    start: el("circle", { cx: 0, cy, r: 3.5, class: "hollow" }),
    pause:
      el("rect", { x: -3.5, y: cy - 4.5, width: 2.5, height: 9 }) +
      el("rect", { x: 1, y: cy - 4.5, width: 2.5, height: 9 }),
    resume: el("path", { d: `M-3 ${cy - 5}l7 5l-7 5z` }),
    kill: el("path", { class: "kill", d: `M-4 ${cy - 4}l8 8m0 -8l-8 8` }),
    exit: el("rect", { x: -3.5, y: cy - 3.5, width: 7, height: 7, class: p.expected === true ? "" : "bad" }),
    stop: el("rect", { x: -3.5, y: cy - 3.5, width: 7, height: 7, class: "hollow" }),
  };
  return el(
    "g",
    { class: "process", "data-event": p.event, ...atGroup(s, p.ts) },
    title(tip) + (shapes[p.event] ?? ""),
  );
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

// The marker is a link to the violation's panel entry, and the target of the entry's link back.
function violationMarker(
  v: PlacedViolation,
  s: TimeScale,
  y: number,
  height: number,
  start: WallMs,
  label = true,
): string {
  const cy = y + height / 2;
  const leftward = s.x(v.ts) + 12 + v.check.length * CHAR_W > PLOT_RIGHT;
  const marker = el(
    "g",
    {
      class: "violation",
      "data-check": v.check,
      "data-worker": typeof v.violation.worker === "string" ? v.violation.worker : undefined,
      "data-offset-ms": Math.round(v.ts - start),
      ...atGroup(s, v.ts),
    },
    title(`${v.check} (${offsetLabel(start, v.ts)}): ${v.violation.message}`) +
      el("line", { x1: 0, x2: 0, y1: y + 1, y2: y + height - 1 }) +
      el("path", { d: `M0 ${cy - 8}l8 8l-8 8l-8 -8z` }) +
      el("text", { x: 0, y: cy + 4, "text-anchor": "middle" }, "!") +
      (label
        ? el(
            "text",
            {
              class: "violation-label",
              x: leftward ? -12 : 12,
              y: cy + 4,
              "text-anchor": leftward ? "end" : "start",
            },
            esc(v.check),
          )
        : ""),
  );
  return el("a", { class: "violation-link", href: `#${v.anchor}`, id: markerAnchor(v.anchor) }, marker);
}

// As with markers, only the first span label of a cluster is written (every span keeps its tooltip).
function labelledSpans(violations: PlacedViolation[], s: TimeScale): [PlacedViolation, boolean][] {
  let lastLabelX = -Infinity;
  return violations
    .filter((v) => v.span !== null)
    .toSorted((a, b) => a.ts - b.ts)
    .map((v) => {
      const x = s.x(v.ts);
      const label = x - lastLabelX > (v.span?.label.length ?? 0) * CHAR_W + 16;
      if (label) lastLabelX = x;
      return [v, label];
    });
}

// How far past its bound the violation happened, on the term row: from expires_at (or the margin,
// or the term's end) to the violation, labelled with the check's figure.
function violationSpan(v: PlacedViolation, s: TimeScale, y: number, start: WallMs, label: boolean): string {
  const span = v.span;
  if (!span) return "";
  const bound = {
    "past-expiry": "expires_at",
    "into-margin": "expires_at - safety margin",
    "past-end": "term end",
  };
  return el(
    "g",
    { class: "violation-span", "data-kind": span.kind, "data-check": v.check },
    title(
      `${span.label}: from ${bound[span.kind]} ${offsetLabel(start, span.from)} to ${v.check} at ${offsetLabel(start, span.to)}`,
    ) +
      el("rect", { class: "span-bar", ...spanRect(s, span.from, span.to, 2), y: y + 22, height: 18 }) +
      el("line", { class: "span-edge", ...atLine(s, span.from), y1: y + 18, y2: y + 44 }) +
      (label
        ? el(
            "text",
            { class: "span-label", ...atText(s, span.to, -12), y: y + 17, "text-anchor": "end" },
            esc(span.label),
          )
        : ""),
  );
}
