// A backlog chart below the lanes: the runbook's symptom, items waiting per lease, as sampled.
import { el, esc, title } from "./html.ts";
import { CHART_H, PLOT_CLIP, PLOT_LEFT, PLOT_RIGHT } from "./layout.ts";
import type { TimelineModel } from "./model.ts";
import { stepPath } from "./place.ts";
import { offsetLabel, type TimeScale } from "./scale.ts";

/** The chart of lease `key`'s backlog at `y`, named `name`, in `color`. */
export function backlogChart(
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
    // "backlog" over the lease's name: on one line a long name ran into the y axis labels.
    el("text", { class: "row-label", x: 8, y: y + 12 }, "backlog"),
    el("text", { class: "lane-sub", x: 8, y: y + 27 }, esc(gutterFit(key))),
    el("text", { class: "lane-sub", x: 8, y: y + 42 }, samples.length > 0 ? `max ${max}` : "no samples"),
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
  const last = samples.at(-1);
  if (last) {
    // Step-after: a sample holds until the next one, as a sampled count does.
    const points = samples.map((b) => ({ ts: b.ts, y: yOf(b.value) }));
    const series =
      el("path", { class: "series-area", ...stepPath(s, points, yOf(0)), fill: color }) +
      el(
        "path",
        { class: "series", ...stepPath(s, points), stroke: color },
        title(`${name}: max ${max}, last ${last.value} at ${offsetLabel(model.start, last.ts)}`),
      );
    out.push(el("g", { class: "marks", "clip-path": PLOT_CLIP }, series));
  }
  return el("g", { class: "backlog", "data-series": key }, out.join(""));
}

// The gutter holds about 24 characters left of the y axis labels.
function gutterFit(text: string): string {
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}

// The smallest of 1, 2, 5 x 10^n at or above `n`, so the y axis reads in round numbers.
function niceCeil(n: number): number {
  const p = 10 ** Math.floor(Math.log10(n));
  return ([1, 2, 5, 10].map((m) => m * p).find((c) => c >= n) ?? 10 * p) as number;
}
