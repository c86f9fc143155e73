// The merged report as a CI user opens it: two shards of a run, merged, and index.html loaded in
// headless Chromium. It lists the runs that need a look first, and each links to its timeline.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumUnavailable, launchChromium } from "./support/chromium.ts";

const BIN = fileURLToPath(new URL("../bin/lease-chaos.js", import.meta.url));
const SCENARIOS = ["pause-drill", "leader-killed"];
const unavailable = chromiumUnavailable("merge-index.browser.test.ts");
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 180_000 });

let dir = "";
let browser: Browser | undefined;
let page: Page;
const problems: string[] = [];
const requests: string[] = [];

afterAll(async () => {
  await browser?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(unavailable !== null)("the merged index.html in headless Chromium", () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-merge-index-"));
    // cached-leader fails the pause drill: the index has a failure to put first.
    for (const i of [1, 2]) {
      const shard = cli(
        "run",
        ...SCENARIOS,
        "--bug",
        "cached-leader",
        "--seed",
        "7",
        "--shard",
        `${i}/2`,
        "--report-dir",
        path.join(dir, `shard-${i}`),
      );
      expect(shard.status === 0 || shard.status === 1, shard.stderr).toBe(true);
    }
    const merged = cli(
      "merge",
      path.join(dir, "shard-1"),
      path.join(dir, "shard-2"),
      "--out",
      path.join(dir, "merged"),
    );
    expect(merged.stdout).toMatch(/2 run\(s\) from 2 folder\(s\); 2 shard\(s\) of 1 sharded command/);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(`file://${path.join(dir, "merged", "index.html")}`);
  }, 240_000);

  test("lists every run of both shards, failures first, with no console errors and nothing fetched", async () => {
    const rows = page.locator("table.runs tr.run");
    expect(await rows.count()).toBe(SCENARIOS.length);
    const outcomes = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-outcome")));
    const rank = (o: string | null) => ({ fail: 0, "not caught": 0, unknown: 1 })[o ?? ""] ?? 2;
    expect(outcomes).toContain("fail");
    expect(outcomes.map(rank)).toEqual([...outcomes.map(rank)].sort((a, b) => a - b));
    const shards = await rows.locator("td:nth-child(6)").allTextContents();
    expect(shards.sort()).toEqual(["shard 1/2", "shard 2/2"]);
    expect(await page.locator("h1 .overall").textContent()).toBe("FAIL");
    expect(await page.locator("section.problems").count()).toBe(0);
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
  });

  test("the first row's link opens that run's timeline", async () => {
    const first = page.locator("table.runs tr.run").first();
    const scenario = await first.getAttribute("data-scenario");
    await first.locator("a.timeline").click();
    await expect.poll(() => page.url()).toMatch(new RegExp(`/${scenario}/timeline\\.html$`));
    await expect.poll(() => page.locator("svg.timeline g.lane").count()).toBeGreaterThan(0);
    expect(await page.title()).toContain(scenario ?? "?");
    expect(problems).toEqual([]);
  });
});
