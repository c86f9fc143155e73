import { describe, expect, it } from "vitest";
import { fencedEffectsWithinTerm as check } from "./fenced-effects-within-term.ts";
import { history, pauseDrill } from "./testing.ts";

describe("fenced-effects-within-term", () => {
  it("passes the pause drill, reporting the stale write the sink rejected", () => {
    const r = check.run(pauseDrill().refused("fwd-a", 22_010, 1, "evt-4").build());
    expect(r.verdict).toBe("pass");
    expect(r.metrics).toEqual({
      effectsChecked: 4,
      staleEffectsAccepted: 0,
      unfencedEffects: 0,
      refusedEffects: 1,
    });
  });

  it("fails no-fencing: an effect without an epoch after the worker's term ended", () => {
    const r = check.run(pauseDrill().effect("fwd-a", 22_010, null, "evt-4").build());
    expect(r.verdict).toBe("fail");
    expect(r.detail).toBe(
      "worker fwd-a's delivery of evt-4 was accepted without an epoch at +22010 ms, 6010 ms past expiry (expires_at 12:00:16.000 UTC)",
    );
    expect(r.violations[0]).toMatchObject({
      worker: "fwd-a",
      epoch: null,
      msPastExpiry: 6_010,
      unfenced: true,
    });
    expect(r.metrics).toMatchObject({ staleEffectsAccepted: 1, unfencedEffects: 1 });
  });

  it("passes an unfenced effect that lies inside a term of its worker (counted, not failed)", () => {
    const r = check.run(pauseDrill().effect("fwd-a", 2_000, null, "evt-9").build());
    expect(r.verdict).toBe("pass");
    expect(r.metrics?.unfencedEffects).toBe(1);
  });

  it("fails a stale epoch accepted after the takeover", () => {
    const r = check.run(pauseDrill().effect("fwd-a", 22_010, 1, "evt-4", "forward-mark").build());
    expect(r.violations[0]).toMatchObject({ epoch: 1, msPastExpiry: 6_010, effectType: "forward-mark" });
  });

  it("fails an effect after an early takeover, by ms past the term's end", () => {
    const e = history()
      .acquire("fwd-a", 1, 0)
      .acquire("fwd-b", 2, 4_000)
      .effect("fwd-a", 4_500, 1, "evt-1")
      .build();
    expect(check.run(e).violations[0]).toMatchObject({ msPastEnd: 500 });
  });

  it("fails an epoch that never had a term", () => {
    const r = check.run(history().acquire("fwd-a", 1, 0).effect("fwd-a", 10, 7, "evt-1").build());
    expect(r.detail).toMatch(/no term \(fwd-a, 7\) exists/);
  });

  it("is unknown without effects or without lease history", () => {
    expect(check.run(history().acquire("fwd-a", 1, 0).build()).verdict).toBe("unknown");
    expect(check.run(history().effect("fwd-a", 10, 1, "evt-1").build()).verdict).toBe("unknown");
  });
});
