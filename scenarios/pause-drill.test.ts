import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { runScenario } from "../harness/run/run-scenario.ts";
import { pauseDrill } from "./pause-drill.ts";
import "./support/matchers.ts";

// A short ttl keeps the drill quick; every wait inside it is for evidence with a deadline.
const TTL_MS = 2_000;
const SEED = 20261128;
const reportRoot = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-test-reports-"));
afterAll(() => fs.rmSync(reportRoot, { recursive: true, force: true }));

function drill(bug: string | null) {
  return runScenario(pauseDrill, {
    ttlMs: TTL_MS,
    bug,
    seed: SEED,
    reportDir: path.join(reportRoot, bug ?? "reference"),
  });
}

describe("pause drill (F1): pause the outbox-forwarder leader past ttlMs, unpause", () => {
  test("the reference worker logs 'lease expired locally' first, the standby takes over, every invariant holds", async () => {
    const result = await drill(null);
    expect(result).toPassEveryCheck();
    const logs = result.evidence.events.filter((e) => e.kind === "worker-log");
    expect(logs.some((e) => e.msg === "lease expired locally; skip batch until renewed")).toBe(true);
    expect(result.checks.find((c) => c.id === "takeover-within-ttl")?.detail).toMatch(/^1 takeover\(s\)/);
    expect(result.metrics.takeoverMs).not.toBeNull();
    expect(result.metrics.takeoverMs ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(TTL_MS);
  });

  // Negative controls: each bug the pause can expose fails exactly the check that names it.
  test.each([
    ["no-takeover", "takeover-within-ttl"],
    ["steal-unexpired", "single-leader"],
  ])("bug %s is caught by %s", async (bug, check) => {
    const result = await drill(bug);
    expect(result).toHaveCheckVerdict(check, "fail");
    expect(result.verdict).toBe("fail");
  });

  test("bug cached-leader is caught by no-batch-after-local-expiry, naming the paused worker, epoch and ms past expiry", async () => {
    const result = await drill("cached-leader");
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
