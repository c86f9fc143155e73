import { describe, expect, test } from "vitest";
import { LOG_MSG } from "../harness/checks/logs.ts";
import { runEntry, TTL_MS } from "./support/suite.ts";

// A short ttl keeps the drill quick; every wait inside it is for evidence with a deadline.
describe("pause drill (F1): pause the outbox-forwarder leader past ttlMs, unpause", () => {
  test("the reference worker logs 'lease expired locally' first, the standby takes over, every invariant holds", async () => {
    const result = await runEntry("pause-drill", null);
    expect(result).toPassEveryCheck();
    const logs = result.evidence.events.filter((e) => e.kind === "worker-log");
    expect(logs.some((e) => e.msg === LOG_MSG.expiredLocally)).toBe(true);
    expect(result.checks.find((c) => c.id === "takeover-within-ttl")?.detail).toMatch(/^1 takeover\(s\)/);
    // Tolerance: a takeover within ttl + ttl/2 of the holder's last grant (the check's bound).
    expect(result.metrics.failoverMs ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(1.5 * TTL_MS);
    expect(result.premises?.every((p) => p.held)).toBe(true);
  });

  // Negative controls: each bug the pause can expose fails exactly the check that names it.
  test.each([
    ["no-takeover", "takeover-within-ttl"],
    ["steal-unexpired", "single-leader"],
  ] as const)("bug %s is caught by %s", async (bug, check) => {
    const result = await runEntry("pause-drill", bug);
    expect(result).toHaveCheckVerdict(check, "fail");
    expect(result.verdict).toBe("fail");
  });

  test("bug cached-leader is caught by no-batch-after-local-expiry, naming the paused worker, epoch and ms past expiry", async () => {
    const result = await runEntry("pause-drill", "cached-leader");
    expect(result).toHaveCheckVerdict("no-batch-after-local-expiry", "fail");
    const paused = result.evidence.events.find((e) => e.kind === "fault");
    const check = result.checks.find((c) => c.id === "no-batch-after-local-expiry");
    const violation = check?.violations[0];
    expect(paused?.kind === "fault" && paused.target).toBe(violation?.worker);
    expect(violation?.epoch).toBeTypeOf("number");
    expect(violation?.msPastExpiry).toBeGreaterThan(0);
    expect(check?.detail).toMatch(/epoch \d+.* \d+ ms past expiry/);
  });
});
