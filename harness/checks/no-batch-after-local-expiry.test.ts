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
      "worker fwd-a started a batch with epoch 1 at +22005 ms, 6005 ms past expiry (expires_at 12:00:16.000 UTC)",
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
  // work fall outside its term too (docs/lease-protocol.md: a term ends at the next acquisition).
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

  // The rules issue 9 added: attempts are judged against the safety margin, refused effects count as
  // attempts, and a lapse already warned of before an indeterminate renew commits is correct.
  describe("the safety margin (a correct deadline is at most expires_at - margin)", () => {
    // expires_at 16 000 after the renewal at 6 000; margin 1 000 ms, tolerance 250 ms (ttl / 40).
    it("fails work inside the margin, beyond the tolerance (no-safety-margin)", () => {
      const r = check.run(pauseDrill().batch("fwd-a", 15_500, 1).build());
      expect(r.verdict).toBe("fail");
      expect(r.violations[0]).toMatchObject({
        worker: "fwd-a",
        epoch: 1,
        msIntoMargin: 500,
        safetyMarginMs: 1_000,
      });
      expect(r.detail).toMatch(
        /started a batch with epoch 1 at \+15500 ms, 500 ms before expires_at .*500 ms inside its 1000 ms safety margin/,
      );
    });

    it("accepts work within the tolerance of the margin (log latency)", () => {
      expect(check.run(pauseDrill().batch("fwd-a", 15_200, 1).build()).verdict).toBe("pass");
    });

    it("judges each worker by its own margin (a worker that declares none is held to expires_at only)", () => {
      const e = pauseDrill({
        workers: [
          {
            id: "fwd-a",
            leaseName: "outbox-forwarder",
            role: "outbox-forwarder",
            bug: null,
            safetyMarginMs: 0,
          },
          { id: "fwd-b", leaseName: "outbox-forwarder", role: "outbox-forwarder", bug: null },
        ],
      })
        .batch("fwd-a", 15_900, 1)
        .build();
      expect(check.run(e).verdict).toBe("pass");
    });
  });

  describe("the indeterminate renew (the false alarm seen on real Toxiproxy)", () => {
    // fwd-a's renew times out client-side; its gate warns; the database applies that renew late
    // (expires_at moves on); fwd-b takes over after that expiry; fwd-a did no work, learns the loss.
    const sequence = () =>
      history()
        .acquire("fwd-a", 1, 0)
        .log("fwd-a", 2, LOG_MSG.leader, 1)
        .renew("fwd-a", 1, 3_000)
        .batch("fwd-a", 3_100, 1)
        .fault("latency", "fwd-a", 4_000, 30_000)
        .log("fwd-a", 12_000, LOG_MSG.expiredLocally, 1)
        .renew("fwd-a", 1, 12_500)
        .acquire("fwd-b", 2, 22_600)
        .log("fwd-b", 22_605, LOG_MSG.leader, 2)
        .log("fwd-a", 24_000, LOG_MSG.leaseLost, 1);

    it("passes: the warning came after its last leader line, before the term ended", () => {
      const r = check.run(sequence().build());
      expect(r.verdict, r.detail).toBe("pass");
    });

    it("still fails the same sequence without the warning (a cached gate)", () => {
      const r = check.run(sequence().without(isWarn).build());
      expect(r.verdict).toBe("fail");
      expect(r.violations[0]).toMatchObject({ worker: "fwd-a", notWarnedFirst: true, termEpoch: 1 });
    });
  });

  describe("refused effects are attempts", () => {
    it("passes a refused write whose gate passed inside the term (fencing did its job, the gate was right)", () => {
      const e = pauseDrill()
        .log("fwd-a", 6_900, LOG_MSG.itemStarted, 1, undefined, { item: "evt-7" })
        .refused("fwd-a", 22_010, 1, "evt-7")
        .build();
      const r = check.run(e);
      expect(r.verdict, r.detail).toBe("pass");
      expect(r.metrics).toMatchObject({ refusedAttempts: 1, refusedWithoutGateLine: 0 });
    });

    it("fails the gate of a refused sweep that passed after expiry (sweeper-gate-once)", () => {
      const e = pauseDrill({
        workers: [
          { id: "fwd-a", leaseName: "outbox-forwarder", role: "outbox-forwarder", bug: null },
          { id: "fwd-b", leaseName: "outbox-forwarder", role: "outbox-forwarder", bug: null },
          { id: "sw-a", leaseName: "ttl-sweeper", role: "ttl-sweeper", bug: null },
        ],
      })
        .acquire("sw-a", 1, 0)
        .batch("sw-a", 9_000, 1)
        .log("sw-a", 9_001, LOG_MSG.itemStarted, 1, undefined, { item: "r-1" })
        .log("sw-a", 12_000, LOG_MSG.itemStarted, 1, undefined, { item: "r-2" })
        .refused("sw-a", 12_010, 1, "r-2", "refused-sweep")
        .build();
      const r = check.run(e);
      expect(r.verdict).toBe("fail");
      expect(r.detail).toMatch(
        /worker sw-a started an item with epoch 1 at \+12001|sw-a started an item with epoch 1 at \+12000 ms, 2000 ms past expiry/,
      );
    });

    it("is unknown when a refused attempt has no gate line to judge (never a pass)", () => {
      const e = history()
        .acquire("fwd-a", 1, 0)
        .log("fwd-a", 2, LOG_MSG.leader, 1)
        .refused("fwd-a", 12_000, 1, "evt-9")
        .build();
      const r = check.run(e);
      expect(r.verdict).toBe("unknown");
      expect(r.detail).toMatch(/1 refused effect\(s\) with no gate line before them .*lines\.itemStarted/);
    });
  });

  describe("the new bug variants' evidence", () => {
    it("fails wallclock-deadline: work after expiry once its wall clock was stepped back (lines already corrected)", () => {
      const e = pauseDrill()
        .fault("clock-step", "fwd-a", 6_500, 30_000, { clock: { offsetMs: -10_000, rate: 1, since: 6_500 } })
        .without(isWarn)
        .batch("fwd-a", 22_002, 1)
        .log("fwd-a", 22_003, LOG_MSG.itemStarted, 1)
        .build();
      const r = check.run(e);
      expect(r.verdict).toBe("fail");
      expect(r.violations[0]).toMatchObject({ worker: "fwd-a", epoch: 1, msPastExpiry: 6_002 });
    });

    it("fails release-then-drain: an item started after the worker released its lease", () => {
      const e = history()
        .acquire("fwd-a", 1, 0)
        .batch("fwd-a", 1_000, 1)
        .log("fwd-a", 1_001, LOG_MSG.itemStarted, 1)
        .release("fwd-a", 1, 1_100)
        .log("fwd-a", 1_300, LOG_MSG.itemStarted, 1)
        .build();
      const r = check.run(e);
      expect(r.verdict).toBe("fail");
      expect(r.detail).toMatch(
        /started an item with epoch 1 at \+1300 ms, 200 ms after its term was released/,
      );
    });

    it("fails renewer-flag-in-batch: items go on past the deadline while the renewer is stuck", () => {
      const e = history()
        .acquire("fwd-a", 1, 0)
        .batch("fwd-a", 8_000, 1)
        .log("fwd-a", 8_500, LOG_MSG.itemStarted, 1)
        .log("fwd-a", 9_700, LOG_MSG.itemStarted, 1)
        .log("fwd-a", 10_900, LOG_MSG.itemStarted, 1)
        .build();
      const r = check.run(e);
      expect(r.verdict).toBe("fail");
      expect(r.violations.map((v) => v.msIntoMargin ?? v.msPastExpiry)).toEqual([700, 900]);
    });
  });

  describe("lines without an epoch, and epochs given as strings", () => {
    it("judges a leader line and work without an epoch against the worker's term at that time", () => {
      const e = pauseDrill()
        .without(isWarn)
        .log("fwd-a", 22_001, LOG_MSG.leader)
        .batch("fwd-a", 22_002, undefined as unknown as number)
        .build();
      const r = check.run(e);
      expect(r.verdict).toBe("fail");
      expect(r.violations[0]).toMatchObject({ worker: "fwd-a", epoch: 1 });
    });
  });
});
