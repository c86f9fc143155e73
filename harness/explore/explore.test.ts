import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { profileJsonSchema } from "../profile/json-schema.ts";
import { referenceProfile } from "../profile/reference.ts";
import type { ExploreSummary } from "./campaign.ts";
import { Coverage, universe } from "./coverage.ts";
import {
  coherent,
  drawCandidates,
  type ExploreSpace,
  makeableClocks,
  scheduleArbitrary,
} from "./generate.ts";
import { mergeCampaigns } from "./merge.ts";
import { availablePrimitives } from "./primitives.ts";
import { clockConflict, scheduleScenario } from "./runner.ts";
import { type FaultEvent, parseSchedule, type Schedule, scheduleJsonSchema, shapeOf } from "./schedule.ts";
import { neighbours, shrinkSchedule } from "./shrink.ts";

const space = async (): Promise<ExploreSpace> => {
  const profile = await referenceProfile();
  return {
    primitives: availablePrimitives(),
    leases: ["outbox-forwarder", "ttl-sweeper"],
    ttlMs: 2_000,
    caps: profile.capabilities,
    maxFaults: 3,
    slowestRate: 0.95,
  };
};

const ev = (fault: FaultEvent["fault"], durationMs: number, extra: Partial<FaultEvent> = {}): FaultEvent => ({
  fault,
  target: "leader",
  at: { afterMs: 0 },
  durationMs,
  params: {},
  ...extra,
});

describe("schedules as data", () => {
  it("a person's schedule gets its defaults; a wrong one names the key path", () => {
    const s = parseSchedule({ faults: [{ fault: "pause", durationMs: 2500 }] });
    expect(s.faults[0]).toEqual({
      fault: "pause",
      target: "leader",
      at: { afterMs: 0 },
      durationMs: 2500,
      params: {},
    });
    expect(() => parseSchedule({ faults: [{ fault: "paws", durationMs: 1 }] })).toThrow(/faults\.0\.fault/);
    expect(() => parseSchedule({ faults: [] })).toThrow(/faults/);
  });

  it("the committed JSON Schemas are the ones the zod schemas give (npm run schema)", () => {
    const read = (f: string) =>
      JSON.parse(fs.readFileSync(fileURLToPath(new URL(`../../schema/${f}`, import.meta.url)), "utf8"));
    expect(read("schedule.schema.json")).toEqual(JSON.parse(JSON.stringify(scheduleJsonSchema())));
    expect(read("lease-chaos.config.schema.json")).toEqual(JSON.parse(JSON.stringify(profileJsonSchema())));
  });
});

describe("the pace of a schedule", () => {
  it("slow-items runs the items at a tenth of the ttl in batches of 4; the steady pace keeps the run's timings", () => {
    const base = { ttlMs: 2_000, itemWorkMs: 10, batchSize: 10 } as Parameters<
      NonNullable<ReturnType<typeof scheduleScenario>["timings"]>
    >[0];
    const slow = scheduleScenario({ version: 1, faults: [ev("stop", 100)], pace: "slow-items" });
    expect(slow.timings?.(base)).toMatchObject({ itemWorkMs: 200, batchSize: 4 });
    expect(scheduleScenario({ version: 1, faults: [ev("stop", 100)] }).timings).toBeUndefined();
    expect(shapeOf({ version: 1, faults: [ev("stop", 100)], pace: "slow-items" })).toBe(
      "stop/leader/time@slow-items",
    );
    const steady = neighbours({ version: 1, faults: [ev("stop", 100)], pace: "slow-items" });
    expect(steady.find((n) => n.what === "at the steady pace")?.schedule.pace).toBeUndefined();
  });
});

describe("clock faults libfaketime can make", () => {
  it("no wall-clock step where every clock is faked, and one clock fault at a time per process", () => {
    const free = { mode: "all" as const, busy: new Set<string>() };
    expect(clockConflict("clock-step", "wall", ["fwd-a"], free)).toMatch(/monotonic clock too/);
    expect(clockConflict("clock-rate", "all", ["fwd-a"], free)).toBeNull();
    const held = { mode: "wall" as const, busy: new Set(["fwd-a"]) };
    expect(clockConflict("clock-step", "wall", ["fwd-a"], held)).toMatch(/fwd-a already has a clock fault/);
    expect(clockConflict("clock-step", "wall", ["fwd-b"], held)).toBeNull();
    expect(clockConflict("pause", undefined, ["fwd-a"], held)).toBeNull();
  });

  it("explore never draws a step beside a rate skew", async () => {
    const arb = scheduleArbitrary({ ...(await space()), primitives: ["clock-step", "clock-rate", "pause"] });
    const drawn = drawCandidates(arb, 5, 200).map((v) => v.value_);
    expect(drawn.every(makeableClocks)).toBe(true);
    expect(drawn.some((s) => s.faults.some((e) => e.fault === "clock-rate"))).toBe(true);
    expect(drawn.some((s) => s.faults.some((e) => e.fault === "clock-step"))).toBe(true);
  });
});

describe("drawing schedules", () => {
  it("the same seed draws the same schedules; every one parses and is coherent", async () => {
    const arb = scheduleArbitrary(await space());
    const a = drawCandidates(arb, 42, 20).map((v) => v.value_);
    const b = drawCandidates(arb, 42, 20).map((v) => v.value_);
    expect(a).toEqual(b);
    for (const s of a) {
      expect(parseSchedule(s)).toEqual(s);
      expect(coherent(s.faults)).toEqual(s.faults);
    }
    // The reference logs its items, so some schedules slow them (a fault on an item finds its batch going on).
    expect(a.some((s) => s.pace === "slow-items")).toBe(true);
    expect(a.some((s) => s.pace === undefined)).toBe(true);
  });

  it("a twin target needs a fault that starts a twin before it; a takeover trigger one that can cause it", () => {
    const lone = coherent([ev("pause", 100, { target: "twin", at: { event: "takeover", delayMs: 30 } })]);
    expect(lone[0]).toMatchObject({ target: "leader", at: { afterMs: 30 } });
    const ok = coherent([
      ev("zombie", 3000),
      ev("kill", 3000),
      ev("pause", 100, { target: "twin", at: { event: "takeover", delayMs: 0 } }),
    ]);
    expect(ok[2]).toMatchObject({ target: "twin", at: { event: "takeover" } });
  });

  it("coverage counts what was hit and prefers schedules with untried, then least-tried, combinations", () => {
    const c = new Coverage(universe(["pause", "outage"]));
    expect(c.all).toContain("pause/leader/mid-batch");
    expect(c.all).toContain("outage/database/database");
    const s: Schedule = { version: 1, faults: [ev("pause", 100)] };
    expect(c.novelty(s)).toBe(2);
    c.record([
      { index: 0, fault: "pause", role: "leader", phase: "leading", targets: ["fwd-a"], firedAt: 1 },
    ]);
    expect(c.novelty(s)).toBe(1 / 2);
    const other: Schedule = { version: 1, faults: [ev("outage", 100, { target: "database" })] };
    expect(c.novelty(other)).toBe(2);
    // An untried combination beside a tried one scores below the untried one alone: never size for its own sake.
    const both: Schedule = {
      version: 1,
      faults: [ev("pause", 100), ev("outage", 100, { target: "database" })],
    };
    expect(c.novelty(both)).toBeLessThan(c.novelty(other));
    expect(c.novelty(both)).toBeGreaterThan(c.novelty(s));
    c.record([
      { index: 1, fault: "pause", role: "leader", phase: "leading", targets: ["fwd-a"], firedAt: 2 },
    ]);
    expect(c.novelty(s)).toBe(1 / 3);
    // Three keys tried once each weigh no more than one tried once.
    const three: Schedule = {
      version: 1,
      faults: [
        ev("pause", 100),
        ev("pause", 100, { target: "standby" }),
        ev("outage", 100, { target: "database" }),
      ],
    };
    for (const [fault, role, phase] of [
      ["pause", "standby", "standby"],
      ["outage", "database", "database"],
    ] as const)
      c.record([{ index: 2, fault, role, phase, targets: ["fwd-b"], firedAt: 3 }]);
    const once: Schedule = { version: 1, faults: [ev("outage", 100, { target: "database" })] };
    expect(c.novelty(three)).toBeLessThanOrEqual(c.novelty(once));
    expect(c.summary()).toBe(`3/${c.all.length} combinations tried`);
  });
});

describe("shrinking", () => {
  // A stand-in for a worker whose bug shows under a pause of at least 1 s while a latency is on:
  // the shrinker must drop everything else and bring both durations down to what still fails.
  const fails = (s: Schedule) =>
    s.faults.some((e) => e.fault === "pause" && e.durationMs >= 1_000) &&
    s.faults.some((e) => e.fault === "latency");

  it("ends at a schedule from which no single fault can be removed or shortened, flaky tries and all", async () => {
    const arb = scheduleArbitrary({ ...(await space()), maxFaults: 6 });
    const start = drawCandidates(arb, 7, 400).find((v) => fails(v.value_) && v.value_.faults.length >= 3);
    expect(start).toBeDefined();
    let calls = 0;
    const result = await shrinkSchedule(
      start as NonNullable<typeof start>,
      arb,
      "single-leader",
      async (s) => {
        calls += 1;
        // Fails only every other time, as timing makes real failures flaky: k = 3 tries catch it.
        return { applied: true, failed: fails(s) && calls % 2 === 0 ? ["single-leader"] : [] };
      },
      { tries: 3, maxCandidates: 2_000, deadline: Date.now() + 60_000 },
    );
    expect(result.minimal).toBe(true);
    expect(result.schedule.faults.map((e) => e.fault).sort()).toEqual(["latency", "pause"]);
    const pause = result.schedule.faults.find((e) => e.fault === "pause") as FaultEvent;
    expect(pause.durationMs).toBeGreaterThanOrEqual(1_000);
    expect(pause.durationMs).toBeLessThan(1_334);
    expect(fails(result.schedule)).toBe(true);
    // The pace does not matter to this failure: the shrunk schedule runs at the steady one.
    expect(result.schedule.pace).toBeUndefined();
    // Every neighbour passes: that is what minimal means.
    for (const n of neighbours(result.schedule)) expect(fails(n.schedule), n.what).toBe(false);
    expect(shapeOf(result.schedule)).toMatch(/^latency\/.*\+pause\//);
  });

  it("a run whose faults did not all apply never counts as failing", async () => {
    const arb = scheduleArbitrary(await space());
    const [start] = drawCandidates(arb, 3, 1);
    const result = await shrinkSchedule(
      start as NonNullable<typeof start>,
      arb,
      "single-leader",
      async () => ({ applied: false, failed: ["single-leader"] }),
      { tries: 2, maxCandidates: 10, deadline: Date.now() + 10_000 },
    );
    expect(result.steps).toBe(0);
    expect(result.schedule).toEqual(start?.value_);
  });
});

describe("merging explore shards", () => {
  const part = (index: number, count: number, extra: Partial<ExploreSummary> = {}): ExploreSummary => ({
    seed: 5,
    shard: { index, count },
    runs: 2,
    passed: 2,
    noEvidence: 0,
    failedRuns: 0,
    findings: [],
    wallMs: 60_000,
    runsPerMinute: 2,
    firstFailureMs: null,
    coverage: { tried: 1, of: 10, combos: { "pause/leader/leading": index } },
    seeds: [5 + index - 1, 5 + index - 1 + count],
    reportDir: `/r/${index}`,
    ...extra,
  });

  it("adds up the shards of one campaign; coverage is their union", () => {
    const m = mergeCampaigns([part(1, 2), part(2, 2)]);
    expect(m).toMatchObject({
      runs: 4,
      passed: 4,
      seeds: [5, 6, 7, 8],
      coverage: { combos: { "pause/leader/leading": 3 } },
    });
  });

  it("a shard missing or given twice is an incomplete campaign, named", () => {
    expect(() => mergeCampaigns([part(1, 2)])).toThrow(/missing 2\/2/);
    expect(() => mergeCampaigns([part(1, 3), part(1, 3), part(3, 3)])).toThrow(
      /missing 2\/3 given twice 1\/3/,
    );
    expect(() => mergeCampaigns([part(1, 2), { ...part(2, 2), seed: 9 }])).toThrow(/different seeds/);
  });
});
