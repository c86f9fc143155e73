import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LOG_MSG } from "../checks/logs.ts";
import { runChecks, summarizeMetrics, worstVerdict } from "../checks/registry.ts";
import { pauseDrill } from "../checks/testing.ts";
import type { Evidence } from "../observe/evidence.ts";
import { type VerdictFile, writeReport } from "../report/write.ts";
import { main } from "./main.ts";

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lc-analyze-"));
  dirs.push(dir);
  return dir;
}

/** A stored run folder, written the way a run writes it. */
function storeRun(evidence: Evidence, overrides: Partial<VerdictFile> = {}): string {
  const dir = tempDir();
  const checks = runChecks(evidence);
  const { meta } = evidence;
  writeReport(dir, evidence, {
    scenario: meta.scenario,
    runId: meta.runId,
    seed: meta.seed,
    ttlMs: meta.ttlMs,
    bug: meta.bug,
    verdict: worstVerdict(checks.map((c) => c.verdict)),
    reasons: [],
    checks,
    metrics: summarizeMetrics(checks),
    reportDir: dir,
    reproduce: "npx lease-chaos drill --seed 1",
    ...overrides,
  });
  return dir;
}

/** Runs the CLI in-process and captures what it prints. */
async function cli(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(console, "log").mockImplementation((...args) => {
    stdout += `${args.join(" ")}\n`;
  });
  vi.spyOn(console, "error").mockImplementation((...args) => {
    stderr += `${args.join(" ")}\n`;
  });
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

const cachedLeader = () =>
  pauseDrill({ bug: "cached-leader" })
    .without((e) => e.kind === "worker-log" && e.msg === LOG_MSG.expiredLocally)
    .batch("fwd-a", 22_005, 1)
    .build();

describe("lease-chaos analyze DIR: re-checks a stored run without starting anything", () => {
  it("exits 0 on a passing run and prints the verdict table and metrics", async () => {
    const dir = storeRun(pauseDrill().build());
    const r = await cli("analyze", dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`analyze ${dir}: synthetic, ttl 10000 ms, seed 1`);
    expect(r.stdout).toMatch(/PASS\s+single-leader/);
    expect(r.stdout).toContain("overall: PASS");
    expect(r.stdout).toContain("metrics: maxMsPastExpiry=0");
  });

  it("exits 1 on a failing run; --json gives verdict, checks with violations, metrics and the folder", async () => {
    const dir = storeRun(cachedLeader());
    const r = await cli("analyze", dir, "--json");
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(expect.arrayContaining(["verdict", "checks", "metrics", "reportDir"]));
    expect(out).toMatchObject({ verdict: "fail", reportDir: dir, metrics: { maxMsPastExpiry: 6_005 } });
    const failing = out.checks.find((c: { id: string }) => c.id === "no-batch-after-local-expiry");
    expect(failing).toMatchObject({
      verdict: "fail",
      violations: [{ worker: "fwd-a", msPastExpiry: 6_005 }],
    });
    expect(Object.keys(failing).sort()).toEqual(["detail", "id", "judged", "verdict", "violations"]);
    expect(out.checks).toHaveLength(7);
  });

  it("judges the evidence, not the stored verdict, and rewrites nothing without --write", async () => {
    const dir = storeRun(cachedLeader(), { verdict: "pass", checks: [] });
    const before = fs.readFileSync(path.join(dir, "verdict.json"), "utf8");
    fs.rmSync(path.join(dir, "timeline.html"));
    const r = await cli("analyze", dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("stored verdict was PASS; re-checked: FAIL");
    expect(fs.readFileSync(path.join(dir, "verdict.json"), "utf8")).toBe(before);
    expect(fs.existsSync(path.join(dir, "timeline.html"))).toBe(false);
  });

  it("--write rewrites verdict.json and timeline.html from the new verdict", async () => {
    const dir = storeRun(cachedLeader(), { verdict: "pass", checks: [] });
    fs.rmSync(path.join(dir, "timeline.html"));
    const r = await cli("analyze", dir, "--write");
    expect(r.code).toBe(1);
    const stored = JSON.parse(fs.readFileSync(path.join(dir, "verdict.json"), "utf8"));
    expect(stored).toMatchObject({ verdict: "fail", scenario: "synthetic", seed: 1, reportDir: dir });
    expect(stored.reproduce).toBe("npx lease-chaos drill --seed 1");
    expect(stored.checks).toHaveLength(7);
    const html = fs.readFileSync(path.join(dir, "timeline.html"), "utf8");
    expect(html).toContain('class="violation"');
  });

  it("keeps the run's reasons: a stored unknown stays unknown (exit 3)", async () => {
    const dir = storeRun(pauseDrill().build(), {
      verdict: "unknown",
      reasons: ["fault pause-1: not applied"],
    });
    const r = await cli("analyze", dir, "--json");
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({
      verdict: "unknown",
      reasons: ["fault pause-1: not applied"],
    });
  });

  it("re-evaluates the scenario's premises: one that did not happen makes the verdict unknown", async () => {
    const dir = storeRun(pauseDrill({ premises: ["lease-changed-hands", "stale-write-refused"] }).build());
    const r = await cli("analyze", dir, "--json");
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.verdict).toBe("unknown");
    expect(out.reasons).toEqual([
      expect.stringMatching(
        /^premise stale-write-refused did not hold: fwd-a attempted no write under epoch 1/,
      ),
    ]);
  });

  it("needs only events.jsonl: a folder without verdict.json is still checked", async () => {
    const dir = storeRun(pauseDrill().build());
    fs.rmSync(path.join(dir, "verdict.json"));
    expect((await cli("analyze", dir, "--json")).code).toBe(0);
  });

  it("exits 2 naming the path when DIR is missing or holds no events.jsonl", async () => {
    const missing = path.join(tempDir(), "nope");
    const r1 = await cli("analyze", missing);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain(`lease-chaos analyze: no run folder at ${missing}`);

    const empty = tempDir();
    const r2 = await cli("analyze", empty, "--json");
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`${path.join(empty, "events.jsonl")} not found`);
    expect(r2.stdout).toBe("");
  });

  it("exits 2 on a malformed events.jsonl, without DIR, or with an unknown option", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "events.jsonl"), "{not json\n");
    const r = await cli("analyze", dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot read ${path.join(dir, "events.jsonl")}`);

    expect((await cli("analyze")).code).toBe(2);
    expect((await cli("analyze", dir, "--wrte")).code).toBe(2);
  });

  it("is listed in the help and documents its options", async () => {
    expect((await cli("--help")).stdout).toContain("analyze");
    const r = await cli("analyze", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--write");
    expect(r.stdout).toContain("--json");
  });
});
