// The page's header: the scenario, its verdict, the run's zero instant and the facts of the run.
import { sinceStart } from "../../checks/format.ts";
import type { VerdictFile } from "../write.ts";
import { badge } from "./badge.ts";
import { esc } from "./html.ts";
import type { TimelineModel } from "./model.ts";

/** The header: verdict, an interrupted run said loudly, the one clock of the page, the run's facts. */
export function header(v: VerdictFile, model: TimelineModel): string {
  const { meta } = model;
  const durationS = ((meta.observedUntil - meta.startedAt) / 1000).toFixed(1);
  const facts: [string, string][] = [
    ["seed", String(v.seed)],
    ["ttl", `${v.ttlMs} ms`],
    ["safety margin", `${meta.safetyMarginMs ?? "?"} ms`],
    ["bug", v.bug ?? "none (reference worker)"],
    ["observed", `${durationS} s`],
    ["run", v.runId],
  ];
  const dl = facts.map(([k, val]) => `<div><dt>${esc(k)}</dt><dd>${esc(val)}</dd></div>`).join("");
  const reproduce = v.reproduce ? `<p class="reproduce">reproduce: <code>${esc(v.reproduce)}</code></p>` : "";
  const interrupted = meta.interrupted === true;
  return `<header><h1>${esc(v.scenario)}</h1>${badge(v.verdict)}${
    interrupted ? '<span class="badge interrupted">INTERRUPTED</span>' : ""
  }</header>
${interrupted ? interruptedNote(model) : ""}${zeroLine(meta.startedAt)}
<dl class="facts">${dl}</dl>
${reproduce}`;
}

// A run stopped by Ctrl-C still gets a timeline; nobody must read its missing verdict as a pass.
function interruptedNote(model: TimelineModel): string {
  const at = sinceStart(model.meta, model.meta.observedUntil);
  return `<p class="interrupted-note" role="alert"><strong>interrupted</strong> at ${esc(at)}: the run was stopped before it could heal, drain and judge; this timeline shows what was recorded until then.</p>\n`;
}

// The run's zero, stated once: every +N ms on the page (lanes, tooltips, verdicts) counts from it.
function zeroLine(startedAt: number): string {
  const iso = new Date(startedAt).toISOString();
  return `<p class="zero">times count from <time datetime="${esc(iso)}">${esc(iso)}</time>, the run's zero: every <code>+N ms</code> on this page is time since then; clock times are UTC.</p>`;
}
