import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { LOG_MSG } from "../checks/logs.ts";
import { runChecks } from "../checks/registry.ts";
import { pauseDrill } from "../checks/testing.ts";
import { junitXml } from "./junit.ts";
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

  it("has a suite per run and a case per scenario and per check, that a JUnit parser reads", () => {
    const doc = parse(junitXml([{ result: file() }]));
    const suite = doc.testsuites.testsuite;
    expect(suite.name).toBe("pause-drill seed 7");
    expect(suite.testcase.map((c: { name: string }) => c.name)).toEqual([
      "pause-drill",
      ...file().checks.map((c) => `pause-drill › ${c.id}`),
    ]);
    expect(doc.testsuites).toMatchObject({ failures: "0", errors: "0" });
  });

  it("puts a failing check's evidence and the reproduce command in its failure, escaped", () => {
    const failing = pauseDrill()
      .without((e) => e.kind === "worker-log" && e.msg === LOG_MSG.expiredLocally)
      .batch("fwd-a", 22_005, 1)
      .build();
    const doc = parse(junitXml([{ result: file(failing) }]));
    const cases = doc.testsuites.testsuite.testcase as {
      name: string;
      failure?: { "#text": string; type: string };
    }[];
    const check = cases.find((c) => c.name === "pause-drill › no-batch-after-local-expiry");
    expect(check?.failure?.type).toBe("fail");
    expect(check?.failure?.["#text"]).toMatch(
      /started a batch with epoch 1 at \+22005 ms, 6005 ms past expiry/,
    );
    expect(check?.failure?.["#text"]).toContain("reproduce: npx lease-chaos run pause-drill --seed 7");
    expect(cases[0]?.failure).toBeDefined();
  });

  it("reports an unknown verdict as an error, never a pass", () => {
    const doc = parse(
      junitXml([{ result: file(undefined, ["premise lease-changed-hands did not hold: nobody acquired"]) }]),
    );
    const first = doc.testsuites.testsuite.testcase[0];
    expect(first.error.type).toBe("unknown");
    expect(first.error["#text"]).toContain("UNKNOWN run: premise lease-changed-hands did not hold");
  });

  it("passes a negative control that is caught, fails one that is not", () => {
    const buggy = pauseDrill().log("fwd-a", 22_010, LOG_MSG.batchStarted, 1).build();
    const caught = { ...file(buggy), bug: "cached-leader" };
    expect(caught.verdict).toBe("fail");
    const ok = parse(junitXml([{ result: caught, caughtBy: ["no-batch-after-local-expiry"] }]));
    expect(ok.testsuites).toMatchObject({ failures: "0", errors: "0" });
    expect(ok.testsuites.testsuite.testcase.map((c: { name: string }) => c.name)).toEqual([
      "pause-drill [cached-leader] is caught",
      "pause-drill [cached-leader] › no-batch-after-local-expiry fails",
    ]);
    const missed = { ...file(), bug: "cached-leader" };
    const bad = parse(junitXml([{ result: missed, caughtBy: ["no-batch-after-local-expiry"] }]));
    expect(bad.testsuites).toMatchObject({ failures: "2" });
    expect(bad.testsuites.testsuite.testcase[0].failure.message).toMatch(
      /^not caught: no-batch-after-local-expiry must fail on cached-leader; the run's verdict was pass/,
    );
  });
});
