import { describe, expect, it } from "vitest";
import { LOG_MSG } from "./logs.ts";
import { takeoverWithinTtl as check } from "./takeover-within-ttl.ts";
import { history, pauseDrill } from "./testing.ts";

describe("takeover-within-ttl", () => {
  it("passes the pause drill and measures takeover, failover and leaderless gap", () => {
    const r = check.run(pauseDrill().build());
    expect(r.verdict).toBe("pass");
    // expiry 16 s -> fwd-b at 17 s; pause from 7 s; fwd-a's last item 5.001 s -> fwd-b's batch 17.1 s
    expect(r.metrics).toEqual({ takeoverMs: 1_000, failoverFromFaultMs: 10_000, leaderlessGapMs: 12_099 });
    expect(r.detail).toBe(
      "1 takeover(s), slowest 1000 ms after expiry (ttl 10000 ms); failover 10000 ms from fault start",
    );
  });

  it("fails no-takeover: fwd-a expires and nobody acquires", () => {
    const e = pauseDrill()
      .without((x) => x.kind === "lease-change" && x.holder === "fwd-b")
      .build();
    const r = check.run(e);
    expect(r.verdict).toBe("fail");
    expect(r.detail).toBe(
      "nobody acquired outbox-forwarder after fwd-a's epoch 1 expired at 12:00:16.000: no takeover in 24000 ms (ttl 10000 ms)",
    );
    expect(r.violations[0]).toMatchObject({ worker: "fwd-a", epoch: 1, noTakeoverForMs: 24_000 });
    expect(r.metrics?.takeoverMs).toBeNull();
  });

  it("fails a takeover slower than ttl", () => {
    const e = history().acquire("fwd-a", 1, 0).acquire("fwd-b", 2, 21_000).build();
    const r = check.run(e);
    expect(r.violations[0]).toMatchObject({ takeoverMs: 11_000, nextHolder: "fwd-b" });
  });

  it("counts the same worker re-acquiring with a new epoch as a takeover", () => {
    const e = history()
      .acquire("fwd-a", 1, 0)
      .batch("fwd-a", 100, 1)
      .acquire("fwd-a", 2, 12_000)
      .renewEvery("fwd-a", 2, 15_000, 40_000, 3_000)
      .log("fwd-a", 12_100, LOG_MSG.batchStarted, 2)
      .build();
    expect(check.run(e)).toMatchObject({
      verdict: "pass",
      metrics: { takeoverMs: 2_000, leaderlessGapMs: 12_000 },
    });
  });

  it("passes when no lease expired, even with a fault injected", () => {
    const e = history()
      .acquire("fwd-a", 1, 0)
      .renewEvery("fwd-a", 1, 3_000, 40_000, 3_000)
      .fault("latency", "fwd-a", 5_000, 8_000)
      .build();
    expect(check.run(e)).toMatchObject({
      verdict: "pass",
      detail: "no lease expired during the run (nothing to take over)",
      metrics: { takeoverMs: null, failoverFromFaultMs: null, leaderlessGapMs: null },
    });
  });

  it("does not judge an expiry within the last ttl of observation, nor a released term", () => {
    const late = history().acquire("fwd-a", 1, 25_000).build();
    expect(check.run(late).verdict).toBe("pass");
    const released = history().acquire("fwd-a", 1, 0).release("fwd-a", 1, 1_000).build();
    expect(check.run(released).detail).toBe("no lease expired during the run (nothing to take over)");
  });

  it("is unknown without lease history", () => {
    expect(check.run(history().build()).verdict).toBe("unknown");
  });
});
