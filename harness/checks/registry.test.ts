import { describe, expect, it } from "vitest";
import type { Evidence } from "../observe/evidence.ts";
import type { Check } from "./check.ts";
import { type CheckId, checkIds, runChecks, summarizeMetrics, worstVerdict } from "./registry.ts";
import { history, pauseDrill } from "./testing.ts";

describe("registry", () => {
  it("lists the checks in verdict-table order, as the CheckId type names them", () => {
    const typed: CheckId[] = [
      "no-batch-after-local-expiry",
      "fenced-effects-within-term",
      "single-leader",
      "takeover-within-ttl",
      "no-duplicate-delivery",
      "progress-after-heal",
      "no-inherited-term",
      "no-needless-failover",
    ];
    expect(checkIds).toEqual(typed);
  });

  it("passes every check on the pause drill done right", () => {
    const results = runChecks(pauseDrill().build());
    // no-needless-failover applies only where a fault was called tolerable.
    expect(results.map((r) => [r.id, r.verdict])).toEqual(
      checkIds.filter((id) => id !== "no-needless-failover").map((id) => [id, "pass"]),
    );
    expect(worstVerdict(results.map((r) => r.verdict))).toBe("pass");
  });

  it("runs only the named checks, and rejects an unknown id by name", () => {
    expect(runChecks(pauseDrill().build(), ["single-leader"]).map((r) => r.id)).toEqual(["single-leader"]);
    expect(() => runChecks(pauseDrill().build(), ["no-such-check"])).toThrow(
      /unknown check id "no-such-check"/,
    );
  });

  it("turns a crashing check into unknown with the error as detail", () => {
    const crashing: Check = {
      id: "crashes",
      description: "throws",
      coverage: () => ({ judged: [], notJudged: [], possible: true }),
      run: () => {
        throw new Error("boom at 3 ms");
      },
    };
    const [r] = runChecks(pauseDrill().build(), undefined, [crashing]);
    expect(r).toEqual({
      id: "crashes",
      verdict: "unknown",
      detail: "check crashed: boom at 3 ms",
      violations: [],
      judged: [],
      notJudged: [],
    });
  });

  it("gives unknown for every real check that crashes on malformed evidence", () => {
    const broken = { meta: pauseDrill().meta, events: null } as unknown as Evidence;
    const results = runChecks(broken);
    expect(results.map((r) => r.verdict)).toEqual(checkIds.map(() => "unknown"));
    expect(results[0]?.detail).toMatch(/^check crashed: /);
  });

  it("is unknown, never a pass, on empty evidence", () => {
    const results = runChecks(history().build());
    expect(results.filter((r) => r.verdict === "pass").map((r) => r.id)).toEqual([]);
    expect(worstVerdict(results.map((r) => r.verdict))).toBe("unknown");
  });

  it("worstVerdict: fail > unknown > pass; nothing decides nothing", () => {
    expect(worstVerdict(["pass", "unknown", "fail"])).toBe("fail");
    expect(worstVerdict(["pass", "unknown"])).toBe("unknown");
    expect(worstVerdict(["pass"])).toBe("pass");
    expect(worstVerdict([])).toBe("unknown");
  });

  it("flattens metrics, prefixing a name two checks share", () => {
    const summary = summarizeMetrics(runChecks(pauseDrill().build()));
    expect(summary).toMatchObject({
      takeoverMs: 1_000,
      failoverFromFaultMs: 10_000,
      leaderlessGapMs: 12_099,
      drainMs: 2_000,
    });
    const clash = summarizeMetrics([
      { id: "x", verdict: "pass", detail: "", violations: [], metrics: { n: 1 } },
      { id: "y", verdict: "pass", detail: "", violations: [], metrics: { n: 2 } },
    ]);
    expect(clash).toEqual({ n: 1, "y.n": 2 });
  });
});
