import { describe, expect, it } from "vitest";
import { LOG_MSG } from "./logs.ts";
import { noBatchAfterLocalExpiry as check } from "./no-batch-after-local-expiry.ts";
import { history, pauseDrill } from "./testing.ts";

const isWarn = (e: { kind: string; msg?: string }) =>
  e.kind === "worker-log" && e.msg === LOG_MSG.expiredLocally;

describe("no-batch-after-local-expiry", () => {
  it("passes the pause drill done right: warn on resume, standby leads", () => {
    const r = check.run(pauseDrill().build());
    expect(r).toMatchObject({ verdict: "pass", violations: [], metrics: { maxMsPastExpiry: 0 } });
  });

  it("fails cached-leader: a batch with epoch 1 after the database's expiry", () => {
    const r = check.run(pauseDrill().without(isWarn).batch("fwd-a", 22_005, 1).build());
    expect(r.verdict).toBe("fail");
    expect(r.detail).toBe(
      "worker fwd-a started a batch with epoch 1 at +22005 ms, 6005 ms past expiry (expires_at 12:00:16.000)",
    );
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toMatchObject({
      worker: "fwd-a",
      epoch: 1,
      msPastExpiry: 6_005,
      notWarnedFirst: true,
      lines: [{ msg: "batch started", epoch: 1, workload_id: "fwd-a" }],
    });
    expect(r.metrics?.maxMsPastExpiry).toBe(6_005);
  });

  it("fails cached-leader that did no work: it learned of the loss without ever warning", () => {
    const r = check.run(pauseDrill().without(isWarn).log("fwd-a", 22_003, LOG_MSG.leaseLost, 1).build());
    expect(r.verdict).toBe("fail");
    expect(r.violations[0]).toMatchObject({ worker: "fwd-a", notWarnedFirst: true, termEpoch: 1 });
    expect(r.detail).toMatch(
      /logged "lease lost" at \+22003 ms, 6003 ms past expiry: its term \(epoch 1\) expired/,
    );
  });

  it("accepts lease lost after the warning", () => {
    const r = check.run(pauseDrill().log("fwd-a", 22_004, LOG_MSG.leaseLost, 1).build());
    expect(r.verdict).toBe("pass");
  });

  it("fails gate-once-per-batch: an item started after expiry inside a batch begun in time", () => {
    const e = pauseDrill()
      .without(isWarn)
      .batch("fwd-a", 6_900, 1)
      .log("fwd-a", 6_950, LOG_MSG.itemStarted, 1)
      .log("fwd-a", 22_004, LOG_MSG.itemStarted, 1)
      .build();
    const r = check.run(e);
    expect(r.verdict).toBe("fail");
    expect(r.detail).toMatch(/started an item with epoch 1 at \+22004 ms, 6004 ms past expiry/);
  });

  it("fails a stale LEADER claim for the expired epoch (no fresh acquire)", () => {
    const r = check.run(pauseDrill().without(isWarn).log("fwd-a", 22_003, LOG_MSG.leader, 1).build());
    expect(r.verdict).toBe("fail");
    expect(r.violations[0]).toMatchObject({ worker: "fwd-a", epoch: 1, msPastExpiry: 6_003 });
  });

  it("fails when the first line after expiry is not the warning, even if the warning comes later", () => {
    const e = pauseDrill().log("fwd-a", 22_001, LOG_MSG.leader).build();
    const r = check.run(e);
    expect(r.verdict).toBe("fail");
    expect(r.violations[0]).toMatchObject({ notWarnedFirst: true, termEpoch: 1 });
  });

  it("accepts a warning logged at the local deadline, before the database's expiry", () => {
    const e = pauseDrill()
      .without(isWarn)
      .log("fwd-a", 14_100, LOG_MSG.expiredLocally, 1)
      .log("fwd-a", 16_500, LOG_MSG.expiredLocally, 1)
      .build();
    expect(check.run(e).verdict).toBe("pass");
  });

  it("accepts a fresh acquire as the first line after expiry", () => {
    const e = history()
      .acquire("fwd-a", 1, 0)
      .batch("fwd-a", 100, 1)
      .acquire("fwd-a", 2, 12_000)
      .log("fwd-a", 12_002, LOG_MSG.leader, 2)
      .batch("fwd-a", 12_010, 2)
      .build();
    expect(check.run(e).verdict).toBe("pass");
  });

  it("fails work under an epoch the worker never held", () => {
    const r = check.run(history().acquire("fwd-a", 1, 0).batch("fwd-a", 100, 5).build());
    expect(r.verdict).toBe("fail");
    expect(r.detail).toMatch(/no term \(fwd-a, 5\)/);
  });

  it("counts several violations in the detail", () => {
    const r = check.run(
      pauseDrill().without(isWarn).batch("fwd-a", 22_005, 1).batch("fwd-a", 23_000, 1).build(),
    );
    expect(r.detail).toMatch(/^2 violations; first: worker fwd-a started a batch with epoch 1 at \+22005 ms/);
    expect(r.metrics?.maxMsPastExpiry).toBe(7_000);
  });

  // Judgement call kept visible: a lease stolen before its expiry makes the old holder's in-deadline
  // work fall outside its term too (DESIGN: a term ends at the next acquisition).
  it("flags work after an early takeover as past the term's end, not past expiry", () => {
    const e = history().acquire("fwd-a", 1, 0).acquire("fwd-b", 2, 4_000).batch("fwd-a", 5_000, 1).build();
    const r = check.run(e);
    expect(r.verdict).toBe("fail");
    expect(r.violations[0]).toMatchObject({ msPastEnd: 1_000 });
    expect(r.violations[0]?.msPastExpiry).toBeUndefined();
  });

  it("is unknown without log lines or without lease history", () => {
    expect(check.run(history().acquire("fwd-a", 1, 0).build()).verdict).toBe("unknown");
    expect(check.run(history().batch("fwd-a", 10, 1).build()).verdict).toBe("unknown");
  });
});
