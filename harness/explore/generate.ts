// Schedules drawn from a seed, with fast-check's arbitraries: every field of an event is an
// arbitrary whose shrinker moves it toward the simple end (fewer faults, shorter, smaller, the
// first trigger kind and target), so a failing schedule can be shrunk by fast-check's own moves.
// Sizes scale with the ttl: durations up to 2.5 ttl, latencies up to the ttl.
import fc from "fast-check";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { Capabilities } from "../profile/profile.ts";
import { primitiveSpec } from "./primitives.ts";
import type { Phase } from "./runner.ts";
import type { FaultEvent, Primitive, Schedule, TargetRole, TriggerEvent } from "./schedule.ts";

/** What explore may draw from: its primitives, the leases, the ttl, what the profile's lines tell. */
export interface ExploreSpace {
  primitives: Primitive[];
  /** the leases a schedule may aim at (its `lease`) */
  leases: string[];
  ttlMs: number;
  caps: Capabilities;
  maxFaults: number;
  /**
   * the slowest clock rate a correct worker's margin covers (1 - margin / ttl / 2): a slower clock
   * stretches its deadline past what the margin allows, which is no bug of the worker's
   */
  slowestRate: number;
  /**
   * one-way latencies where a renew still succeeds but late, from the workers' own timings: above
   * the round trip they must ride out, under their statement timeout (or renew budget). Deadline
   * bugs (anchoring at the reply, a cached state) show there, not where every renew times out.
   */
  lateReplyMs?: { min: number; max: number };
}

/** The observed events a trigger can wait for on this profile. */
export function triggerEvents(caps: Capabilities): TriggerEvent[] {
  return [
    "became-leader",
    "renewed",
    ...(caps.lines.batchStarted ? (["batch-started"] as const) : []),
    ...(caps.lines.itemStarted ? (["item-started"] as const) : []),
    ...(caps.effects ? (["effect"] as const) : []),
    "before-expiry",
    "takeover",
  ];
}

// Which parameters each primitive reads: the others are dropped, so a schedule stays readable.
const PARAMS: Partial<Record<Primitive, (keyof FaultEvent["params"])[]>> = {
  latency: ["latencyMs", "jitterMs", "direction"],
  stop: ["graceMs"],
  "clock-step": ["offsetMs"],
  "clock-rate": ["rate"],
  "backend-terminated": ["session"],
  "ttl-change": ["ttlFactor"],
};

/** The arbitrary of one fault event in `space`. */
function eventArbitrary(space: ExploreSpace): fc.Arbitrary<FaultEvent> {
  const T = space.ttlMs;
  const events = triggerEvents(space.caps);
  const trigger = fc.oneof(
    fc.record({ afterMs: fc.integer({ min: 0, max: T }) }),
    fc.record({
      event: fc.constantFrom(...events.filter((e) => e !== "before-expiry")),
      delayMs: fc.integer({ min: 0, max: Math.round(T / 4) }),
    }),
    fc.record({
      event: fc.constant("before-expiry" as const),
      beforeMs: fc.integer({ min: 0, max: Math.round(T / 2) }),
    }),
  );
  return fc
    .record({
      fault: fc.constantFrom(...space.primitives),
      target: fc.nat({ max: 3 }),
      at: trigger,
      // Half the draws land near the ttl, where a lease's fate turns (a pause that outlives it or
      // ends just inside the margin); the rest anywhere up to 2.5 ttl.
      durationMs: fc.oneof(
        fc.integer({ min: 0, max: Math.round(2.5 * T) }),
        fc.integer({ min: Math.round(0.75 * T), max: Math.round(1.25 * T) }),
      ),
      // Half the latency draws land where a renew succeeds late (see lateReplyMs); the rest anywhere up to the ttl.
      latencyMs: space.lateReplyMs
        ? fc.oneof(fc.integer({ min: 0, max: T }), fc.integer(space.lateReplyMs))
        : fc.integer({ min: 0, max: T }),
      jitterMs: fc.integer({ min: 0, max: Math.round(T / 10) }),
      direction: fc.constantFrom("both", "downstream", "upstream"),
      offsetMs: fc.integer({ min: -2 * T, max: 2 * T }),
      rate: fc.constantFrom(1.05, 1.1, ...(space.slowestRate < 1 ? [space.slowestRate] : [])),
      graceMs: fc.integer({ min: 0, max: T }),
      session: fc.constantFrom("any", "lease", "work"),
      ttlFactor: fc.constantFrom(0.5, 0.75, 1.5),
    })
    .map((r): FaultEvent => {
      const spec = primitiveSpec(r.fault);
      const target = spec.targets[r.target % spec.targets.length] as TargetRole;
      const all: FaultEvent["params"] = {
        latencyMs: r.latencyMs,
        jitterMs: r.jitterMs,
        direction: r.direction as "both",
        offsetMs: r.offsetMs,
        rate: r.rate,
        graceMs: r.graceMs,
        session: r.session as "any",
        ttlFactor: r.ttlFactor,
      };
      const params = Object.fromEntries(
        (PARAMS[r.fault] ?? []).map((k) => [k, all[k]]),
      ) as FaultEvent["params"];
      const at =
        "afterMs" in r.at
          ? { afterMs: r.at.afterMs }
          : r.at.event === "before-expiry"
            ? {
                event: "before-expiry" as const,
                delayMs: 0,
                beforeMs: (r.at as { beforeMs: number }).beforeMs,
              }
            : { event: r.at.event, delayMs: (r.at as { delayMs: number }).delayMs };
      return {
        fault: r.fault,
        target,
        at,
        durationMs: spec.instant ? 0 : r.durationMs,
        params,
      };
    });
}

/**
 * The arbitrary of a whole schedule: 1 to maxFaults events, on one of the leases, at the steady pace
 * or (where the profile logs its items) with slow items, so that a fault fired on an item finds the
 * rest of its batch still to go: what a bug in an item loop or in a drain needs.
 */
export function scheduleArbitrary(space: ExploreSpace): fc.Arbitrary<Schedule> {
  const paces = space.caps.lines.itemStarted ? (["steady", "slow-items"] as const) : (["steady"] as const);
  return fc
    .record({
      lease: fc.constantFrom(...space.leases),
      faults: fc.array(eventArbitrary(space), { minLength: 1, maxLength: Math.max(1, space.maxFaults) }),
      pace: fc.constantFrom(...paces),
    })
    .map(({ lease, faults, pace }) => ({
      version: 1 as const,
      lease,
      faults: coherent(faults),
      ...(pace === "slow-items" ? { pace } : {}),
    }))
    .filter(makeableClocks);
}

/**
 * No wall-clock step beside a rate skew: the skew runs the lease's workers with every clock faked,
 * and libfaketime's one setting per process would move their monotonic clock with the step (the
 * runner makes such a step no evidence; drawing it would only waste a run).
 */
export function makeableClocks(s: Schedule): boolean {
  return !(s.faults.some((e) => e.fault === "clock-step") && s.faults.some((e) => e.fault === "clock-rate"));
}

// Faults whose effect on the leader can end its term: what a takeover trigger waits for.
const DISRUPTS: Primitive[] = [
  "pause",
  "kill",
  "stop",
  "restart",
  "refused",
  "blackhole",
  "lost-reply",
  "outage",
  "lease-row-lock",
  "same-identity-successor",
];

/**
 * A drawn schedule made to make sense: a fault aimed at the leader's twin follows one that starts a
 * twin, and a trigger waiting for a takeover follows a fault that can cause one; otherwise the
 * target is the leader, and the trigger a time (the same delay after the zero). The mapping is
 * part of the arbitrary, so shrinking keeps it.
 */
export function coherent(faults: FaultEvent[]): FaultEvent[] {
  return faults.map((e, i) => {
    const before = faults.slice(0, i);
    const twin = before.some((b) => b.fault === "zombie" || b.fault === "same-identity-successor");
    const takeover = before.some(
      (b) => DISRUPTS.includes(b.fault) && (b.target === "leader" || b.target === "database"),
    );
    let out = e;
    if (e.target === "twin" && !twin) out = { ...out, target: "leader" };
    if (!("afterMs" in e.at) && (e.at.event === "takeover" || e.at.event === "became-leader") && !takeover)
      out = { ...out, at: { afterMs: e.at.delayMs ?? 0 } };
    return out;
  });
}

/** `n` candidate schedules drawn from `seed` (the same seed draws the same ones, every time). */
export function drawCandidates(arb: fc.Arbitrary<Schedule>, seed: number, n: number): fc.Value<Schedule>[] {
  const random = new fc.Random(xoroshiro128plus(seed));
  return Array.from({ length: n }, () => arb.generate(random, undefined));
}

/** The lease phase a fault event will most likely find its target in, from its target and trigger. */
export function predictedPhase(e: FaultEvent): Phase {
  if (e.target === "database") return "database";
  if (e.target === "standby") return "standby";
  if ("afterMs" in e.at) return "leading";
  switch (e.at.event) {
    case "batch-started":
    case "item-started":
    case "effect":
      return "mid-batch";
    case "before-expiry":
      return "near-expiry";
    case "renewed":
      return "renewing";
    default:
      return "leading";
  }
}
