import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LOG_MSG } from "../checks/logs.ts";
import { runChecks, summarizeMetrics, worstVerdict } from "../checks/registry.ts";
import { at, history, pauseDrill } from "../checks/testing.ts";
import type { Evidence } from "../observe/evidence.ts";
import { minutesLabel, secondsLabel, ticksBetween } from "./timeline/scale.ts";
import { TICKS_JS, ZOOM_SCRIPT } from "./timeline/zoom.ts";
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

  it("fetches nothing: no external URL, src, link or import, and only its own inline script may run", () => {
    const html = render(cachedLeader().fault("latency", "all", 1_000, null).build(), [
      "fault x: not applied",
    ]);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\ssrc=|<link|@import|url\((?!#)/i);
    expect(count(html, "<script")).toBe(1);
    expect(html).toContain("<script>(function () {");
    const hash = createHash("sha256").update(ZOOM_SCRIPT).digest("base64");
    expect(html).toContain(
      `content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:"`,
    );
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

  it("keeps the SVG and the violations panel well-formed: every element opened is closed in order", () => {
    const b = step(cachedLeader().refused("fwd-a", 22_050, 1, "evt-9"), "a <step>", 1_000, 2_000);
    const html = render(b.build());
    const svg = html.slice(html.indexOf('<svg class="timeline"'), html.lastIndexOf("</svg>") + 6);
    const panel = html.slice(
      html.indexOf('<section class="violations"'),
      html.lastIndexOf("</section>") + 10,
    );
    for (const markup of [svg, panel]) {
      const stack: string[] = [];
      for (const m of markup.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(\/?)>/g)) {
        const [, closing, name, selfClosing] = m;
        if (selfClosing) continue;
        if (closing) expect(stack.pop(), `</${name}> closes the wrong element`).toBe(name);
        else stack.push(name as string);
      }
      expect(stack).toEqual([]);
    }
  });

  it("draws what it can when the lease history is missing", () => {
    const e = history().batch("fwd-a", 1_000, 1).build();
    const html = render(e);
    expect(lane(html, "fwd-a")).toContain('class="batch"');
    expect(count(html, 'class="term"')).toBe(0);
  });
});

/** The markup of one element with an id, up to its closing tag (`article`, `tr`: not nested in themselves). */
function byId(html: string, tag: string, id: string): string {
  const from = html.indexOf(`<${tag} `, html.lastIndexOf(`<${tag} `, html.indexOf(`id="${id}"`)));
  expect(html.indexOf(`id="${id}"`), `no element with id ${id}`).toBeGreaterThanOrEqual(0);
  return html.slice(from, html.indexOf(`</${tag}>`, from) + tag.length + 3);
}

/** The numeric attribute `name` of the first `<tag class="cls" ...>` in `markup`. */
function attr(markup: string, tag: string, cls: string, name: string): number {
  const m = new RegExp(`<${tag} class="${cls}"[^>]*?\\s${name}="([-\\d.]+)"`).exec(markup);
  expect(m, `no <${tag} class="${cls}"> with ${name}`).not.toBeNull();
  return Number(m?.[1]);
}

const unescapeHtml = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** The tick labels of the time axis, in order, once each (the axis is labelled above and below). */
function axisLabels(html: string): string[] {
  const ticks = html.slice(html.indexOf('<g class="ticks">'));
  return [
    ...new Set(
      [...ticks.matchAll(/<text class="tick" x="[\d.]+" y="[\d.]+" text-anchor="middle">([^<]+)/g)].map(
        (m) => m[1] as string,
      ),
    ),
  ];
}

/** A step narrated from `fromMs` to `toMs`, as the harness records it. */
function step(b: ReturnType<typeof history>, name: string, fromMs: number, toMs: number) {
  b.events.push({ kind: "step", ts: at(fromMs), name, phase: "start" });
  b.events.push({ kind: "step", ts: at(toMs), name, phase: "end" });
  return b;
}

const ENTRY = "v-no-batch-after-local-expiry-1";

describe("renderTimeline shows its evidence", () => {
  it("states the run's zero once as an ISO UTC instant, and starts the axis there", () => {
    // the first event is 5 s after the run's start: the axis must not start at it
    const e = history({ observedUntil: at(10_000) })
      .acquire("fwd-a", 1, 5_000)
      .build();
    const html = render(e);
    expect(html).toContain(
      'times count from <time datetime="2025-01-01T12:00:00.000Z">2025-01-01T12:00:00.000Z</time>',
    );
    expect(count(html, "times count from")).toBe(1);
    expect(axisLabels(html)[0]).toBe("0 s");
    expect(attr(html, "text", "tick", "x")).toBe(180);
    const span = Number(/data-span-ms="([\d.]+)"/.exec(html)?.[1]);
    expect(span).toBeCloseTo(10_200, 0); // observedUntil plus the 2 % pad
    expect(attr(lane(html, "fwd-a"), "rect", "term-bar", "x")).toBeCloseTo(180 + (5_000 / span) * 992, 0);
  });

  it("keeps what a worker printed on the stream it does not log to, and an unexpected exit's last lines", () => {
    const base = pauseDrill().build();
    const e: Evidence = {
      ...base,
      events: [
        ...base.events,
        {
          kind: "output",
          ts: at(9_000),
          worker: "fwd-a",
          instance: 1,
          stream: "stderr",
          text: "Traceback <x>",
        },
        {
          kind: "output",
          ts: at(9_001),
          worker: "fwd-a",
          instance: 1,
          stream: "stderr",
          text: "OSError: [Errno 22]",
        },
        {
          kind: "process",
          ts: at(9_002),
          worker: "fwd-a",
          instance: 1,
          event: "exit",
          code: 1,
          signal: null,
          expected: false,
          stderrTail: ["Traceback <x>", "OSError: [Errno 22]"],
        },
      ],
    };
    const html = render(e);
    expect(html).toContain("<h2>Worker output not read as log lines</h2>");
    expect(html).toContain("fwd-a: 2 line(s) on stderr");
    expect(html).toContain("Traceback &lt;x&gt;");
    expect(lane(html, "fwd-a")).toContain("last lines:\nTraceback &lt;x&gt;\nOSError: [Errno 22]");
    expect(render(pauseDrill().build())).not.toContain("Worker output not read");
  });

  it("says loudly that an interrupted run was interrupted", () => {
    const e = pauseDrill({ interrupted: true, observedUntil: at(12_000) }).build();
    const html = renderTimeline(e, {
      ...verdictOf(e),
      verdict: "unknown",
      checks: [],
      reasons: ["interrupted at +12000 ms, before the run could heal, drain and judge"],
    });
    expect(html).toContain('<span class="badge interrupted">INTERRUPTED</span>');
    expect(html).toContain(
      '<p class="interrupted-note" role="alert"><strong>interrupted</strong> at +12000 ms',
    );
    expect(html).toMatch(/<title>[^<]*interrupted[^<]*<\/title>/);
    expect(render(pauseDrill().build())).not.toContain("INTERRUPTED");
  });

  it("lists each violation under the lanes with its log line and the lease rows of the term it broke", () => {
    const html = render(cachedLeader().build());
    const entry = byId(html, "article", ENTRY);
    expect(html.indexOf(`id="${ENTRY}"`)).toBeGreaterThan(html.indexOf("</svg>"));
    expect(entry).toContain('<a class="vcheck-id" href="#check-no-batch-after-local-expiry">');
    expect(entry).toContain("+22005 ms · 12:00:22.005 UTC");
    expect(entry).toContain("worker fwd-a started a batch with epoch 1 at +22005 ms, 6005 ms past expiry");
    expect(entry).toContain("<dt>worker</dt><dd>fwd-a</dd>");
    expect(entry).toContain("<dt>epoch</dt><dd>1</dd>");
    expect(entry).toContain("<dt>past expiry</dt><dd>6005 ms</dd>");
    expect(entry).toContain("<dt>expires_at</dt><dd>+16000 ms · 12:00:16.000 UTC</dd>");
    // the raw line, as the worker printed it, escaped
    const line = /<pre class="log-line">([^<]*)<\/pre>/.exec(entry)?.[1] ?? "";
    expect(JSON.parse(unescapeHtml(line).replace(/^\{ /, "{").replace(/ \}$/, "}"))).toEqual({
      ts: at(22_005),
      level: "info",
      msg: LOG_MSG.batchStarted,
      workload_id: "fwd-a",
      epoch: 1,
    });
    // epoch 1's grants (acquire, renewals), then fwd-b's acquire of epoch 2, then the violation itself
    const rows = [...entry.matchAll(/<tr class="([^"]+)">(.*?)<\/tr>/g)].map(
      (m) =>
        `${m[1]}: ${[...(m[2] as string).matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => unescapeHtml(c[1] as string)).join(" | ")}`,
    );
    expect(rows).toEqual([
      "acquire: acquire | +0 ms | 12:00:00.000 UTC | fwd-a | 1 | +10000 ms | 12:00:10.000 UTC | UPDATE",
      "renewal: renewal | +3000 ms | 12:00:03.000 UTC | fwd-a | 1 | +13000 ms | 12:00:13.000 UTC | UPDATE",
      "renewal: renewal | +6000 ms | 12:00:06.000 UTC | fwd-a | 1 | +16000 ms | 12:00:16.000 UTC | UPDATE",
      "next-holder: next holder's acquire | +17000 ms | 12:00:17.000 UTC | fwd-b | 2 | +27000 ms | 12:00:27.000 UTC | UPDATE",
      "here: violation | +22005 ms | 12:00:22.005 UTC | no-batch-after-local-expiry #1 (6005 ms past expiry)",
    ]);
  });

  it("keeps a long term's lease rows short: the acquire, the grants around the violation, the last", () => {
    const e = history({ observedUntil: at(200_000) })
      .acquire("fwd-a", 1, 0)
      .renewEvery("fwd-a", 1, 3_000, 100_000, 3_000)
      .batch("fwd-a", 50_000, 2) // an epoch it never held: the rows show the term it did hold
      .build();
    const entry = byId(render(e), "article", ENTRY);
    expect(entry).toContain("never held epoch 2");
    expect(entry).toContain("lease rows of outbox-forwarder: fwd-a's term (epoch 1) and what followed");
    const rows = [...entry.matchAll(/<tr class="([^"]+)"><td[^>]*>([^<]*)<\/td>(?:<td>([^<]*))?/g)].map(
      (m) => `${m[1]} ${m[1] === "elided" ? m[2] : m[3]}`,
    );
    expect(rows).toEqual([
      "acquire +0 ms",
      "elided … 13 more renewal(s) …",
      "renewal +42000 ms",
      "renewal +45000 ms",
      "renewal +48000 ms",
      "here +50000 ms",
      "renewal +51000 ms",
      "elided … 15 more renewal(s) …",
      "renewal +99000 ms",
    ]);
  });

  it("links each marker to its entry and each entry back to its marker", () => {
    const html = render(cachedLeader().build());
    const a = lane(html, "fwd-a");
    expect(a).toContain(`<a class="violation-link" href="#${ENTRY}" id="${ENTRY}-mark">`);
    expect(byId(html, "article", ENTRY)).toContain(
      `<a class="show" href="#${ENTRY}-mark">show on timeline</a>`,
    );
  });

  it("draws the time past expiry as a span on the worker's lane, from expires_at to the violation", () => {
    const html = render(cachedLeader().build());
    const a = lane(html, "fwd-a");
    expect(count(a, 'class="violation-span" data-kind="past-expiry"')).toBe(1);
    expect(a).toContain(">6005 ms past expiry</text>");
    expect(lane(html, "fwd-b")).not.toContain("violation-span");
    // epoch 1 runs from +0 to its expiry at +16000 ms; the span from there to +22005 ms
    const term = a.slice(a.indexOf('class="term" data-epoch="1"'));
    const termX = attr(term, "rect", "term-bar", "x");
    const termW = attr(term, "rect", "term-bar", "width");
    const spanX = attr(a, "rect", "span-bar", "x");
    const spanW = attr(a, "rect", "span-bar", "width");
    expect(spanX).toBeCloseTo(termX + termW, 0);
    expect(spanW / termW).toBeCloseTo(6_005 / 16_000, 2);
    expect(Number(/<rect class="span-bar"[^>]*data-from="([\d.]+)" data-to="([\d.]+)"/.exec(a)?.[2])).toBe(
      22_005,
    );
  });

  it("draws time into the safety margin from expires_at - margin to the work start", () => {
    // expires at +10000 ms with a 1000 ms margin: a batch at +9500 ms is 500 ms into it
    const e = history().acquire("fwd-a", 1, 0).batch("fwd-a", 9_500, 1).build();
    const html = render(e);
    const a = lane(html, "fwd-a");
    expect(a).toContain('class="violation-span" data-kind="into-margin"');
    expect(a).toContain(">500 ms into the safety margin</text>");
    expect(a).toMatch(/<rect class="span-bar"[^>]*data-from="9000" data-to="9500"/);
    expect(attr(a, "rect", "span-bar", "width") / attr(a, "rect", "term-bar", "width")).toBeCloseTo(
      500 / 10_000,
      2,
    );
  });

  it("labels each step marker with its step's name, cut where the next one on its row starts", () => {
    const long = "docker pause fwd-a (SIGSTOP) between batches; its renewer stalls for a good while";
    const long2 = "wait for the takeover by the standby worker of the same lease, up to ttl and half a ttl";
    const b = step(pauseDrill(), "bring up", 0, 900);
    step(b, long, 7_000, 7_100);
    step(b, long2, 7_300, 8_000);
    step(b, "heal & read", 9_000, 9_500);
    const html = render(b.build());
    const names = [...html.matchAll(/<text class="step-name"[^>]*data-full="([^"]*)"[^>]*>([^<]*)<\/text>/g)];
    expect(names.map((m) => unescapeHtml(m[1] as string))).toEqual(["bring up", long, long2, "heal & read"]);
    const shown = names.map((m) => unescapeHtml(m[2] as string));
    expect(shown[0]).toBe("bring up");
    expect(shown[2]).toBe(long2);
    expect(shown[3]).toBe("heal & read");
    // the first long name would run under the fourth step: it is cut there, the full name in the tooltip
    const cut = shown[1] as string;
    expect(cut.endsWith("…")).toBe(true);
    expect(cut.length).toBeGreaterThan(2);
    expect(long.startsWith(cut.slice(0, -1))).toBe(true);
    expect(html).toContain(`<title>2. ${long} (+7000 ms, 0.1 s)</title>`);
  });

  it("links each failed check's row to its violations' entries and markers; says what each check judged", () => {
    const html = render(cachedLeader().build());
    const row = byId(html, "tr", "check-no-batch-after-local-expiry");
    expect(row).toContain(
      '<a href="#violations-no-batch-after-local-expiry">no-batch-after-local-expiry</a>',
    );
    expect(row).toContain(`<a class="to-entry" href="#${ENTRY}">#1 +22005 ms</a>`);
    expect(row).toContain(`href="#${ENTRY}-mark"`);
    expect(row).toContain('<div class="judged">judged: lease history, work-start lines');
    expect(byId(html, "tr", "check-single-leader")).toContain(
      '<div class="judged">judged: lease history</div>',
    );
    // every fragment link on the page lands on an element
    const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    const targets = [...html.matchAll(/href="#([^"]*)"/g)].map((m) => m[1]);
    expect(targets.length).toBeGreaterThan(5);
    expect(targets.filter((t) => !ids.has(t))).toEqual([]);
  });

  it("lists a violation without an instant in the panel, not on the lanes", () => {
    const e = pauseDrill().build();
    const v = verdictOf(e);
    v.checks[0] = { id: "x", verdict: "fail", detail: "d", violations: [{ message: "no when" }] };
    const html = renderTimeline(e, v);
    expect(byId(html, "article", "v-x-1")).toContain("not on the timeline: no instant");
    expect(html).not.toContain('href="#v-x-1-mark"');
  });

  it("shows the premises in a small table under the checks", () => {
    const e = pauseDrill().build();
    const html = renderTimeline(e, {
      ...verdictOf(e),
      premises: [
        { id: "target-term-ended", held: true, detail: "fwd-a's epoch 1 expired at +16000 ms" },
        { id: "lease-changed-hands", held: false, detail: "no <other> holder" },
      ],
    });
    const table = html.slice(html.indexOf('<table class="checks premises">'));
    expect(html.indexOf("<h3>Premises</h3>")).toBeGreaterThan(html.indexOf('<table class="checks">'));
    expect(table).toContain(
      '<tr><td class="id">target-term-ended</td><td><span class="badge pass">HELD</span></td><td>fwd-a&#39;s epoch 1 expired at +16000 ms</td></tr>',
    );
    expect(table).toContain(
      '<span class="badge unknown">NOT HELD</span></td><td>no &lt;other&gt; holder</td>',
    );
    expect(render(e)).not.toContain("Premises");
  });

  it("keeps a 10-minute run readable: ticks a minute apart as m:ss, and a bounded page", () => {
    const watch = history({ observedUntil: at(600_000) }).acquire("fwd-a", 1, 0);
    for (let t = 100; t < 600_000; t += 250) watch.batch("fwd-a", t, 1).effect("fwd-a", t + 5, 1, `evt-${t}`);
    watch.renewEvery("fwd-a", 1, 3_000, 600_000, 3_000);
    const html = render(watch.build());
    expect(axisLabels(html)).toEqual([
      "0:00",
      "1:00",
      "2:00",
      "3:00",
      "4:00",
      "5:00",
      "6:00",
      "7:00",
      "8:00",
      "9:00",
      "10:00",
    ]);
    expect(html).toContain("time since run start (min:s)");
    expect(html).toContain('data-tick-style="min"');
    expect(html.length).toBeLessThan(5_000_000);
  });

  it("picks tick steps people read for any zoomed window", () => {
    expect(ticksBetween(0, 600_000)).toHaveLength(11);
    expect(ticksBetween(0, 600_000)[1]).toBe(60_000);
    expect(ticksBetween(250_000, 310_000)).toEqual([
      250_000, 255_000, 260_000, 265_000, 270_000, 275_000, 280_000, 285_000, 290_000, 295_000, 300_000,
      305_000, 310_000,
    ]);
    expect(ticksBetween(0, 400_000)[1]).toBe(30_000);
    expect(ticksBetween(0, 120_000)[1]).toBe(10_000);
    expect(minutesLabel(245_500)).toBe("4:05.5");
    expect(minutesLabel(600_000)).toBe("10:00");
    expect(secondsLabel(2_500)).toBe("2.5 s");
  });

  it("draws ticks in the page's script exactly as the server does", () => {
    const js = new Function(`${TICKS_JS}; return { ticksBetween, tickLabel, fitText };`)() as {
      ticksBetween(a: number, b: number): number[];
      tickLabel(ms: number, style: string): string;
      fitText(text: string, px: number): string;
    };
    for (const [a, b] of [
      [0, 5_100],
      [0, 40_800],
      [17_850, 22_950],
      [0, 612_000],
      [267_750, 344_250],
      [1_234, 1_300],
      [0, 4_000_000],
    ] as const) {
      expect(js.ticksBetween(a, b)).toEqual(ticksBetween(a, b));
    }
    for (const ms of [0, 500, 2_500, 59_999.6, 60_000, 245_500, 3_600_000]) {
      expect(js.tickLabel(ms, "s")).toBe(secondsLabel(ms));
      expect(js.tickLabel(ms, "min")).toBe(minutesLabel(ms));
    }
    expect(js.fitText("heal and read", 40)).toBe("heal …");
  });

  it("places every mark where the zoom script would at full view, and hides the zoom controls without it", () => {
    const html = render(cachedLeader().fault("latency", "all", 1_000, 3_000).build());
    const span = Number(/data-span-ms="([\d.]+)"/.exec(html)?.[1]);
    const x = (ms: number) => 180 + (ms / span) * 992;
    const lines = [...html.matchAll(/<line [^>]*?x1="([\d.]+)" x2="[\d.]+" data-at="([\d.]+)"/g)];
    const groups = [...html.matchAll(/transform="translate\(([\d.]+) 0\)" data-at="([\d.]+)"/g)];
    const rects = [
      ...html.matchAll(/<rect [^>]*?x="([\d.]+)" width="([\d.]+)" data-from="([\d.]+)" data-to="([\d.]+)"/g),
    ];
    expect(lines.length).toBeGreaterThan(10);
    expect(groups.length).toBeGreaterThanOrEqual(3);
    expect(rects.length).toBeGreaterThan(3);
    for (const m of [...lines, ...groups]) expect(Number(m[1])).toBeCloseTo(x(Number(m[2])), 0);
    for (const m of rects) expect(Number(m[1])).toBeCloseTo(x(Number(m[3])), 0);
    expect(html).toContain('<div class="zoom" hidden>');
    expect(html).toContain('<button type="button" data-zoom="in"');
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
