import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LOG_MSG } from "../checks/logs.ts";
import { runChecks, summarizeMetrics, worstVerdict } from "../checks/registry.ts";
import { at, history, pauseDrill } from "../checks/testing.ts";
import type { Evidence } from "../observe/evidence.ts";
import { renderTimeline } from "./timeline.ts";
import { type VerdictFile, writeReport } from "./write.ts";

/** The verdict the run would have written for this evidence. */
function verdictOf(evidence: Evidence, reasons: string[] = []): VerdictFile {
  const checks = runChecks(evidence);
  const { meta } = evidence;
  return {
    scenario: meta.scenario,
    runId: meta.runId,
    seed: meta.seed,
    ttlMs: meta.ttlMs,
    bug: meta.bug,
    verdict: worstVerdict([
      ...checks.map((c) => c.verdict),
      ...(reasons.length ? (["unknown"] as const) : []),
    ]),
    reasons,
    checks,
    metrics: summarizeMetrics(checks),
    reportDir: "/tmp/run",
    reproduce: "npx lease-chaos drill --seed 1",
  };
}

function render(evidence: Evidence, reasons: string[] = []): string {
  return renderTimeline(evidence, verdictOf(evidence, reasons));
}

/** The markup of the `<g class="lane" data-worker="...">` element of one worker. */
function lane(html: string, worker: string): string {
  const open = `<g class="lane" data-worker="${worker}"`;
  const from = html.indexOf(open);
  expect(from, `no lane for ${worker}`).toBeGreaterThanOrEqual(0);
  return html.slice(from, closingIndex(html, from));
}

// The end of the element opened at `from`, counting nested <g> elements.
function closingIndex(html: string, from: number): number {
  const tag = /<(\/?)g[\s>]/g;
  tag.lastIndex = from;
  let depth = 0;
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) return m.index + 4;
  }
  return html.length;
}

const count = (html: string, needle: string) => html.split(needle).length - 1;

// A drill where the paused leader starts a batch on resume instead of warning (the cached-leader bug).
const cachedLeader = () =>
  pauseDrill({ bug: "cached-leader" })
    .without((e) => e.kind === "worker-log" && e.msg === LOG_MSG.expiredLocally)
    .batch("fwd-a", 22_005, 1);

describe("renderTimeline: one self-contained page per run", () => {
  it("is one HTML document with the header facts and the verdict table", () => {
    const html = render(pauseDrill().build());
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(count(html, "<html")).toBe(1);
    expect(html).toContain('<span class="badge pass">PASS</span>');
    expect(html).toContain("<dt>seed</dt><dd>1</dd>");
    expect(html).toContain("<dt>ttl</dt><dd>10000 ms</dd>");
    expect(html).toContain("none (reference worker)");
    for (const id of ["no-batch-after-local-expiry", "single-leader", "progress-after-heal"]) {
      expect(html).toContain(`<td class="id">${id}</td>`);
    }
  });

  it("draws one lane per worker, grouped by lease, in the run's worker order", () => {
    const e = history({
      workers: [
        { id: "fwd-a", leaseName: "outbox-forwarder", role: "outbox-forwarder", bug: null },
        { id: "sweep-a", leaseName: "ttl-sweeper", role: "ttl-sweeper", bug: null },
        { id: "fwd-b", leaseName: "outbox-forwarder", role: "outbox-forwarder", bug: null },
      ],
    })
      .acquire("fwd-a", 1, 0)
      .acquire("sweep-a", 1, 0)
      .build();
    const html = render(e);
    const lanes = [...html.matchAll(/<g class="lane" data-worker="([^"]*)" data-lease="([^"]*)"/g)].map(
      (m) => `${m[2]}/${m[1]}`,
    );
    expect(lanes).toEqual(["outbox-forwarder/fwd-a", "outbox-forwarder/fwd-b", "ttl-sweeper/sweep-a"]);
    expect(html.indexOf("lease outbox-forwarder")).toBeLessThan(html.indexOf("lease ttl-sweeper"));
  });

  it("draws each leader term on its holder's lane, labelled with its epoch", () => {
    const html = render(pauseDrill().build());
    const a = lane(html, "fwd-a");
    const b = lane(html, "fwd-b");
    expect(a).toContain('class="term" data-epoch="1" data-holder="fwd-a" data-end-reason="expired"');
    expect(a).toContain(">epoch 1</text>");
    expect(a).not.toContain('data-epoch="2"');
    expect(b).toContain('class="term" data-epoch="2" data-holder="fwd-b"');
    expect(b).toContain(">epoch 2</text>");
    // fwd-a's tooltip gives the term's bounds from the run's start
    expect(a).toContain("fwd-a holds outbox-forwarder, epoch 1: +0 ms → +16000 ms (expired)");
  });

  it("marks the part of a term after a takeover, up to its expires_at, as a separate tail", () => {
    const e = history().acquire("fwd-a", 1, 0).release("fwd-a", 1, 4_000).acquire("fwd-b", 2, 5_000).build();
    const a = lane(render(e), "fwd-a");
    expect(a).toContain('data-end-reason="released"');
    expect(count(a, 'class="term-tail"')).toBe(1);
  });

  it("shows the local-expiry span, batches, effects, refused effects and process events", () => {
    const html = render(pauseDrill().refused("fwd-a", 22_050, 1, "evt-9").build());
    const a = lane(html, "fwd-a");
    expect(count(a, 'class="local-expiry"')).toBe(1);
    expect(a).toContain("fwd-a: lease expired locally at +22003 ms");
    expect(count(a, 'class="batch"')).toBe(2);
    expect(count(a, 'class="effect"')).toBe(3);
    expect(count(a, 'class="effect rejected"')).toBe(1);
    expect(a).toContain("refused refused-delivery: evt-9 by fwd-a with epoch 1");
    expect(a).toContain('class="process" data-event="pause"');
    expect(a).toContain('class="process" data-event="resume"');
    expect(count(lane(html, "fwd-b"), 'class="local-expiry"')).toBe(0);
  });

  it("shades a fault on its target's lane and labels it; a fault on no worker shades everything", () => {
    const html = render(pauseDrill().fault("postgres-outage", "postgres", 30_000, 32_000).build());
    expect(html).toContain('<g class="fault" data-fault="pause" data-target="fwd-a" data-verified="true">');
    expect(html).toContain("pause → fwd-a</text>");
    expect(count(lane(html, "fwd-a"), "fault-shade")).toBe(0); // shading sits under the lane's marks
    expect(count(html, 'class="fault-shade" data-target="fwd-a"')).toBe(1);
    // the lanes block and the backlog charts
    expect(count(html, 'class="fault-shade" data-target="postgres"')).toBe(2);
  });

  it("marks each violation on its worker's lane with the evidence in a tooltip", () => {
    const e = cachedLeader().build();
    const v = verdictOf(e);
    expect(v.verdict).toBe("fail");
    const html = renderTimeline(e, v);
    expect(html).toContain('<span class="badge fail">FAIL</span>');
    const a = lane(html, "fwd-a");
    expect(count(a, 'class="violation"')).toBe(1);
    expect(a).toContain(
      'data-check="no-batch-after-local-expiry" data-worker="fwd-a" data-offset-ms="22005"',
    );
    expect(a).toContain(
      "<title>no-batch-after-local-expiry (+22005 ms): worker fwd-a started a batch with epoch 1 at +22005 ms, 6005 ms past expiry",
    );
    expect(count(lane(html, "fwd-b"), 'class="violation"')).toBe(0);
  });

  it("puts a violation without a drawn worker on a run lane, and a passing run has none", () => {
    expect(count(render(pauseDrill().build()), 'class="violation"')).toBe(0);
    // the backlog never drains: progress-after-heal fails with no worker named
    const e = pauseDrill()
      .without((x) => x.kind === "backlog")
      .backlog(25_000, 3)
      .backlog(31_000, 3)
      .build();
    const html = render(e);
    expect(html).toContain('<g class="lane run-lane" data-worker="">');
    expect(html).toContain('data-check="progress-after-heal"');
  });

  it("plots the backlog of each lease below the lanes", () => {
    const html = render(pauseDrill().build());
    expect(html).toContain('<g class="backlog" data-series="outbox-forwarder">');
    expect(html.indexOf('data-series="outbox-forwarder"')).toBeGreaterThan(html.lastIndexOf('class="lane"'));
    expect(html).toMatch(/<path class="series" d="M[\d.]+ [\d.]+H[\d.]+V/);
  });

  it("labels the shared axis in seconds and stays readable for a 120 s run", () => {
    const long = history({ observedUntil: at(120_000) }).acquire("fwd-a", 1, 0);
    for (let t = 100; t < 120_000; t += 100) long.batch("fwd-a", t, 1).effect("fwd-a", t + 5, 1, `evt-${t}`);
    long.renewEvery("fwd-a", 1, 3_000, 120_000, 3_000);
    const html = render(long.build());
    const ticks = [
      ...html.matchAll(/<text class="tick" x="[\d.]+" y="[\d.]+" text-anchor="middle">([^<]+)</g),
    ].map((m) => m[1]);
    // the axis is labelled above the lanes and below the charts
    expect([...new Set(ticks)]).toEqual([
      "0 s",
      "10 s",
      "20 s",
      "30 s",
      "40 s",
      "50 s",
      "60 s",
      "70 s",
      "80 s",
      "90 s",
      "100 s",
      "110 s",
      "120 s",
    ]);
    expect(html.length).toBeLessThan(2_000_000);
    expect(
      render(
        history({ observedUntil: at(5_000) })
          .acquire("fwd-a", 1, 0)
          .build(),
      ),
    ).toContain(">0.5 s</text>");
  });

  it("fetches nothing: no external URL, src, link, import or script", () => {
    const html = render(cachedLeader().fault("latency", "all", 1_000, null).build(), [
      "fault x: not applied",
    ]);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\ssrc=|<link|<script|@import|url\((?!#)/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it("escapes every text taken from the evidence", () => {
    const evil = '<img src=x onerror="alert(1)">&';
    const e = history({
      scenario: "<script>alert(1)</script>",
      workers: [{ id: evil, leaseName: "l<1>", role: "outbox-forwarder", bug: null }],
    })
      .acquire(evil, 1, 0)
      .fault("pause", evil, 1_000, 2_000)
      .build();
    const v = verdictOf(e, ['reason with <b>"quotes"</b>']);
    v.checks[0] = {
      id: "x",
      verdict: "fail",
      detail: "<i>detail</i>",
      violations: [{ message: "a<b", worker: evil, ts: at(500) }],
    };
    const html = renderTimeline(e, v);
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<i>detail");
    expect(html).not.toContain("<b>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain('data-worker="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;"');
    expect(html).toContain("lease l&lt;1&gt;");
    expect(html).toContain("&lt;i&gt;detail&lt;/i&gt;");
    expect(html).toContain("x (+500 ms): a&lt;b</title>");
    expect(html).toContain("reason with &lt;b&gt;&quot;quotes&quot;&lt;/b&gt;");
  });

  it("keeps the SVG well-formed: every element it opens is closed in order", () => {
    const html = render(cachedLeader().refused("fwd-a", 22_050, 1, "evt-9").build());
    const svg = html.slice(html.indexOf('<svg class="timeline"'), html.lastIndexOf("</svg>") + 6);
    const stack: string[] = [];
    for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
      const [, closing, name, selfClosing] = m;
      if (selfClosing) continue;
      if (closing) expect(stack.pop(), `</${name}> closes the wrong element`).toBe(name);
      else stack.push(name as string);
    }
    expect(stack).toEqual([]);
  });

  it("draws what it can when the lease history is missing", () => {
    const e = history().batch("fwd-a", 1_000, 1).build();
    const html = render(e);
    expect(lane(html, "fwd-a")).toContain('class="batch"');
    expect(count(html, 'class="term"')).toBe(0);
  });
});

describe("writeReport writes timeline.html beside events.jsonl and verdict.json", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it("renders the same page renderTimeline does", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lc-timeline-"));
    dirs.push(dir);
    const e = pauseDrill().build();
    const v = verdictOf(e);
    writeReport(dir, e, v);
    expect(fs.readdirSync(dir).sort()).toEqual(["events.jsonl", "timeline.html", "verdict.json"]);
    expect(fs.readFileSync(path.join(dir, "timeline.html"), "utf8")).toBe(renderTimeline(e, v));
  });
});
