import type { Effect, Evidence } from "../observe/evidence.ts";
import type { Check, CheckResult, Violation } from "./check.ts";
import { capabilitiesOf } from "./context.ts";
import { sinceStart } from "./format.ts";
import { fail, pass, unknown } from "./result.ts";
import { ofKind } from "./select.ts";

const ID = "no-duplicate-delivery";

/** Each item of an effect the profile marks unique (the sink's delivery) lands at most once. */
export const noDuplicateDelivery: Check = {
  id: ID,
  description:
    "each item of a unique effect (e.g. the sink's delivery of an outbox event) is accepted at most once",
  coverage(caps) {
    return caps.uniqueEffects
      ? { judged: ["effects marked unique"], notJudged: [], possible: true }
      : {
          judged: [],
          notJudged: ["no effects table is marked unique (roles.*.work.effects[].unique)"],
          possible: false,
        };
  },
  run,
};

function run(evidence: Evidence): CheckResult {
  if (!capabilitiesOf(evidence).uniqueEffects)
    return unknown(ID, "the profile marks no effects table unique (roles.*.work.effects[].unique)");
  const unique = ofKind(evidence, "effect").filter((e) => e.unique === true);
  if (unique.length === 0)
    return unknown(ID, "no unique effect recorded although the profile names one (journal missing?)");
  const byItem = new Map<string, Effect[]>();
  for (const d of unique) {
    const key = `${d.type}\u0000${d.itemId}`;
    byItem.set(key, [...(byItem.get(key) ?? []), d]);
  }
  const violations = [...byItem.values()].filter((ds) => ds.length > 1).map((ds) => duplicate(ds, evidence));
  const metrics = {
    deliveries: unique.length,
    // extra acceptances beyond the first, so one item delivered three times counts 2
    duplicates: violations.reduce((n, v) => n + (v.deliveries as unknown[]).length - 1, 0),
  };
  if (violations.length > 0) return fail(ID, violations, metrics);
  const types = [...new Set(unique.map((d) => d.type))].join(", ");
  return pass(ID, `${byItem.size} items of ${types}, each accepted once`, metrics);
}

function duplicate(ds: Effect[], evidence: Evidence): Violation {
  const [first, second] = ds as [Effect, Effect];
  const who = ds.map((d) => `${d.worker} (epoch ${d.epoch ?? "none"}) at ${sinceStart(evidence.meta, d.ts)}`);
  return {
    worker: second.worker,
    epoch: second.epoch,
    ts: second.ts,
    itemId: first.itemId,
    effectType: first.type,
    deliveries: ds.map((d) => ({ worker: d.worker, epoch: d.epoch, ts: d.ts })),
    message: `${first.type} of ${first.itemId} accepted ${ds.length} times: ${who.join(", ")}`,
    firstTs: first.ts,
  };
}
