import { describe, expect, it } from "vitest";
import { LOG_MSG } from "./logs.ts";
import { takeoverWithinTtl as check } from "./takeover-within-ttl.ts";
import { history, pauseDrill } from "./testing.ts";

// ttl 10 000 ms in the synthetic histories: a takeover is due within 15 000 ms of the last grant.
describe("takeover-within-ttl", () => {
  it("passes the pause drill and measures failover from the last grant, takeover, and the leaderless gap", () => {
    const r = check.run(pauseDrill().build());
    expect(r.verdict).toBe("pass");
    // last grant 6 s, expiry 16 s -> fwd-b at 17 s; pause from 7 s; fwd-a's last item 5.001 s -> fwd-b's batch 17.1 s
    expect(r.metrics).toEqual({
      takeoverMs: 1_000,
      failoverMs: 11_000,
      failoverFromFaultMs: 10_000,
      leaderlessGapMs: 12_099,
      grantsChecked: 11,
    });
    expect(r.detail).toMatch(
      /^1 takeover\(s\), slowest 11000 ms after the holder's last grant \(bound ttl 10000 \+ 5000 ms\), 1000 ms after expiry; 10000 ms from the fault's start/,
    );
  });

  it("fails no-takeover: fwd-a stops renewing and nobody acquires", () => {
    const e = pauseDrill()
      .without((x) => x.kind === "lease-change" && x.holder === "fwd-b")
      .build();
    const r = check.run(e);
    expect(r.verdict).toBe("fail");
    expect(r.detail).toBe(
      "nobody acquired outbox-forwarder after fwd-a's last grant (epoch 1) at +6000 ms: no takeover in 34000 ms (bound 15000 ms = ttl + 5000 ms)",
    );
    expect(r.violations[0]).toMatchObject({ worker: "fwd-a", epoch: 1, noTakeoverForMs: 34_000 });
  });

  it("fails a takeover slower than ttl + allowance after the last grant", () => {
    const e = history().acquire("fwd-a", 1, 0).acquire("fwd-b", 2, 21_000).build();
    const r = check.run(e);
    expect(r.violations[0]).toMatchObject({ failoverMs: 21_000, takeoverMs: 11_000, nextHolder: "fwd-b" });
  });

  it("fails lease-too-long: a grant longer than the worker's ttl, however prompt the takeover after it", () => {
    const e = history().acquire("fwd-a", 1, 0, 25_000).acquire("fwd-b", 2, 25_500).build();
    const r = check.run(e);
    expect(r.verdict).toBe("fail");
    expect(r.detail).toMatch(
      /^2 violations; first: fwd-a was granted outbox-forwarder \(epoch 1\) at \+0 ms until 12:00:25\.000 UTC: 25000 ms, longer than its ttl 10000 ms/,
    );
    expect(r.violations[1]).toMatchObject({ failoverMs: 25_500 });
  });

  it("judges each worker's grants by its own ttl (a rolling deploy with a longer one)", () => {
    const e = history({
      workers: [
        { id: "fwd-a", leaseName: "outbox-forwarder", role: "outbox-forwarder", bug: null, ttlMs: 15_000 },
        { id: "fwd-b", leaseName: "outbox-forwarder", role: "outbox-forwarder", bug: null },
      ],
    })
      .acquire("fwd-a", 1, 0, 15_000)
      .acquire("fwd-b", 2, 16_000)
      .renewEvery("fwd-b", 2, 19_000, 40_000, 3_000)
      .build();
    expect(check.run(e).verdict).toBe("pass");
  });

  it("does not judge a takeover while every standby was silenced by a fault", () => {
    const e = history()
      .acquire("fwd-a", 1, 0)
      .fault("process-pause", "fwd-b", 5_000, 30_000)
      .acquire("fwd-b", 2, 30_100)
      .build();
    const r = check.run(e);
    expect(r.verdict).toBe("pass");
    expect(r.detail).toMatch(/1 takeover\(s\) not judged \(every standby under a fault\)/);
  });

  it("does not judge a takeover while a standby's replies were lost (it could not complete an acquire)", () => {
    const e = history()
      .acquire("fwd-a", 1, 0)
      .fault("reply-lost", "fwd-b", 8_000, 30_000)
      .acquire("fwd-b", 2, 30_100)
      .build();
    const r = check.run(e);
    expect(r.verdict).toBe("pass");
    expect(r.detail).toMatch(/not judged/);
    // A tolerable fault on the standby does not excuse a late takeover.
    const slow = history()
      .acquire("fwd-a", 1, 0)
      .fault("latency", "fwd-b", 8_000, 30_000, { tolerable: true })
      .acquire("fwd-b", 2, 30_100)
      .build();
    expect(check.run(slow).verdict).toBe("fail");
  });

  it("does not judge a takeover that waited on a fault holding the lease's row (lease-row-lock)", () => {
    // fwd-a's row locked 1-25 s: it lapses at 10 s, and nobody can acquire until the lock goes.
    const e = history()
      .acquire("fwd-a", 1, 0)
      .fault("lease-row-lock", "fwd-a", 1_000, 25_000, { holdsLease: true })
      .acquire("fwd-b", 2, 25_050)
      .build();
    const r = check.run(e);
    expect(r.verdict).toBe("pass");
    expect(r.detail).toMatch(/1 takeover\(s\) not judged \(the lease's row held by a fault\)/);
  });

  it("does not judge a lapse in a same-identity successor's hold-off; judges one after it", () => {
    // fwd-a frozen at 1 s, its standbys held off until the successor (itself paused by another
    // fault) takes epoch 2 at 21 s: the lapse at 10 s waited on the harness (explore, seed 7000086).
    const successor = (injectedAfterMs: number) => {
      const e = history()
        .acquire("fwd-a", 1, 0)
        .fault("same-identity-successor", "fwd-a", 1_000, 30_000, { silences: true })
        .acquire("fwd-a", 2, 21_000)
        .acquire("fwd-b", 3, 32_000)
        .build();
      const f = e.events.find((x) => x.kind === "fault");
      if (f?.kind === "fault") f.injectedAt = f.start + injectedAfterMs;
      return check.run(e);
    };
    const held = successor(20_000);
    expect(held.verdict).toBe("pass");
    expect(held.detail).toMatch(/1 takeover\(s\) not judged/);
    // The hold-off ended at 5 s, before the lapse: nothing kept fwd-b from taking over on time.
    expect(successor(4_000).verdict).toBe("fail");
  });

  it("judges a slow takeover when the lock held another lease's row, or ended before the lapse", () => {
    const other = history()
      .acquire("fwd-a", 1, 0)
      .fault("lease-row-lock", "swp-a", 1_000, 25_000, { holdsLease: true })
      .acquire("fwd-b", 2, 25_050)
      .build();
    other.meta.workers = [
      ...other.meta.workers,
      { id: "swp-a", leaseName: "ttl-sweeper", role: "ttl-sweeper", bug: null },
    ];
    expect(check.run(other).verdict).toBe("fail");
    const before = history()
      .acquire("fwd-a", 1, 0)
      .fault("lease-row-lock", "fwd-a", 1_000, 5_000, { holdsLease: true })
      .acquire("fwd-b", 2, 25_050)
      .build();
    expect(check.run(before).verdict).toBe("fail");
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
      metrics: { takeoverMs: 2_000, failoverMs: 12_000, leaderlessGapMs: 12_000 },
    });
  });

  it("passes when no lease lapsed, even with a fault injected", () => {
    const e = history()
      .acquire("fwd-a", 1, 0)
      .renewEvery("fwd-a", 1, 3_000, 40_000, 3_000)
      .fault("latency", "fwd-a", 5_000, 8_000)
      .build();
    expect(check.run(e)).toMatchObject({
      verdict: "pass",
      detail: "14 grant(s) within ttl; no lease lapsed during the run",
      metrics: { takeoverMs: null, failoverFromFaultMs: null, leaderlessGapMs: null },
    });
  });

  it("does not judge a lapse too close to the end of observation, nor a released term", () => {
    const late = history().acquire("fwd-a", 1, 28_000).build();
    expect(check.run(late).verdict).toBe("pass");
    const released = history().acquire("fwd-a", 1, 0).release("fwd-a", 1, 1_000).build();
    expect(check.run(released).detail).toBe("1 grant(s) within ttl; no lease lapsed during the run");
  });

  it("is unknown without lease history", () => {
    expect(check.run(history().build()).verdict).toBe("unknown");
  });
});
