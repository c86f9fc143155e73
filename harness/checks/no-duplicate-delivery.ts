import type { Effect, Evidence } from "../observe/evidence.ts";
import type { Check, CheckResult, Violation } from "./check.ts";
import { sinceStart } from "./format.ts";
import { fail, pass, unknown } from "./result.ts";
import { ofKind } from "./select.ts";

const ID = "no-duplicate-delivery";

/** The sink accepted each outbox event at most once: a second leader's batch did not double-deliver. */
export const noDuplicateDelivery: Check = {
  id: ID,
  description: "each outbox event (delivery itemId) is accepted by the sink at most once",
  run,
};

function run(evidence: Evidence): CheckResult {
  const deliveries = ofKind(evidence, "effect").filter((e) => e.type === "delivery");
  const hasForwarder = evidence.meta.workers.some((w) => w.role === "outbox-forwarder");
  if (deliveries.length === 0) {
    return hasForwarder
      ? unknown(ID, "no deliveries recorded although an outbox-forwarder ran (sink journal missing?)")
      : pass(ID, "no outbox-forwarder in the run (nothing delivered)", { deliveries: 0, duplicates: 0 });
  }
  const byItem = new Map<string, Effect[]>();
  for (const d of deliveries) byItem.set(d.itemId, [...(byItem.get(d.itemId) ?? []), d]);
  const violations = [...byItem.entries()]
    .filter(([, ds]) => ds.length > 1)
    .map(([id, ds]) => duplicate(id, ds, evidence));
  const metrics = {
    deliveries: deliveries.length,
    // extra acceptances beyond the first, so one event delivered three times counts 2
    duplicates: violations.reduce((n, v) => n + (v.deliveries as unknown[]).length - 1, 0),
  };
  if (violations.length > 0) return fail(ID, violations, metrics);
  return pass(ID, `${byItem.size} outbox events, each accepted once`, metrics);
}

function duplicate(itemId: string, ds: Effect[], evidence: Evidence): Violation {
  const [first, second] = ds as [Effect, Effect];
  const who = ds.map((d) => `${d.worker} (epoch ${d.epoch ?? "none"}) at ${sinceStart(evidence.meta, d.ts)}`);
  return {
    worker: second.worker,
    epoch: second.epoch,
    ts: second.ts,
    itemId,
    deliveries: ds.map((d) => ({ worker: d.worker, epoch: d.epoch, ts: d.ts })),
    message: `outbox event ${itemId} accepted ${ds.length} times: ${who.join(", ")}`,
    firstTs: first.ts,
  };
}
