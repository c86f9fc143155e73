import { describe, expect, it } from "vitest";
import { FULL_CAPABILITIES } from "./context.ts";
import { noDuplicateDelivery as check } from "./no-duplicate-delivery.ts";
import { history, pauseDrill } from "./testing.ts";

describe("no-duplicate-delivery", () => {
  it("passes the pause drill: forward-marks do not count as deliveries", () => {
    expect(check.run(pauseDrill().build())).toMatchObject({
      verdict: "pass",
      metrics: { deliveries: 3, duplicates: 0 },
    });
  });

  it("fails when the new leader re-delivers an event the old leader already delivered", () => {
    const r = check.run(
      pauseDrill().effect("fwd-b", 17_120, 2, "evt-2").effect("fwd-a", 22_010, null, "evt-2").build(),
    );
    expect(r.verdict).toBe("fail");
    expect(r.detail).toBe(
      "delivery of evt-2 accepted 3 times: fwd-a (epoch 1) at +5010 ms, fwd-b (epoch 2) at +17120 ms, fwd-a (epoch none) at +22010 ms",
    );
    expect(r.violations[0]?.deliveries).toHaveLength(3);
    expect(r.metrics).toEqual({ deliveries: 5, duplicates: 2 });
  });

  it("is unknown when an outbox-forwarder ran but no delivery was recorded", () => {
    expect(check.run(history().acquire("fwd-a", 1, 0).build()).verdict).toBe("unknown");
  });

  it("is unknown, never a pass, when the profile marks no effect unique", () => {
    const e = pauseDrill({
      profile: {
        name: "no-unique",
        source: "test",
        capabilities: { ...FULL_CAPABILITIES, uniqueEffects: false },
      },
    }).build();
    expect(check.run(e)).toMatchObject({
      verdict: "unknown",
      detail: expect.stringMatching(/marks no effects table unique/),
    });
  });

  it("judges every unique effect type on its own: a sweep and a delivery of the same id are two items", () => {
    const e = pauseDrill().effect("fwd-b", 17_200, 2, "evt-1", "sweep").build();
    const ev = {
      ...e,
      events: e.events.map((x) => (x.kind === "effect" && x.type === "sweep" ? { ...x, unique: true } : x)),
    };
    expect(check.run(ev).verdict).toBe("pass");
  });
});
