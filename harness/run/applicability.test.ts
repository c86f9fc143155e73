import { describe, expect, it } from "vitest";
import { catalogue } from "../../scenarios/index.ts";
import { runsVerdict } from "../checks/registry.ts";
import { parseProfile } from "../profile/load.ts";
import { referenceProfile } from "../profile/reference.ts";
import { applicability } from "./applicability.ts";

// A worker of another shape than ours: one role, text logs, a batch line and no item line, effects
// but no refusals table, no enqueue.
const itemless = (extra: { batch?: "atomic"; refused?: boolean; enqueue?: boolean; clock?: "none" } = {}) =>
  parseProfile(
    {
      logs: { format: "text", pattern: "^(?<message>.*)$" },
      lines: {
        itemStarted: null,
        batchStarted: "forward_batch begin",
        ...(extra.refused ? { refused: { regex: "fenced" } } : {}),
      },
      roles: {
        fwd: {
          local: { command: "/bin/true" },
          env: { PORT: "{{pg.port}}", ID: "{{workloadId}}" },
          ...(extra.clock ? { clockFaults: extra.clock } : {}),
          work: {
            ...(extra.enqueue ? { enqueue: "SELECT $1" } : {}),
            ...(extra.batch ? { batch: extra.batch } : {}),
            effects: [{ table: "deliveries", item: "id", worker: "by", epoch: "epoch", unique: true }],
          },
        },
      },
    },
    "itemless.json",
    "/tmp",
  );

const status = (profile: ReturnType<typeof itemless>) =>
  Object.fromEntries(
    catalogue(profile).map((e) => [e.name, applicability(e.scenario, profile, e.lease)] as const),
  );

describe("whether a scenario can apply to a profile", () => {
  it("the reference worker runs every scenario of its catalogue", async () => {
    const p = await referenceProfile();
    for (const [name, a] of Object.entries(status(p))) expect(a.status, name).not.toBe("skipped");
  });

  it("an item-less worker skips the item scenarios, naming what they need; the others run", () => {
    const s = status(itemless());
    expect(s["lease-lost-mid-batch"]).toMatchObject({ status: "skipped" });
    expect(s["lease-lost-mid-batch"]?.needs.map((n) => n.entry)).toEqual([
      "roles.fwd.work.enqueue",
      "lines.itemStarted (or roles.*.work.batch: atomic with lines.batchStarted)",
    ]);
    expect(s["stale-holder-after-takeover"]?.needs.map((n) => n.entry)).toContain(
      "roles.fwd.work.refusals or lines.refused",
    );
    expect(s["pause-drill"]?.status).not.toBe("skipped");
    expect(s["leader-killed"]?.status).not.toBe("skipped");
  });

  it("an atomic batch and a refusal line let the item scenarios run, degraded and saying how", () => {
    const s = status(itemless({ batch: "atomic", refused: true, enqueue: true }));
    const mid = s["lease-lost-mid-batch"];
    expect(mid?.status).toBe("degraded");
    expect(mid?.degraded[0]).toMatch(/atomic: the pause lands right after the batch line/);
    expect(s["stale-holder-after-takeover"]?.status).toBe("degraded");
    expect(s["graceful-restart-mid-item"]?.status).toBe("degraded");
  });

  it("a runtime libfaketime cannot drive skips the clock scenarios", () => {
    const s = status(itemless({ clock: "none" }));
    expect(s["clock-step"]?.needs[0]?.entry).toBe("roles.fwd.clockFaults: wall");
    expect(s["clock-rate-skew"]?.needs[0]?.entry).toBe("roles.fwd.clockFaults: all");
    expect(status(itemless())["clock-rate-skew"]?.status).not.toBe("skipped");
  });

  it("skipped runs count for nothing in a verdict, and nothing judged is never a pass", () => {
    expect(runsVerdict(["pass", "skipped"])).toBe("pass");
    expect(runsVerdict(["skipped", "fail"])).toBe("fail");
    expect(runsVerdict(["skipped", "skipped"])).toBe("unknown");
    expect(runsVerdict([])).toBe("unknown");
  });
});
