// The CLI as CI uses it: JUnit files a parser reads, exit codes, and shards that merge into the
// same verdicts as one unsharded run.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { XMLParser } from "fast-xml-parser";
import { afterAll, describe, expect, test } from "vitest";
import { RUN_CASE } from "../harness/report/junit.ts";

const BIN = fileURLToPath(new URL("../bin/lease-chaos.js", import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-ci-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 180_000 });
const junit = (file: string) =>
  new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(fs.readFileSync(file, "utf8"));
const asList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);
const SCENARIOS = ["pause-drill", "leader-killed", "restart-same-identity"];

/** Every suite's name and its cases' classname|name, in file order: what a CI's test history keys on. */
const identities = (file: string) =>
  (
    asList(junit(file).testsuites.testsuite) as {
      name: string;
      testcase: { name: string; classname: string }[];
    }[]
  )
    .flatMap((s) => [s.name, ...asList(s.testcase).map((c) => `${c.classname}|${c.name}`)])
    .sort();

describe("lease-chaos in CI", () => {
  test("run --junit: a suite per scenario, a case for the run and per check; two shards on another seed merge into the same verdicts and the same JUnit names; one shard alone is exit 3", () => {
    const whole = cli(
      "run",
      ...SCENARIOS,
      "--seed",
      "9",
      "--report-dir",
      path.join(dir, "whole"),
      "--junit",
      path.join(dir, "whole.xml"),
    );
    expect(whole.status, whole.stderr).toBe(0);
    // A passing run says how to repeat it too.
    expect(whole.stdout).toContain(
      "seed 9; reproduce with: npx lease-chaos run pause-drill --ttl-ms 2000 --seed 9\n",
    );
    const suites = asList(junit(path.join(dir, "whole.xml")).testsuites.testsuite) as {
      name: string;
      testcase: { name: string }[];
      properties: { property: { name: string; value: string }[] };
    }[];
    expect(suites.map((s) => s.name)).toEqual(SCENARIOS.map((n) => `${n} (profile reference)`));
    expect(suites.map((s) => s.testcase[0]?.name)).toEqual(SCENARIOS.map(() => RUN_CASE));
    expect(suites[0]?.properties.property).toContainEqual({ name: "seed", value: "9" });

    // The shards on seed 10: another seed, the same split.
    for (const i of [1, 2]) {
      const shard = cli(
        "run",
        ...SCENARIOS,
        "--seed",
        "10",
        "--shard",
        `${i}/2`,
        "--report-dir",
        path.join(dir, `shard-${i}`),
      );
      expect(shard.status, shard.stderr).toBe(0);
      expect(shard.stdout).toMatch(new RegExp(`shard ${i}/2: \\d of 3 scenarios`));
      const summary = JSON.parse(fs.readFileSync(path.join(dir, `shard-${i}`, "summary.json"), "utf8"));
      expect(summary).toMatchObject({ shard: { index: i, count: 2 }, verdict: "pass" });
      expect(summary.shards.flat().sort()).toEqual([...SCENARIOS].sort());
    }
    const merged = cli(
      "merge",
      path.join(dir, "shard-1"),
      path.join(dir, "shard-2"),
      "--json",
      "--junit",
      path.join(dir, "merged.xml"),
    );
    expect(merged.status, merged.stderr).toBe(0);
    const verdicts = (JSON.parse(merged.stdout).runs as { scenario: string; verdict: string; seed: number }[])
      .map((r) => [r.scenario, r.verdict, r.seed])
      .sort();
    const wholeVerdicts = SCENARIOS.map((n) => [
      n,
      JSON.parse(fs.readFileSync(path.join(dir, "whole", n, "verdict.json"), "utf8")).verdict,
      10,
    ]).sort();
    expect(verdicts).toEqual(wholeVerdicts);
    // Seeds 9 and 10: the same tests to a CI's history.
    expect(identities(path.join(dir, "merged.xml"))).toEqual(identities(path.join(dir, "whole.xml")));

    // A lost artifact: shard 1 alone is not a verdict.
    const alone = cli("merge", path.join(dir, "shard-1"));
    expect(alone.status).toBe(3);
    expect(alone.stdout + alone.stderr).toMatch(/shard 2\/2 of this run of profile reference is missing/);
    const missing = JSON.parse(fs.readFileSync(path.join(dir, "shard-2", "summary.json"), "utf8")).runs.map(
      (r: { key: string }) => r.key,
    );
    expect(alone.stderr).toContain(`its runs: ${missing.join(", ")}`);
  }, 240_000);

  test("a failing run exits 1 and its JUnit holds one failure per broken check, with the evidence and the reproduce command", () => {
    const r = cli(
      "drill",
      "--bug",
      "cached-leader",
      "--seed",
      "4",
      "--report-dir",
      path.join(dir, "fail"),
      "--junit",
      path.join(dir, "fail.xml"),
    );
    expect(r.status).toBe(1);
    const doc = junit(path.join(dir, "fail.xml"));
    const suite = asList(doc.testsuites.testsuite)[0] as {
      name: string;
      failures: string;
      testcase: { name: string; failure?: { "#text": string } }[];
    };
    expect(suite.name).toBe("pause-drill [cached-leader] (profile reference)");
    const verdict = JSON.parse(fs.readFileSync(path.join(dir, "fail", "verdict.json"), "utf8"));
    const broken = verdict.checks.filter((c: { verdict: string }) => c.verdict === "fail").length;
    expect(Number(suite.failures)).toBe(broken);
    const check = suite.testcase.find((c) => c.name === "no-batch-after-local-expiry");
    // The first violations with their log lines. Which kind comes first depends on timing (on a
    // loaded machine the stale LEADER line can precede the stale batch): each names worker and time.
    expect(check?.failure?.["#text"]).toMatch(
      /\n {2}- worker fwd-\w (started a\w* (batch|item) with epoch \d+ |logged "[^"]+" (for epoch \d+ )?)at \+\d+ ms/,
    );
    expect(check?.failure?.["#text"]).toMatch(/\n {4}line: \{"ts":\d+/);
    expect(check?.failure?.["#text"]).toMatch(
      /reproduce: npx lease-chaos drill --ttl-ms 2000 --seed 4 --bug cached-leader/,
    );
    expect(check?.failure?.["#text"]).toMatch(/seed: 4\nreport: \//);
  }, 120_000);
});
