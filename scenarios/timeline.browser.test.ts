import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, describe, expect, test } from "vitest";
import { runScenario } from "../harness/run/run-scenario.ts";
import { pauseDrill } from "./pause-drill.ts";

// The timeline is looked at the way a person would: loaded in headless Chromium (Debian's, which
// .ci/run installs). Without it a developer's run skips this file; in CI it must be there.
const CHROMIUM = process.env.LEASE_CHAOS_CHROMIUM ?? "/usr/bin/chromium";
const haveChromium = fs.existsSync(CHROMIUM);
const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-timeline-"));
const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-chromium-"));
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  fs.rmSync(reportDir, { recursive: true, force: true });
  fs.rmSync(profileDir, { recursive: true, force: true });
});

describe.skipIf(!haveChromium && !process.env.CI)("timeline.html in headless Chromium", () => {
  test("a failing drill's timeline shows a lane per worker, epoch-labelled terms and the violation, with no console errors or fetches", async () => {
    const result = await runScenario(pauseDrill, { ttlMs: 2_000, bug: "cached-leader", seed: 7, reportDir });
    expect(result.verdict).toBe("fail");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    });
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(`file://${path.join(reportDir, "timeline.html")}`);

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
    expect(await page.getByText("no-batch-after-local-expiry").count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
  });
});
