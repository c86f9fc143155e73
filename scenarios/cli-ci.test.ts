// The CLI as CI uses it: JUnit files a parser reads, exit codes, and shards that merge into the
// same verdicts as one unsharded run.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { XMLParser } from "fast-xml-parser";
import { afterAll, describe, expect, test } from "vitest";

const BIN = fileURLToPath(new URL("../bin/lease-chaos.js", import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-ci-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 180_000 });
const junit = (file: string) =>
  new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(fs.readFileSync(file, "utf8"));
const asList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);
const SCENARIOS = ["pause-drill", "leader-killed", "restart-same-identity"];

describe("lease-chaos in CI", () => {
  test("run --junit: a suite per scenario, a case per scenario and check; two shards merge into the same verdicts", () => {
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
    const suites = asList(junit(path.join(dir, "whole.xml")).testsuites.testsuite) as {
      name: string;
      testcase: { name: string }[];
    }[];
    expect(suites.map((s) => s.name)).toEqual(SCENARIOS.map((n) => `${n} seed 9`));
    expect(suites.map((s) => s.testcase[0]?.name)).toEqual(SCENARIOS);

    for (const i of [1, 2]) {
      const shard = cli(
        "run",
        ...SCENARIOS,
        "--seed",
        "9",
        "--shard",
        `${i}/2`,
        "--report-dir",
        path.join(dir, `shard-${i}`),
      );
      expect(shard.status, shard.stderr).toBe(0);
      expect(shard.stdout).toMatch(new RegExp(`shard ${i}/2: \\d of 3 scenarios`));
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
    const verdicts = (JSON.parse(merged.stdout).runs as { scenario: string; verdict: string }[])
      .map((r) => [r.scenario, r.verdict])
      .sort();
    const wholeVerdicts = SCENARIOS.map((n) => [
      n,
      JSON.parse(fs.readFileSync(path.join(dir, "whole", n, "verdict.json"), "utf8")).verdict,
    ]).sort();
    expect(verdicts).toEqual(wholeVerdicts);
    expect(asList(junit(path.join(dir, "merged.xml")).testsuites.testsuite)).toHaveLength(3);
  }, 240_000);

  test("a failing run exits 1 and its JUnit case holds the evidence and the reproduce command", () => {
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
    const cases = asList(junit(path.join(dir, "fail.xml")).testsuites.testsuite).flatMap(
      (s: { testcase: { name: string; failure?: { "#text": string } }[] }) => s.testcase,
    );
    const check = cases.find((c) => c.name === "pause-drill › no-batch-after-local-expiry");
    expect(check?.failure?.["#text"]).toMatch(
      /worker fwd-\w started a\w* (batch|item) with epoch \d+ at \+\d+ ms/,
    );
    expect(check?.failure?.["#text"]).toMatch(
      /reproduce: npx lease-chaos drill --ttl-ms 2000 --seed 4 --bug cached-leader/,
    );
  }, 120_000);
});
