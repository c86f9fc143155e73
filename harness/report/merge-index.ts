// index.html of a merge: one self-contained page (nothing fetched, no script) that lists every run
// of every shard, the ones that need a look first (failed, not caught, unknown), each linked to its
// timeline and verdict.json, with the checks that did not pass and the command that repeats it.
// What the merge found missing (a shard, a run) heads the page.
import path from "node:path";
import type { Verdict } from "../checks/check.ts";
import { esc } from "./timeline/html.ts";
import { COLOR } from "./timeline/palette.ts";
import type { VerdictFile } from "./write.ts";

/** One run as the index lists it. */
export interface IndexRun {
  result: VerdictFile;
  /** its folder (absolute) */
  dir: string;
  /** `shard i/n`, when it came from a sharded command */
  shard?: string;
  /** a matrix cell: judged by whether its variant was caught, not by its verdict */
  control?: boolean;
  /** a negative control: the checks that must fail on it */
  caughtBy?: string[];
}

/** What a row says at a glance: the verdict, or for a matrix's bug variant whether it was caught. */
type Outcome = "fail" | "not caught" | "unknown" | "pass" | "caught" | "skipped";

function outcomeOf(r: IndexRun): Outcome {
  if (!r.control || r.result.bug === null) return r.result.verdict;
  const failed = r.result.checks.filter((c) => c.verdict === "fail").map((c) => c.id);
  if (!r.caughtBy?.length) return r.result.verdict === "fail" ? "caught" : r.result.verdict;
  return r.caughtBy.some((id) => failed.includes(id)) ? "caught" : "not caught";
}

// Failures first, then what could not be decided, then the rest: the order a reader works in.
const RANK: Record<Outcome, number> = {
  fail: 0,
  "not caught": 0,
  unknown: 1,
  pass: 2,
  caught: 2,
  skipped: 3,
};
const TONE: Record<Outcome, string> = {
  fail: COLOR.violation,
  "not caught": COLOR.violation,
  unknown: COLOR.localExpiry,
  pass: COLOR.effect,
  caught: COLOR.effect,
  skipped: COLOR.muted,
};

const link = (from: string, file: string) => esc(path.relative(from, file).split(path.sep).join("/"));

function row(r: IndexRun, outDir: string): string {
  const v = r.result;
  const outcome = outcomeOf(r);
  const notPassed = v.checks.filter((c) => c.verdict !== "pass");
  const details = [
    ...notPassed.map(
      (c) => `<li><b>${esc(c.verdict.toUpperCase())}</b> ${esc(c.id)}: ${esc(c.detail.slice(0, 300))}</li>`,
    ),
    ...v.reasons.map((x) => `<li><b>UNKNOWN</b> run: ${esc(x.slice(0, 300))}</li>`),
  ];
  const wallMs = Number(v.metrics.wallMs ?? 0);
  return `<tr class="run" data-outcome="${esc(outcome)}" data-scenario="${esc(v.scenario)}">
<td class="outcome" style="border-left: 6px solid ${TONE[outcome]}">${esc(outcome.toUpperCase())}</td>
<td>${v.verdict === "skipped" ? esc(v.scenario) : `<a class="timeline" href="${link(outDir, path.join(r.dir, "timeline.html"))}">${esc(v.scenario)}</a>`}</td>
<td>${esc(v.bug ?? "reference")}${r.caughtBy?.length ? `<br><small>must fail ${esc(r.caughtBy.join(" or "))}</small>` : ""}</td>
<td>${esc(v.profile ?? "")}</td>
<td>${esc(v.seed)}</td>
<td>${esc(r.shard ?? "")}</td>
<td class="num">${wallMs ? esc((wallMs / 1000).toFixed(1)) : ""}</td>
<td>${details.length ? `<ul>${details.join("")}</ul>` : ""}<code>${esc(v.reproduce)}</code></td>
<td><a class="verdict" href="${link(outDir, path.join(r.dir, "verdict.json"))}">verdict.json</a></td>
</tr>`;
}

/** An explore campaign's finding as the index lists it. */
export interface IndexFinding {
  check: string;
  shape: string;
  confidence: { failed: number; tries: number };
  reproduce: string;
  /** the shrunk failing run's folder (absolute) */
  report: string;
}

/** What an explore campaign adds to the index: its figures and findings, ahead of the runs. */
export interface IndexCampaign {
  verdict: Verdict;
  runs: number;
  passed: number;
  noEvidence: number;
  coverage: { tried: number; of: number };
  findings: IndexFinding[];
}

function campaignSection(c: IndexCampaign, outDir: string): string {
  const rows = c.findings.map(
    (f) => `<tr class="finding" data-check="${esc(f.check)}">
<td class="outcome" style="border-left: 6px solid ${TONE.fail}">FINDING</td>
<td><a class="timeline" href="${link(outDir, path.join(f.report, "timeline.html"))}">${esc(f.check)}</a></td>
<td>${esc(f.shape)}</td>
<td class="num">${esc(`${f.confidence.failed}/${f.confidence.tries}`)}</td>
<td><code>${esc(f.reproduce)}</code></td>
</tr>`,
  );
  return `<section class="explore"><h2>Explore: ${esc(c.verdict.toUpperCase())}</h2>
<p>${esc(c.runs)} schedule run(s): ${esc(c.passed)} passed, ${esc(c.noEvidence)} no evidence; coverage ${esc(c.coverage.tried)}/${esc(c.coverage.of)}; ${esc(c.findings.length)} finding(s)</p>
${
  rows.length
    ? `<table class="findings"><thead><tr><th></th><th>check (timeline of the shrunk run)</th><th>shrunk schedule</th><th>failed replays</th><th>reproduce</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table>`
    : ""
}
</section>`;
}

/** The merged index page: problems first, then the runs that need a look, then the rest. */
export function renderMergeIndex(opts: {
  runs: IndexRun[];
  verdict: Verdict;
  problems: string[];
  outDir: string;
  folders: number;
  generatedAt?: Date;
  campaign?: IndexCampaign;
}): string {
  const sorted = opts.runs
    .map((r, i) => ({ r, i, outcome: outcomeOf(r) }))
    .sort((a, b) => RANK[a.outcome] - RANK[b.outcome] || a.i - b.i);
  const counts = new Map<Outcome, number>();
  for (const s of sorted) counts.set(s.outcome, (counts.get(s.outcome) ?? 0) + 1);
  const tally = [...counts].map(([o, n]) => `${n} ${o}`).join(", ");
  const overall = opts.problems.length ? "unknown" : opts.verdict;
  const problems = opts.problems.length
    ? `<section class="problems"><h2>Incomplete: the verdict cannot be trusted</h2><ul>${opts.problems.map((p) => `<li>${esc(p)}</li>`).join("")}</ul></section>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>lease-chaos merge: ${esc(overall.toUpperCase())}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 .overall { color: ${TONE[overall]}; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid ${COLOR.grid}; }
td.num { text-align: right; }
td.outcome { font-weight: bold; white-space: nowrap; }
td ul { margin: 0 0 4px; padding-left: 1.2em; }
code { font-size: 12px; color: ${COLOR.muted}; }
section.problems { border: 2px solid ${COLOR.violation}; padding: 0 1em; margin-bottom: 1em; }
</style></head>
<body>
<h1>lease-chaos merge: <span class="overall">${esc(overall.toUpperCase())}</span></h1>
<p class="tally">${esc(opts.runs.length)} run(s) from ${esc(opts.folders)} folder(s): ${esc(tally || "none")}${opts.generatedAt ? `; merged ${esc(opts.generatedAt.toISOString())}` : ""}</p>
${problems}
${opts.campaign ? campaignSection(opts.campaign, opts.outDir) : ""}
<table class="runs">
<thead><tr><th>outcome</th><th>scenario (timeline)</th><th>variant</th><th>profile</th><th>seed</th><th>shard</th><th>s</th><th>what did not pass, and the command that repeats the run</th><th></th></tr></thead>
<tbody>
${sorted.map((s) => row(s.r, opts.outDir)).join("\n")}
</tbody></table>
</body></html>
`;
}
