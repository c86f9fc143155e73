// The violations panel under the lanes: each violation with the evidence it rests on (its fields,
// the raw log lines, the lease rows of the term it broke), linked to its marker and back.
import { clockTime, sinceStart } from "../../checks/format.ts";
import type { RunMeta, WallMs } from "../../observe/evidence.ts";
import { checkAnchor, checkViolationsAnchor, markerAnchor } from "./anchors.ts";
import { esc } from "./html.ts";
import type { LeaseRow, TermRows } from "./lease-rows.ts";
import type { ListedViolation, TimelineModel } from "./model.ts";

/** The panel: one entry per violation, grouped by check, in the checks table's order. */
export function violationsPanel(model: TimelineModel): string {
  const { violations, meta } = model;
  if (violations.length === 0)
    return `<section class="violations" id="violations"><h2>Violations</h2><p class="muted">none found</p></section>`;
  const checks = [...new Set(violations.map((v) => v.check))];
  const groups = checks.map((check) => {
    const list = violations.filter((v) => v.check === check);
    const count = list.length === 1 ? "1 violation" : `${list.length} violations`;
    return `<section class="vcheck" id="${checkViolationsAnchor(check)}">
<h3><a href="#${checkAnchor(check)}">${esc(check)}</a> <span class="muted">${count}</span></h3>
${list.map((v) => entry(v, meta)).join("\n")}
</section>`;
  });
  return `<section class="violations" id="violations">
<h2>Violations (${violations.length})</h2>
${groups.join("\n")}
</section>`;
}

function entry(v: ListedViolation, meta: RunMeta): string {
  const when = v.ts === null ? "no instant recorded" : instant(meta, v.ts);
  const back =
    v.ts === null
      ? `<span class="muted">not on the timeline: no instant</span>`
      : `<a class="show" href="#${markerAnchor(v.anchor)}">show on timeline</a>`;
  return `<article class="ventry" id="${v.anchor}">
<header><span class="vnum">#${v.n}</span> <a class="vcheck-id" href="#${checkAnchor(v.check)}">${esc(v.check)}</a> <span class="when">${esc(when)}</span> ${back}</header>
<p class="vmsg">${esc(v.violation.message)}</p>
${facts(v, meta)}${logLines(v.violation.lines)}${leaseRows(v, meta)}
</article>`;
}

function instant(meta: RunMeta, ts: WallMs): string {
  return `${sinceStart(meta, ts)} · ${clockTime(ts)}`;
}

// The evidence fields checks attach, named for a reader; any other field follows under its own name.
const NAMED: [string, string][] = [
  ["worker", "worker"],
  ["instance", "process"],
  ["epoch", "epoch"],
  ["termEpoch", "term's epoch"],
  ["leaseName", "lease"],
  ["msPastExpiry", "past expiry"],
  ["msIntoMargin", "into the safety margin"],
  ["msPastEnd", "after its term ended"],
  ["msBeforeStart", "before its term started"],
  ["expiresAt", "expires_at"],
  ["safetyMarginMs", "safety margin"],
  ["termEnd", "term end"],
  ["termStart", "term start"],
];
const SHOWN_ELSEWHERE = new Set(["message", "lines", "ts"]);

function facts(v: ListedViolation, meta: RunMeta): string {
  const fields = v.violation as Record<string, unknown>;
  const named = NAMED.filter(([k]) => fields[k] !== undefined);
  const known = new Set(NAMED.map(([k]) => k));
  const others = Object.keys(fields)
    .filter((k) => !known.has(k) && !SHOWN_ELSEWHERE.has(k) && fields[k] !== undefined)
    .map((k): [string, string] => [k, k]);
  const items = [...named, ...others].map(
    ([k, label]) => `<div><dt>${esc(label)}</dt><dd>${esc(fieldValue(k, fields[k], meta))}</dd></div>`,
  );
  return items.length > 0 ? `<dl class="vfacts">${items.join("")}</dl>\n` : "";
}

// Instants read on the page's clock and in UTC; durations keep their unit.
function fieldValue(key: string, value: unknown, meta: RunMeta): string {
  if (typeof value === "number" && /(At|End|Start)$/.test(key) && value > 1e11) return instant(meta, value);
  if (typeof value === "number" && /Ms$|^ms[A-Z]/.test(key)) return `${value} ms`;
  if (value === null) return "none";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function logLines(lines: unknown): string {
  if (!Array.isArray(lines) || lines.length === 0) return "";
  const shown = lines.map((l) => `<pre class="log-line">${esc(prettyLine(l))}</pre>`);
  return `<h4>log line${lines.length === 1 ? "" : "s"}</h4>\n${shown.join("\n")}\n`;
}

// A short line stays on one line as the worker printed it; a long one gets a field a line.
function prettyLine(line: unknown): string {
  if (typeof line === "string") return line;
  if (line === null || typeof line !== "object" || Array.isArray(line)) return JSON.stringify(line) ?? "";
  const fields = Object.entries(line).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  const flat = `{ ${fields.join(", ")} }`;
  return flat.length <= 120 ? flat : `{\n  ${fields.join(",\n  ")}\n}`;
}

const ROLE: Record<LeaseRow["role"], string> = {
  acquire: "acquire",
  renewal: "renewal",
  release: "release",
  "next holder": "next holder's acquire",
};

function leaseRows(v: ListedViolation, meta: RunMeta): string {
  const r = v.leaseRows;
  if (!r) return "";
  const body = tableRows(r, v, meta);
  return `<h4>lease rows of ${esc(r.leaseName)}: ${esc(r.holder)}'s term (epoch ${esc(r.epoch)}) and what followed</h4>
<table class="lease-rows">
<thead><tr><th></th><th>at</th><th>at (UTC)</th><th>holder</th><th>epoch</th><th>expires_at</th><th>expires_at (UTC)</th><th>op</th></tr></thead>
<tbody>${body.join("")}</tbody>
</table>\n`;
}

// The rows in time order, with the violation itself where it falls among them.
function tableRows(r: TermRows, v: ListedViolation, meta: RunMeta): string[] {
  const out: string[] = [];
  let placed = v.ts === null;
  const here = () =>
    `<tr class="here"><td>violation</td><td>${esc(sinceStart(meta, v.ts as WallMs))}</td><td>${esc(
      clockTime(v.ts as WallMs),
    )}</td><td colspan="5">${esc(v.check)} #${v.n}${v.span ? ` (${esc(v.span.label)})` : ""}</td></tr>`;
  for (const row of r.rows) {
    if ("elided" in row) {
      out.push(`<tr class="elided"><td colspan="8">… ${row.elided} more renewal(s) …</td></tr>`);
      continue;
    }
    if (!placed && row.change.ts > (v.ts as WallMs)) {
      out.push(here());
      placed = true;
    }
    out.push(changeRow(row, meta));
  }
  if (!placed) out.push(here());
  return out;
}

function changeRow(row: LeaseRow, meta: RunMeta): string {
  const c = row.change;
  const expires =
    c.expiresAt === null ? ["none", ""] : [sinceStart(meta, c.expiresAt), clockTime(c.expiresAt)];
  const cells = [
    ROLE[row.role],
    sinceStart(meta, c.ts),
    clockTime(c.ts),
    c.holder ?? "none",
    String(c.epoch),
    ...expires,
    c.op,
  ];
  return `<tr class="${row.role.replace(" ", "-")}">${cells.map((x) => `<td>${esc(x)}</td>`).join("")}</tr>`;
}
