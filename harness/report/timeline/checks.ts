// The checks table (each failed check linked to its violations and markers, each check saying which
// evidence it judged) and the premises table under it.
import type { CheckResult } from "../../checks/check.ts";
import type { PremiseResult } from "../../observe/evidence.ts";
import type { VerdictFile } from "../write.ts";
import { checkAnchor, checkViolationsAnchor, markerAnchor } from "./anchors.ts";
import { badge } from "./badge.ts";
import { esc } from "./html.ts";
import type { ListedViolation, TimelineModel } from "./model.ts";
import { offsetLabel } from "./scale.ts";

// Links a row lists before pointing at the rest in the panel.
const MAX_LINKS = 8;

/** The verdict table: one row per check, then the reasons the run itself gave for an unknown. */
export function checksTable(v: VerdictFile, model: TimelineModel): string {
  const rows = v.checks.map(
    (c) => `<tr id="${checkAnchor(c.id)}" class="${esc(c.verdict)}">${checkCells(c, model)}</tr>`,
  );
  const reasons = v.reasons.map(
    (r) => `<tr><td class="id">run</td><td>${badge("unknown")}</td><td>${esc(r)}</td></tr>`,
  );
  return `<table class="checks">
<thead><tr><th>check</th><th>verdict</th><th>detail</th></tr></thead>
<tbody>${[...rows, ...reasons].join("\n")}</tbody>
</table>`;
}

function checkCells(c: CheckResult, model: TimelineModel): string {
  const listed = model.violations.filter((x) => x.check === c.id);
  const id = listed.length > 0 ? `<a href="#${checkViolationsAnchor(c.id)}">${esc(c.id)}</a>` : esc(c.id);
  return `<td class="id">${id}</td><td>${badge(c.verdict)}</td><td>${esc(c.detail)}${violationLinks(
    listed,
    model.start,
  )}${coverage(c)}</td>`;
}

// Each violation's panel entry, and beside it (◆) its marker on the lanes.
function violationLinks(listed: ListedViolation[], start: number): string {
  if (listed.length === 0) return "";
  const links = listed.slice(0, MAX_LINKS).map((v) => {
    const when = v.ts === null ? "" : ` ${offsetLabel(start, v.ts)}`;
    const mark =
      v.ts === null
        ? ""
        : ` <a class="to-mark" href="#${markerAnchor(v.anchor)}" title="show on timeline">◆</a>`;
    return `<a class="to-entry" href="#${v.anchor}">#${v.n}${esc(when)}</a>${mark}`;
  });
  const rest = listed.length - MAX_LINKS;
  const more =
    rest > 0
      ? ` · <a href="#${checkViolationsAnchor(listed[0]?.check ?? "")}">${rest} more in the panel</a>`
      : "";
  const noun = listed.length === 1 ? "violation" : `${listed.length} violations`;
  return `<div class="vlinks">${noun}: ${links.join(" · ")}${more}</div>`;
}

// What the check read, and what it could not judge with this profile, in a muted line.
function coverage(c: CheckResult): string {
  const parts: string[] = [];
  if (c.judged?.length) parts.push(`judged: ${c.judged.join(", ")}`);
  if (c.notJudged?.length) parts.push(`not judged: ${c.notJudged.join("; ")}`);
  return parts.length > 0 ? `<div class="judged">${esc(parts.join(" · "))}</div>` : "";
}

/** The scenario's premises: what its faults must have caused for the verdict to mean anything. */
export function premisesTable(premises: PremiseResult[] | undefined): string {
  if (!premises?.length) return "";
  const rows = premises.map(
    (p) =>
      `<tr><td class="id">${esc(p.id)}</td><td>${
        p.held ? '<span class="badge pass">HELD</span>' : '<span class="badge unknown">NOT HELD</span>'
      }</td><td>${esc(p.detail)}</td></tr>`,
  );
  return `<h3>Premises</h3>
<table class="checks premises">
<thead><tr><th>premise</th><th>held</th><th>detail</th></tr></thead>
<tbody>${rows.join("\n")}</tbody>
</table>`;
}
