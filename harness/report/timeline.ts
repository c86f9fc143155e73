// timeline.html: one self-contained page per run (inline CSS and SVG, no script, nothing fetched)
// that shows what happened: verdict, lanes per worker, faults, violations and the backlog.
import type { CheckResult, Verdict } from "../checks/check.ts";
import type { Evidence } from "../observe/evidence.ts";
import { metricsLine } from "./console.ts";
import { esc } from "./timeline/html.ts";
import { legend } from "./timeline/legend.ts";
import { type TimelineModel, timelineModel } from "./timeline/model.ts";
import { offsetLabel } from "./timeline/scale.ts";
import { CSS } from "./timeline/style.ts";
import { renderSvg } from "./timeline/svg.ts";
import type { VerdictFile } from "./write.ts";

const MARK: Record<Verdict, string> = { pass: "PASS", fail: "FAIL", unknown: "UNKNOWN" };

// The page may load nothing from anywhere: the policy makes a stray reference fail loudly, not fetch.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Renders the run as one self-contained HTML document. */
export function renderTimeline(evidence: Evidence, verdict: VerdictFile): string {
  const model = timelineModel(evidence, verdict.checks);
  const runTitle = `${verdict.scenario} · ${MARK[verdict.verdict]}`;
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
${metrics(verdict.metrics)}
<h2>Timeline</h2>
${legend()}
${renderSvg(model)}
${steps(model)}
</body>
</html>
`;
}

function header(v: VerdictFile, model: TimelineModel): string {
  const durationS = ((model.meta.observedUntil - model.meta.startedAt) / 1000).toFixed(1);
  const facts: [string, string][] = [
    ["seed", String(v.seed)],
    ["ttl", `${v.ttlMs} ms`],
    ["safety margin", `${model.meta.safetyMarginMs ?? "?"} ms`],
    ["bug", v.bug ?? "none (reference worker)"],
    ["observed", `${durationS} s`],
    ["started", new Date(model.meta.startedAt).toISOString()],
    ["run", v.runId],
  ];
  const dl = facts.map(([k, val]) => `<div><dt>${esc(k)}</dt><dd>${esc(val)}</dd></div>`).join("");
  const reproduce = v.reproduce ? `<p class="reproduce">reproduce: <code>${esc(v.reproduce)}</code></p>` : "";
  return `<header><h1>${esc(v.scenario)}</h1>${badge(v.verdict)}</header>
<dl class="facts">${dl}</dl>
${reproduce}`;
}

function badge(v: Verdict): string {
  return `<span class="badge ${esc(v)}">${MARK[v] ?? esc(v)}</span>`;
}

function checksTable(v: VerdictFile, model: TimelineModel): string {
  const rows = v.checks.map((c) => `<tr>${checkCells(c, model)}</tr>`);
  const reasons = v.reasons.map(
    (r) => `<tr><td class="id">run</td><td>${badge("unknown")}</td><td>${esc(r)}</td></tr>`,
  );
  return `<table class="checks">
<thead><tr><th>check</th><th>verdict</th><th>detail</th></tr></thead>
<tbody>${[...rows, ...reasons].join("\n")}</tbody>
</table>`;
}

function checkCells(c: CheckResult, model: TimelineModel): string {
  const list =
    c.violations.length > 1
      ? `<details><summary>all ${c.violations.length} violations</summary><ol>${c.violations
          .map((x) => {
            const when = typeof x.ts === "number" ? `${offsetLabel(model.start, x.ts)}: ` : "";
            return `<li>${esc(when + x.message)}</li>`;
          })
          .join("")}</ol></details>`
      : "";
  return `<td class="id">${esc(c.id)}</td><td>${badge(c.verdict)}</td><td>${esc(c.detail)}${list}</td>`;
}

function metrics(values: Record<string, number | null>): string {
  const text = metricsLine(values);
  return text ? `<p class="metrics mono">${esc(text)}</p>` : "";
}

function steps(model: TimelineModel): string {
  if (model.steps.length === 0) return "";
  const items = model.steps.map((s) => {
    const duration = s.end === null ? "" : ` (${((s.end - s.start) / 1000).toFixed(1)} s)`;
    return `<li><span class="when">${esc(offsetLabel(model.start, s.start))}${esc(duration)}</span>${esc(s.name)}</li>`;
  });
  return `<h2>Steps</h2>\n<ol class="steps">${items.join("")}</ol>`;
}
