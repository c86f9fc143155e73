// timeline.html: one self-contained page per run (inline CSS, SVG and one small script, nothing
// fetched) that shows what happened and the evidence for it: verdict, lanes per worker, faults,
// violations with their log lines and lease rows, and the backlog.
import { createHash } from "node:crypto";
import type { Evidence } from "../observe/evidence.ts";
import { metricsLine } from "./console.ts";
import { MARK } from "./timeline/badge.ts";
import { checksTable, premisesTable } from "./timeline/checks.ts";
import { header } from "./timeline/header.ts";
import { esc } from "./timeline/html.ts";
import { legend } from "./timeline/legend.ts";
import { type TimelineModel, timelineModel } from "./timeline/model.ts";
import { offsetLabel } from "./timeline/scale.ts";
import { CSS } from "./timeline/style.ts";
import { renderSvg } from "./timeline/svg.ts";
import { violationsPanel } from "./timeline/violations.ts";
import { ZOOM_SCRIPT, zoomControls } from "./timeline/zoom.ts";
import type { VerdictFile } from "./write.ts";

// The page may load nothing from anywhere: the policy makes a stray reference fail loudly, not fetch.
// Only the zoom script may run, by its hash: markup that slipped past escaping would stay inert.
const SCRIPT_HASH = createHash("sha256").update(ZOOM_SCRIPT).digest("base64");
const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src data:`;

/** Renders the run as one self-contained HTML document. */
export function renderTimeline(evidence: Evidence, verdict: VerdictFile): string {
  const model = timelineModel(evidence, verdict.checks);
  const interrupted = model.meta.interrupted === true ? " · interrupted" : "";
  const runTitle = `${verdict.scenario} · ${MARK[verdict.verdict]}${interrupted}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=1250">
<title>${esc(runTitle)} · lease-chaos</title>
<style>${CSS}</style>
</head>
<body>
${header(verdict, model)}
<h2>Checks</h2>
${checksTable(verdict, model)}
${premisesTable(verdict.premises)}
${metrics(verdict.metrics)}
<h2>Timeline</h2>
${legend()}
<div class="plot">
${zoomControls()}
${renderSvg(model)}
</div>
${violationsPanel(model)}
${steps(model)}
${output(evidence, model)}
<script>${ZOOM_SCRIPT}</script>
</body>
</html>
`;
}

function metrics(values: Record<string, number | null>): string {
  const text = metricsLine(values);
  return text ? `<p class="metrics mono">${esc(text)}</p>` : "";
}

// What workers printed besides their log lines (stderr, usually): a traceback is evidence for a
// person even when no check reads it.
function output(evidence: Evidence, model: TimelineModel): string {
  const lines = evidence.events.filter((e) => e.kind === "output");
  if (lines.length === 0) return "";
  const workers = [...new Set(lines.map((l) => l.worker))];
  const blocks = workers.map((w) => {
    const mine = lines.filter((l) => l.worker === w);
    const rows = mine.map(
      (l) =>
        `<li><span class="when">${esc(offsetLabel(model.start, l.ts))}</span>${l.instance > 1 ? `<span class="when">#${l.instance}</span>` : ""}${esc(l.text)}</li>`,
    );
    return `<details class="output"${mine.length <= 20 ? " open" : ""}><summary>${esc(w)}: ${mine.length} line(s) on ${esc([...new Set(mine.map((l) => l.stream))].join(", "))}</summary><ol class="steps mono">${rows.join("")}</ol></details>`;
  });
  return `<h2>Worker output not read as log lines</h2>\n${blocks.join("\n")}`;
}

function steps(model: TimelineModel): string {
  if (model.steps.length === 0) return "";
  const items = model.steps.map((s) => {
    const duration = s.end === null ? "" : ` (${((s.end - s.start) / 1000).toFixed(1)} s)`;
    return `<li><span class="when">${esc(offsetLabel(model.start, s.start))}${esc(duration)}</span>${esc(s.name)}</li>`;
  });
  return `<h2>Steps</h2>\n<ol class="steps">${items.join("")}</ol>`;
}
