import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type RunResult, runScenario } from "../harness/run/run-scenario.ts";
import { pauseDrill } from "./pause-drill.ts";
import { chromiumUnavailable, launchChromium } from "./support/chromium.ts";

// The timeline is looked at the way a person would: loaded in headless Chromium. Without it a
// developer's run skips this file, saying why; in CI it must be there.
const unavailable = chromiumUnavailable("timeline.browser.test.ts");
// Made when the tests run, not when the file is collected: a skipped file leaves nothing in /tmp.
let reportDir = "";
// Kept after the run (reports/ is not committed): what a failing drill's page looks like.
const ARTIFACTS = fileURLToPath(new URL("../reports/artifacts/", import.meta.url));
const SCREENSHOT = path.join(ARTIFACTS, "timeline-failing-drill.png");
const CHECK = "no-batch-after-local-expiry";
const ENTRY = `v-${CHECK}-1`;

let browser: Browser | undefined;
let page: Page;
let result: RunResult;
const problems: string[] = [];
const requests: string[] = [];

afterAll(async () => {
  await browser?.close();
  if (reportDir) fs.rmSync(reportDir, { recursive: true, force: true });
});

/** The time axis's labels as seconds since the run's start, in order, once each. */
async function axisSeconds(): Promise<number[]> {
  const labels = await page.locator("svg.timeline g.ticks text.tick").allTextContents();
  return [...new Set(labels)].map((l) => {
    if (l.endsWith(" s")) return Number.parseFloat(l);
    const [m, s] = l.split(":");
    return Number(m) * 60 + Number(s);
  });
}

/** The span of time the axis labels cover, first to last, once the page has drawn its next frame
 * (the timeline redraws in requestAnimationFrame: a read between an input and its frame is stale). */
async function labelledSpan(): Promise<number> {
  const s = await drawnAxis();
  return (s.at(-1) ?? 0) - (s[0] ?? 0);
}

async function drawnAxis(): Promise<number[]> {
  await page.evaluate(
    "new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))",
  );
  return axisSeconds();
}

describe.skipIf(unavailable !== null)("timeline.html in headless Chromium", () => {
  beforeAll(async () => {
    reportDir = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-timeline-"));
    result = await runScenario(pauseDrill, { ttlMs: 2_000, bug: "cached-leader", seed: 7, reportDir });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(`file://${path.join(reportDir, "timeline.html")}`);
  }, 120_000);

  test("a failing drill's timeline shows a lane per worker, epoch-labelled terms and the violation, with no console errors or fetches", async () => {
    expect(result.verdict).toBe("fail");
    const lanes = await page
      .locator("g.lane")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-worker")));
    expect(lanes.sort()).toEqual(["fwd-a", "fwd-b", "sweep-a", "sweep-b"]);
    expect(await page.locator("g.term[data-epoch='2']").count()).toBeGreaterThan(0);
    const paused = result.evidence.events.find((e) => e.kind === "fault");
    const violations = page.locator(
      `g.lane[data-worker='${paused?.kind === "fault" ? paused.target : ""}'] .violation`,
    );
    expect(await violations.count()).toBeGreaterThan(0);
    expect(await page.getByText(CHECK).count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
  });

  test("the violations panel shows the violation with its log line and lease rows", async () => {
    const violation = result.checks.find((c) => c.id === CHECK)?.violations[0];
    const line = violation?.lines?.[0] as Record<string, unknown> | undefined;
    expect(line?.msg).toBeTypeOf("string");
    const entry = page.locator(`#${ENTRY}`);
    await expect.poll(() => entry.isVisible()).toBe(true);
    const logLine = (await entry.locator("pre.log-line").first().textContent()) ?? "";
    expect(logLine).toContain(`"msg": ${JSON.stringify(line?.msg)}`);
    expect(logLine).toContain(JSON.stringify(violation?.worker));
    expect(await entry.locator("p.vmsg").textContent()).toBe(violation?.message);
    expect(await entry.locator("table.lease-rows tr.acquire").count()).toBe(1);
    expect(await entry.locator("table.lease-rows tr.next-holder").count()).toBe(1);
    expect(problems).toEqual([]);
  });

  test("a check row's link scrolls to its violation's entry and highlights it", async () => {
    await page.evaluate("window.scrollTo(0, 0)");
    await page.locator(`#check-${CHECK} a.to-entry`).first().click();
    const entry = page.locator(`#${ENTRY}`);
    await expect.poll(() => page.evaluate("location.hash")).toBe(`#${ENTRY}`);
    expect(await entry.evaluate((el) => el.matches(":target"))).toBe(true);
    const box = await entry.boundingBox();
    const viewport = page.viewportSize();
    expect(box && viewport && box.y >= 0 && box.y < viewport.height).toBe(true);
    // the highlight a reader sees (article.ventry:target in the stylesheet)
    const background = await entry.evaluate(
      (el) => el.ownerDocument.defaultView.getComputedStyle(el).backgroundColor,
    );
    expect(background).toBe("rgb(255, 248, 220)");
    // and back: its "show on timeline" link lands on the marker
    await entry.locator("a.show").click();
    await expect.poll(() => page.evaluate("location.hash")).toBe(`#${ENTRY}-mark`);
    expect(problems).toEqual([]);
  });

  test("zooming in narrows the time the axis shows, and dragging pans it", async () => {
    await page.locator("button[data-zoom='reset']").click();
    const lane = page.locator("g.lane[data-worker='fwd-a']");
    // Mid-screen, clear of the zoom bar that sticks to the top.
    await lane.evaluate((el) => el.scrollIntoView({ block: "center", inline: "nearest" }));
    const whole = await labelledSpan();
    // Tolerance: a drill at ttl 2000 lasts 4.5-6 s here (bring-up, a pause past the ttl, the
    // drain); its labelled ticks span 4 s or more, room for two zoom steps.
    expect(whole).toBeGreaterThanOrEqual(4);

    // Two steps of 2x, each waited for: about a quarter of the run, labelled at a finer step.
    // (Tolerance: labels fall on whole steps, so a span halves give or take a step.)
    await page.locator("button[data-zoom='in']").click();
    await expect.poll(labelledSpan).toBeLessThan(whole * 0.75);
    const half = await labelledSpan();
    await page.locator("button[data-zoom='in']").click();
    await expect.poll(labelledSpan).toBeLessThan(half * 0.75);
    const zoomed = await drawnAxis();
    expect(zoomed.length).toBeGreaterThan(3);

    // The lane for the height, the <svg> for the plot's x (a zoomed lane's marks run off its sides).
    const box = await lane.boundingBox();
    const plot = await page.locator("svg.timeline").boundingBox();
    if (!box || !plot) throw new Error("the timeline has no box on screen");
    const y = box.y + box.height / 2;
    const x = (svgX: number) => plot.x + (svgX / 1200) * plot.width;
    await page.mouse.move(x(800), y);
    await page.mouse.down();
    await page.mouse.move(x(500), y, { steps: 10 });
    await page.mouse.up();
    // dragging the plot left shows later times, over the same span
    await expect.poll(async () => (await drawnAxis())[0]).toBeGreaterThan(zoomed[0] as number);
    const panned = await labelledSpan();
    const step = (zoomed[1] as number) - (zoomed[0] as number);
    // Tolerance: one label step, and float noise (0.2 + 0.2 ... is not exactly 0.2 * n).
    expect(Math.abs(panned - ((zoomed.at(-1) as number) - (zoomed[0] as number)))).toBeLessThanOrEqual(
      step + 1e-6,
    );

    await page.locator("button[data-zoom='reset']").click();
    await expect.poll(labelledSpan).toBe(whole);
    expect(problems).toEqual([]);
  });

  test("a full-page screenshot of the failing drill's timeline is kept in reports/artifacts", async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    // full page: the panel under the lanes is in the picture
    const panel = await page.locator("section.violations").boundingBox();
    const height = await page.evaluate("document.documentElement.scrollHeight");
    expect(panel && panel.height > 0).toBe(true);
    expect(typeof height === "number" && height > 1_000).toBe(true);
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
  });
});
