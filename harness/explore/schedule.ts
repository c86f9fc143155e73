// A fault schedule as data: a list of fault events, each a primitive aimed at a role resolved when
// it fires (the leader, a standby, the leader's same-identity twin, any worker, the database),
// fired by a time or by an observed event, held for a duration, with parameters. Events may
// overlap. A person can read and edit one; `lease-chaos run --schedule FILE` replays it, `explore`
// draws them from a seed (docs/explore.md). Validated with zod; the JSON Schema is generated from
// the same definition (npm run schema: schema/schedule.schema.json).
import { z } from "zod";
import { jsonSchemaOf } from "../json-schema.ts";

/** The fault primitives a schedule may use (docs/explore.md describes each). */
export const PRIMITIVES = [
  "pause",
  "kill",
  "restart",
  "stop",
  "latency",
  "lost-reply",
  "blackhole",
  "refused",
  "outage",
  "clock-step",
  "clock-rate",
  "zombie",
  "lease-row-lock",
  "work-row-lock",
  "backend-terminated",
  "same-identity-successor",
  "ttl-change",
] as const;

/** A fault primitive's name. */
export type Primitive = (typeof PRIMITIVES)[number];

/** Who a fault event aims at, resolved when it fires. */
export const TARGETS = ["leader", "standby", "twin", "any", "database"] as const;
export type TargetRole = (typeof TARGETS)[number];

/** The observed events a fault may wait for (about the target lease). */
export const TRIGGER_EVENTS = [
  "became-leader",
  "renewed",
  "batch-started",
  "item-started",
  "effect",
  "before-expiry",
  "takeover",
] as const;
export type TriggerEvent = (typeof TRIGGER_EVENTS)[number];

const ms = z.number().int().min(0).max(600_000);

/** When a fault fires: a time after the schedule's zero, or an observed event (plus a delay). */
const trigger = z.union([
  z.strictObject({
    afterMs: ms.describe("ms after the schedule's zero (every lease has a leader that did work)"),
  }),
  z.strictObject({
    event: z
      .enum(TRIGGER_EVENTS)
      .describe("the first such event of the target lease after the previous trigger"),
    delayMs: ms.default(0).describe("fire this long after the event"),
    beforeMs: ms
      .optional()
      .describe("before-expiry: fire this long before the target lease's expires_at as last granted"),
  }),
]);

/** The parameters a primitive may take (each uses its own; docs/explore.md). */
const params = z
  .strictObject({
    latencyMs: ms.optional(),
    jitterMs: ms.optional(),
    direction: z.enum(["both", "upstream", "downstream"]).optional(),
    offsetMs: z.number().int().min(-3_600_000).max(3_600_000).optional(),
    rate: z.number().min(0.5).max(2).optional(),
    graceMs: ms.optional(),
    session: z.enum(["lease", "work", "any"]).optional(),
    ttlFactor: z.number().min(0.25).max(4).optional(),
  })
  .default({});

/** One fault event of a schedule. */
export const faultEventSchema = z.strictObject({
  fault: z.enum(PRIMITIVES),
  target: z.enum(TARGETS).default("leader"),
  at: trigger.default({ afterMs: 0 }),
  durationMs: ms.describe("how long it stays on before it is healed (0: healed at once)"),
  params,
});

/** A whole schedule. */
export const scheduleSchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1).default(1),
  /** the lease the roles (leader, standby, twin) are of; the profile's primary lease when absent */
  lease: z.string().min(1).optional(),
  faults: z.array(faultEventSchema).min(1).max(12),
  /**
   * the work's pace: `slow-items` makes each item take a tenth of the ttl (at least 150 ms) in batches of 4 (as the
   * named mid-batch scenarios do), so a fault fired on an item lands inside a batch with items
   * still to go; steady (absent) is the run's usual pace
   */
  pace: z
    .enum(["steady", "slow-items"])
    .optional()
    .describe(
      "slow-items: each item takes ttl/10 (at least 150 ms), batches of 4, so a fault lands inside a batch",
    ),
  /** a note for people: where it came from (an explore finding, a hand-written incident) */
  note: z.string().optional(),
});

/** A schedule as written (defaults optional). */
export type ScheduleInput = z.input<typeof scheduleSchema>;
/** A validated schedule. */
export type Schedule = z.output<typeof scheduleSchema>;
export type FaultEvent = z.output<typeof faultEventSchema>;
export type Trigger = FaultEvent["at"];
export type FaultParams = FaultEvent["params"];

/** Parses a schedule, naming the key path and value of what is wrong (a TypeError). */
export function parseSchedule(input: unknown, source = "schedule"): Schedule {
  const r = scheduleSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.length ? issue.path.join(".") : "(the whole schedule)";
  throw new TypeError(`${source}: ${where}: ${issue?.message ?? "invalid"}`);
}

/** How a trigger reads: `at +1500 ms`, `on batch-started +20 ms`, `300 ms before expiry`. */
export function describeTrigger(t: Trigger): string {
  if ("afterMs" in t) return `at +${t.afterMs} ms`;
  if (t.event === "before-expiry") return `${t.beforeMs ?? 0} ms before expiry`;
  return `on ${t.event}${t.delayMs ? ` +${t.delayMs} ms` : ""}`;
}

/** One line per event: `pause leader on item-started for 2400 ms`. */
export function describeEvent(e: FaultEvent): string {
  const p = Object.entries(e.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  return `${e.fault} ${e.target} ${describeTrigger(e.at)} for ${e.durationMs} ms${p ? ` (${p})` : ""}`;
}

/** A schedule's shape: its primitives, targets and trigger kinds, in order (findings are deduplicated by it). */
export function shapeOf(s: Schedule): string {
  return s.faults
    .map((e) => `${e.fault}/${e.target}/${"afterMs" in e.at ? "time" : e.at.event}`)
    .sort()
    .join("+")
    .concat(s.pace === "slow-items" ? "@slow-items" : "");
}

/** The schedule's JSON Schema (as a person writes it, defaults optional). */
export function scheduleJsonSchema(): Record<string, unknown> {
  return jsonSchemaOf(
    scheduleSchema,
    "lease-chaos fault schedule",
    "Fault events (a primitive, a target role, a trigger, a duration, parameters) that lease-chaos runs on a profile's workers: docs/explore.md.",
  );
}
