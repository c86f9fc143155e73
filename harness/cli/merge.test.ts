import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "./main.ts";
import { planShards, runKey, SummaryFile } from "./summary.ts";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-merge-test-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function runFolder(dir: string, scenario: string, verdict: "pass" | "fail"): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "events.jsonl"), "{}\n");
  fs.writeFileSync(path.join(dir, "timeline.html"), "<!doctype html><title>t</title>");
  fs.writeFileSync(
    path.join(dir, "verdict.json"),
    JSON.stringify({
      scenario,
      bug: null,
      seed: 1,
      verdict,
      checks:
        verdict === "fail"
          ? [{ id: "single-leader", verdict: "fail", detail: "terms overlap", violations: [] }]
          : [],
      reasons: [],
      metrics: {},
      reproduce: `run ${scenario}`,
    }),
  );
}

const SCENARIOS = ["pause-drill", "leader-killed", "restart-same-identity"];
const expected = (s: string) =>
  ({ "pause-drill": 3, "leader-killed": 2, "restart-same-identity": 1 })[s] ?? 1;

/** One shard of a `run` of SCENARIOS as the command leaves it: summary.json and its run folders. */
function shardFolder(
  dir: string,
  index: number,
  count: number,
  verdicts: Record<string, "pass" | "fail"> = {},
) {
  fs.mkdirSync(dir, { recursive: true });
  const shard = { index, count };
  const shards = planShards(SCENARIOS, shard, expected, (s) => [runKey(s, null, 1, 1)]);
  const mine = shards[index - 1] as string[];
  const summary = new SummaryFile(dir, {
    command: "run",
    profile: "reference",
    ttlMs: 2_000,
    shard,
    shards,
    runs: mine.map((s) => ({ key: s, scenario: s, variant: null, seed: 1, dir: s })),
  });
  for (const s of mine) runFolder(path.join(dir, s), s, verdicts[s] ?? "pass");
  summary.finish("pass");
  return mine;
}

let out: string[] = [];
let err: string[] = [];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  vi.spyOn(console, "error").mockImplementation((...args) => {
    err.push(args.join(" "));
  });
});
afterEach(() => vi.restoreAllMocks());

describe("merge", () => {
  it("counts a run once however often its folder is reached, and skips an earlier merged summary", async () => {
    runFolder(path.join(root, "s1", "pause-drill"), "pause-drill", "pass");
    runFolder(path.join(root, "s2", "leader-killed"), "leader-killed", "pass");
    const summary = path.join(root, "all");
    expect(await main(["merge", path.join(root, "s1"), path.join(root, "s2"), "--out", summary])).toBe(0);
    // Again, with the summary folder under the root and s1 named twice.
    out.length = 0;
    expect(await main(["merge", root, path.join(root, "s1"), "--json"])).toBe(0);
    const merged = JSON.parse(out.join("")) as { runs: { scenario: string }[] };
    expect(merged.runs.map((r) => r.scenario)).toEqual(["pause-drill", "leader-killed"]);
  });

  it("joins every shard of a command (exit 1: one run failed); index.html lists the failed run first, linked to its timeline", async () => {
    const base = path.join(root, "complete");
    const one = shardFolder(path.join(base, "shard-1"), 1, 2);
    const two = shardFolder(path.join(base, "shard-2"), 2, 2, { "leader-killed": "fail" });
    expect([...one, ...two].sort()).toEqual([...SCENARIOS].sort());
    const merged = path.join(base, "merged");
    const code = await main([
      "merge",
      path.join(base, "shard-1"),
      path.join(base, "shard-2"),
      "--out",
      merged,
    ]);
    expect(code).toBe(1);
    expect(out.join("")).toMatch(/3 run\(s\) from 2 folder\(s\); 2 shard\(s\) of 1 sharded command/);
    const html = fs.readFileSync(path.join(merged, "index.html"), "utf8");
    const order = [...html.matchAll(/data-scenario="([^"]+)"/g)].map((m) => m[1]);
    expect(order[0]).toBe("leader-killed");
    expect(order.slice(1).sort()).toEqual(SCENARIOS.filter((s) => s !== "leader-killed").sort());
    for (const href of [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1] as string))
      expect(fs.existsSync(path.resolve(merged, href)), href).toBe(true);
  });

  it("fails (exit 3) when a shard is missing, naming it and the runs it should have held", async () => {
    const base = path.join(root, "missing");
    shardFolder(path.join(base, "shard-1"), 1, 2);
    const junit = path.join(base, "junit.xml");
    const code = await main([
      "merge",
      path.join(base, "shard-1"),
      "--junit",
      junit,
      "--out",
      path.join(base, "m"),
    ]);
    expect(code).toBe(3);
    const text = `${out.join("")}\n${err.join("\n")}`;
    expect(text).toMatch(/shard 2\/2 of this run of profile reference is missing: .*its runs: leader-killed/);
    expect(text).toMatch(/overall: UNKNOWN/);
    expect(fs.readFileSync(junit, "utf8")).toMatch(/<error message="shard 2\/2 of this run/);
    expect(fs.readFileSync(path.join(base, "m", "index.html"), "utf8")).toMatch(
      /Incomplete: the verdict cannot be trusted.*shard 2\/2/s,
    );
  });

  it("fails (exit 3) when a shard is there twice (a retried job's artifact), naming both folders", async () => {
    const base = path.join(root, "twice");
    shardFolder(path.join(base, "shard-1"), 1, 2);
    shardFolder(path.join(base, "shard-1-retry"), 1, 2);
    shardFolder(path.join(base, "shard-2"), 2, 2);
    expect(await main(["merge", base])).toBe(3);
    expect(err.join("\n")).toMatch(
      /shard 1\/2 of this run of profile reference is there 2 times: .*shard-1, .*shard-1-retry/,
    );
  });

  it("fails (exit 3) when a shard's run left no verdict (a job killed mid-way)", async () => {
    const base = path.join(root, "killed");
    const mine = shardFolder(path.join(base, "shard-1"), 1, 2);
    shardFolder(path.join(base, "shard-2"), 2, 2);
    fs.rmSync(path.join(base, "shard-1", mine[0] as string), { recursive: true });
    expect(await main(["merge", base, "--json"])).toBe(3);
    expect(JSON.parse(out.join("")).problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `shard 1/2 in .*shard-1 is incomplete: 1 of its ${mine.length} runs have no verdict.json \\(${mine[0]}\\)`,
        ),
      ),
    ]);
  });

  it("judges a matrix's shards as the matrix does (a variant caught passes), and a run --bug by its verdict", async () => {
    const base = path.join(root, "matrix");
    const shards = [["reference/pause-drill"], ["cached-leader/pause-drill"]];
    for (const [i, key] of shards.entries()) {
      const dir = path.join(base, `shard-${i + 1}`);
      const variant = i === 0 ? null : "cached-leader";
      const runDir = path.join(variant ?? "reference", "pause-drill");
      fs.mkdirSync(dir, { recursive: true });
      new SummaryFile(dir, {
        command: "matrix",
        profile: "reference",
        ttlMs: 2_000,
        shard: { index: i + 1, count: 2 },
        shards,
        runs: [
          {
            key: key[0] as string,
            scenario: "pause-drill",
            variant,
            seed: 1,
            dir: runDir,
            ...(variant ? { caughtBy: ["single-leader"] } : {}),
          },
        ],
      }).finish("pass");
      runFolder(path.join(dir, runDir), "pause-drill", variant ? "fail" : "pass");
      if (variant) {
        const file = path.join(dir, runDir, "verdict.json");
        fs.writeFileSync(
          file,
          JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), bug: variant }),
        );
      }
    }
    const junit = path.join(base, "junit.xml");
    expect(await main(["merge", base, "--junit", junit])).toBe(0);
    const xml = fs.readFileSync(junit, "utf8");
    expect(xml).toMatch(/<testcase name="is caught" classname="pause-drill \[cached-leader\]"/);
    expect(xml).toMatch(/failures="0" errors="0"/);
    // The same runs without a summary, seen as a plain `run --bug`: a failure is a failure.
    fs.rmSync(path.join(base, "shard-2", "summary.json"));
    new SummaryFile(path.join(base, "shard-2"), {
      command: "run",
      profile: "reference",
      ttlMs: 2_000,
      shard: null,
      shards: [["cached-leader/pause-drill"]],
      runs: [
        {
          key: "cached-leader/pause-drill",
          scenario: "pause-drill",
          variant: "cached-leader",
          seed: 1,
          dir: "cached-leader/pause-drill",
        },
      ],
    });
    fs.rmSync(path.join(base, "shard-1", "summary.json"));
    expect(await main(["merge", path.join(base, "shard-2")])).toBe(1);
  });

  it("takes a skipped run's folder (verdict.json alone) as a run of its shard: complete, and counted for nothing", async () => {
    const base = path.join(root, "skipped");
    const dir = path.join(base, "shard-1");
    fs.mkdirSync(path.join(dir, "clock-step"), { recursive: true });
    new SummaryFile(dir, {
      command: "run",
      profile: "reference",
      ttlMs: 2_000,
      shard: { index: 1, count: 1 },
      shards: [["pause-drill", "clock-step"]],
      runs: [
        { key: "pause-drill", scenario: "pause-drill", variant: null, seed: 1, dir: "pause-drill" },
        { key: "clock-step", scenario: "clock-step", variant: null, seed: 1, dir: "clock-step" },
      ],
    }).finish("pass");
    runFolder(path.join(dir, "pause-drill"), "pause-drill", "pass");
    fs.writeFileSync(
      path.join(dir, "clock-step", "verdict.json"),
      JSON.stringify({
        scenario: "clock-step",
        bug: null,
        seed: 1,
        verdict: "skipped",
        checks: [],
        reasons: ["needs libfaketime"],
        metrics: {},
        reproduce: "run clock-step",
      }),
    );
    expect(await main(["merge", base, "--json"])).toBe(0);
    const merged = JSON.parse(out.join(""));
    expect(merged.problems).toEqual([]);
    expect(merged.runs.map((r: { verdict: string }) => r.verdict).sort()).toEqual(["pass", "skipped"]);
  });

  /** An explore shard as the command leaves it: summary.json and a run folder of one of its schedules. */
  function campaignFolder(dir: string, index: number, count: number, findings: object[] = []) {
    fs.mkdirSync(dir, { recursive: true });
    // a schedule's run inside the campaign: merge must not take it for a catalogue run
    runFolder(path.join(dir, `schedule-${index}`), "explore: schedule", findings.length ? "fail" : "pass");
    fs.writeFileSync(
      path.join(dir, "summary.json"),
      JSON.stringify({
        kind: "lease-chaos explore",
        seed: 7,
        shard: { index, count },
        runs: 3,
        passed: findings.length ? 2 : 3,
        noEvidence: 0,
        failedRuns: findings.length ? 1 : 0,
        findings,
        wallMs: 30_000,
        runsPerMinute: 6,
        firstFailureMs: findings.length ? 10_000 : null,
        coverage: { tried: 2, of: 40, combos: { [`pause/leader/${index}`]: 3 } },
        seeds: [7 + index - 1],
        reportDir: dir,
      }),
    );
  }

  it("joins explore shards as one campaign (exit 1 on a finding, listed in the index and JUnit); one shard alone is exit 3", async () => {
    const base = path.join(root, "explore");
    const finding = {
      kind: "lease-chaos-finding",
      check: "single-leader",
      shape: "pause(leader)",
      schedule: {
        faults: [{ primitive: "pause", target: "leader", at: { afterMs: 500 }, durationMs: 2_500 }],
      },
      seed: 8,
      ttlMs: 2_000,
      bug: "cached-leader",
      evidence: { detail: "terms overlap", violations: [] },
      confidence: { failed: 3, tries: 3 },
      reproduce: "npx lease-chaos run --schedule f/finding.json --seed 8",
      report: path.join(base, "e2", "finding-1"),
    };
    campaignFolder(path.join(base, "e1"), 1, 2);
    campaignFolder(path.join(base, "e2"), 2, 2, [finding]);
    const outDir = path.join(root, "explore-out");
    const junit = path.join(root, "explore.xml");
    const code = await main([
      "merge",
      path.join(base, "e1"),
      path.join(base, "e2"),
      "--out",
      outDir,
      "--junit",
      junit,
    ]);
    expect(code).toBe(1);
    const text = out.join("");
    expect(text).toMatch(/explore: 2 campaign\(s\) of seed 7: 6 run\(s\), 5 passed, 1 failed/);
    expect(text).toContain("FINDING  single-leader under pause(leader) (3/3)");
    expect(text).toContain("merge: 0 run(s)"); // the schedules' own runs are the campaign's
    const merged = JSON.parse(fs.readFileSync(path.join(outDir, "verdict.json"), "utf8"));
    expect(merged.explore).toMatchObject({
      verdict: "fail",
      runs: 6,
      findings: [{ check: "single-leader" }],
    });
    expect(fs.readFileSync(path.join(outDir, "index.html"), "utf8")).toMatch(
      /class="finding" data-check="single-leader"/,
    );
    expect(fs.readFileSync(junit, "utf8")).toMatch(/explore: single-leader under pause\(leader\)/);

    out = [];
    expect(await main(["merge", path.join(base, "e1")])).toBe(3);
    expect(out.join("")).toMatch(/INCOMPLETE explore shards of 2: missing 2\/2/);
  });

  it("an explore summary whose findings lack their schedule is bad input (exit 2), named", async () => {
    const dir = path.join(root, "explore-bad");
    campaignFolder(dir, 1, 1, [{ check: "single-leader", shape: "x" }]);
    expect(await main(["merge", dir])).toBe(2);
    expect(err.join("")).toMatch(/summary\.json: finding 1 has no schedule/);
  });

  it("a campaign of shards that all passed passes (exit 0)", async () => {
    const base = path.join(root, "explore-pass");
    campaignFolder(path.join(base, "a"), 1, 2);
    campaignFolder(path.join(base, "b"), 2, 2);
    expect(await main(["merge", base])).toBe(0);
    expect(out.join("")).toContain("overall: PASS");
  });
});
