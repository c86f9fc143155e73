import { describe, expect, it } from "vitest";
import { singleLeader as check } from "./single-leader.ts";
import { history, pauseDrill } from "./testing.ts";

describe("single-leader", () => {
  it("passes the pause drill: fwd-b acquires after fwd-a's expiry", () => {
    expect(check.run(pauseDrill().build())).toMatchObject({ verdict: "pass", metrics: { maxOverlapMs: 0 } });
  });

  it("fails steal-unexpired: fwd-b acquires 3 s before fwd-a's expires_at", () => {
    const e = history().acquire("fwd-a", 1, 0).renew("fwd-a", 1, 3_000).acquire("fwd-b", 2, 10_000).build();
    const r = check.run(e);
    expect(r.verdict).toBe("fail");
    expect(r.detail).toBe(
      "fwd-b acquired outbox-forwarder with epoch 2 at +10000 ms while fwd-a's epoch 1 was still granted until 12:00:13.000 UTC: 3000 ms overlap",
    );
    expect(r.violations[0]).toMatchObject({
      worker: "fwd-b",
      epoch: 2,
      previousHolder: "fwd-a",
      overlapMs: 3_000,
    });
    expect(r.metrics?.maxOverlapMs).toBe(3_000);
  });

  it("passes a takeover right after a release, before the released term's expires_at", () => {
    const e = history().acquire("fwd-a", 1, 0).release("fwd-a", 1, 2_000).acquire("fwd-b", 2, 2_001).build();
    expect(check.run(e).verdict).toBe("pass");
  });

  it("fails epochs that do not increase", () => {
    const e = history().acquire("fwd-a", 2, 0).acquire("fwd-b", 2, 11_000).build();
    expect(check.run(e).detail).toMatch(/with epoch 2, not above fwd-a's epoch 2/);
  });

  it("is unknown without lease history", () => {
    expect(check.run(history().batch("fwd-a", 1, 1).build()).verdict).toBe("unknown");
  });
});
