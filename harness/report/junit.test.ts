import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { LOG_MSG } from "../checks/logs.ts";
import { runChecks } from "../checks/registry.ts";
import { pauseDrill } from "../checks/testing.ts";
import { junitXml, RUN_CASE } from "./junit.ts";
import type { VerdictFile } from "./write.ts";

function file(evidence = pauseDrill().build(), reasons: string[] = []): VerdictFile {
  const checks = runChecks(evidence);
  const verdict = checks.some((c) => c.verdict === "fail") ? "fail" : reasons.length ? "unknown" : "pass";
  return {
    scenario: "pause-drill",
    runId: "r",
    seed: 7,
    ttlMs: 10_000,
    bug: null,
    profile: "reference",
    verdict,
    reasons,
    checks,
    metrics: { wallMs: 5_000 },
    reportDir: "/tmp/r/pause-drill",
    reproduce: "npx lease-chaos run pause-drill --seed 7",
  };
}

describe("JUnit XML", () => {
  const parse = (xml: string) =>
    new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml);

  it("has a suite per run and a case for the run and per check, that a JUnit parser reads", () => {
    const doc = parse(junitXml([{ result: file() }]));
    const suite = doc.testsuites.testsuite;
    expect(suite.name).toBe("pause-drill (profile reference)");
    expect(suite.testcase.map((c: { name: string }) => c.name)).toEqual([
      RUN_CASE,
      ...file().checks.map((c) => c.id),
    ]);
    expect(doc.testsuites).toMatchObject({ failures: "0", errors: "0" });
  });

  it("names suites and cases the same whatever the seed; the seed, report and reproduce line are properties", () => {
    const names = (seed: number) => {
      const doc = parse(
        junitXml([
          { result: { ...file(), seed, reproduce: `npx lease-chaos run pause-drill --seed ${seed}` } },
        ]),
      );
      const suite = doc.testsuites.testsuite;
      const props = Object.fromEntries(
        (suite.properties.property as { name: string; value: string }[]).map((p) => [p.name, p.value]),
      );
      return {
        ids: [
          suite.name,
          ...suite.testcase.map((c: { name: string; classname: string }) => `${c.classname}|${c.name}`),
        ],
        props,
      };
    };
    const a = names(7);
    const b = names(92400309);
    expect(a.ids).toEqual(b.ids);
    expect(a.ids.join(" ")).not.toMatch(/7|92400309/);
    expect(b.props).toMatchObject({
      seed: "92400309",
      scenario: "pause-drill",
      variant: "reference",
      profile: "reference",
      report: "/tmp/r/pause-drill",
      reproduce: "npx lease-chaos run pause-drill --seed 92400309",
    });
  });

  it("counts a broken invariant once: in its check's case, with the evidence, seed, report and reproduce line", () => {
    const failing = pauseDrill()
      .without((e) => e.kind === "worker-log" && e.msg === LOG_MSG.expiredLocally)
      .batch("fwd-a", 22_005, 1)
      .build();
    const result = file(failing);
    const doc = parse(junitXml([{ result }]));
    const cases = doc.testsuites.testsuite.testcase as {
      name: string;
      failure?: { "#text": string; type: string };
    }[];
    const broken = result.checks.filter((c) => c.verdict === "fail").length;
    expect(broken).toBeGreaterThan(0);
    expect(doc.testsuites.failures).toBe(String(broken));
    const check = cases.find((c) => c.name === "no-batch-after-local-expiry");
    expect(check?.failure?.type).toBe("fail");
    expect(check?.failure?.["#text"]).toMatch(
      /started a batch with epoch 1 at \+22005 ms, 6005 ms past expiry/,
    );
    expect(check?.failure?.["#text"]).toContain("reproduce: npx lease-chaos run pause-drill --seed 7");
    expect(check?.failure?.["#text"]).toContain("seed: 7");
    expect(check?.failure?.["#text"]).toContain("report: /tmp/r/pause-drill");
    expect(cases[0]?.name).toBe(RUN_CASE);
    expect(cases[0]?.failure).toBeUndefined();
  });

  it("reports an unknown run as an error in the run's case, never a pass", () => {
    const doc = parse(
      junitXml([{ result: file(undefined, ["premise lease-changed-hands did not hold: nobody acquired"]) }]),
    );
    const first = doc.testsuites.testsuite.testcase[0];
    expect(first.name).toBe(RUN_CASE);
    expect(first.error.type).toBe("unknown");
    expect(first.error["#text"]).toContain("UNKNOWN run: premise lease-changed-hands did not hold");
    expect(doc.testsuites).toMatchObject({ errors: "1", failures: "0" });
  });

  it("names the attempts of a --repeat apart, and a gap (a missing shard) is an error case", () => {
    const doc = parse(
      junitXml([{ result: { ...file(), repeat: { index: 2, count: 3 } } }], "m", [
        {
          suite: "lease-chaos merge",
          name: "every shard and run present once",
          message: "shard 2/2 is missing",
        },
      ]),
    );
    const [run, gap] = doc.testsuites.testsuite;
    expect(run.name).toBe("pause-drill (profile reference) #2/3");
    expect(gap.testcase.error["#text"]).toBe("shard 2/2 is missing");
    expect(doc.testsuites.errors).toBe("1");
  });

  it("passes a negative control that is caught, fails one that is not", () => {
    const buggy = pauseDrill().log("fwd-a", 22_010, LOG_MSG.batchStarted, 1).build();
    const caught = { ...file(buggy), bug: "cached-leader" };
    expect(caught.verdict).toBe("fail");
    const ok = parse(junitXml([{ result: caught, caughtBy: ["no-batch-after-local-expiry"] }]));
    expect(ok.testsuites).toMatchObject({ failures: "0", errors: "0" });
    expect(ok.testsuites.testsuite.testcase.map((c: { name: string }) => c.name)).toEqual([
      "is caught",
      "no-batch-after-local-expiry fails",
    ]);
    const missed = { ...file(), bug: "cached-leader" };
    const bad = parse(junitXml([{ result: missed, caughtBy: ["no-batch-after-local-expiry"] }]));
    expect(bad.testsuites).toMatchObject({ failures: "2" });
    expect(bad.testsuites.testsuite.testcase[0].failure.message).toMatch(
      /^not caught: no-batch-after-local-expiry must fail on cached-leader; the run's verdict was pass/,
    );
  });

  it("reports a skipped run (a scenario the profile cannot take) as a skipped case, counted as such", () => {
    const skipped = {
      ...file(),
      verdict: "skipped" as const,
      checks: [],
      reasons: ["needs lines.itemStarted (the profile maps no item line)"],
    };
    const doc = parse(junitXml([{ result: skipped }]));
    const only = doc.testsuites.testsuite.testcase;
    expect(only.name).toBe(RUN_CASE);
    expect(only.skipped.message).toBe("SKIPPED: needs lines.itemStarted (the profile maps no item line)");
    expect(doc.testsuites).toMatchObject({ tests: "1", failures: "0", errors: "0", skipped: "1" });
  });
});
