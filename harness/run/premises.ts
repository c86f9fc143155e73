// Scenario premises: what a scenario's fault must have caused for its verdict to mean anything.
// Each is a pure function of the recorded evidence, so `analyze` re-evaluates them; one that did not
// happen makes the verdict unknown (never pass), naming what was missing.
import { capabilitiesOf } from "../checks/context.ts";
import { sinceStart } from "../checks/format.ts";
import { ofKind } from "../checks/select.ts";
import { knownExpiresAt, type Term, termsOf } from "../checks/terms.ts";
import type { Evidence, FaultWindow, PremiseResult } from "../observe/evidence.ts";
import {
  atomicBatches,
  type Need,
  type NeedContext,
  needsEffects,
  needsItemGate,
  needsRefusals,
  needsTermIdentity,
} from "./needs.ts";

type PremiseFn = (evidence: Evidence) => Omit<PremiseResult, "id">;

/**
 * The scenario's main fault: the first (of `kinds`) that silenced a worker holding the lease, else
 * the first on a holder, else the first at all. A clock step or a standby's latency comes before the
 * pause it sets up, and is not what the premises ask about; nor is an attempt the scenario lifted
 * to try again (`retried`).
 */
function mainFault(evidence: Evidence, kinds?: string[]): FaultWindow | undefined {
  const faults = ofKind(evidence, "fault").filter((f) => !f.retried && (!kinds || kinds.includes(f.fault)));
  const onHolder = faults.filter((f) => heldAtFault(evidence, f) !== undefined);
  return onHolder.find((f) => f.silences) ?? onHolder[0] ?? faults[0];
}

function leaseOf(evidence: Evidence, worker: string): string | undefined {
  return evidence.meta.workers.find((w) => w.id === worker)?.leaseName ?? evidence.meta.lease;
}

/** The term the fault's target held when the fault began. */
function heldAtFault(evidence: Evidence, f: FaultWindow): Term | undefined {
  const lease = leaseOf(evidence, f.target);
  return termsOf(evidence).find(
    (t) => t.leaseName === lease && t.holder === f.target && t.start <= f.start && f.start < t.end,
  );
}

const held = (detail: string) => ({ held: true, detail });
const missed = (detail: string) => ({ held: false, detail });

const PREMISES = {
  /** the fault's target held the lease when it began, and that term ended (expired, taken over, released) */
  "target-term-ended": (evidence) => {
    const f = mainFault(evidence);
    if (!f) return missed("no fault was injected");
    const term = heldAtFault(evidence, f);
    if (!term)
      return missed(
        `${f.target} held no term of its lease when ${f.fault} began at ${sinceStart(evidence.meta, f.start)}`,
      );
    // The shutdown's releases come after observation: they are not the fault's doing.
    if (term.endReason === "open" || term.end > evidence.meta.observedUntil)
      return missed(`${f.target}'s epoch ${term.epoch} never ended (the fault did not make it lapse)`);
    return held(
      `${f.target}'s epoch ${term.epoch} ${term.endReason} at ${sinceStart(evidence.meta, term.end)}`,
    );
  },
  /** after the fault began, another epoch of the target's lease was acquired (a standby took over) */
  "lease-changed-hands": (evidence) => {
    const f = mainFault(evidence);
    if (!f) return missed("no fault was injected");
    const term = heldAtFault(evidence, f);
    if (!term) return missed(`${f.target} held no term when ${f.fault} began`);
    const next = termsOf(evidence).find(
      (t) =>
        t.leaseName === term.leaseName &&
        t.start >= term.start &&
        t.epoch !== term.epoch &&
        t.start <= evidence.meta.observedUntil,
    );
    return next
      ? held(`${next.holder} acquired epoch ${next.epoch} at ${sinceStart(evidence.meta, next.start)}`)
      : missed(`nobody acquired ${term.leaseName} after ${f.target}'s epoch ${term.epoch}`);
  },
  /** after a restart, the lease was acquired again under a new epoch (by anyone) */
  "new-epoch-after-restart": (evidence) => {
    const f = mainFault(evidence, ["process-restart"]);
    if (!f) return missed("no restart was injected");
    const term = heldAtFault(evidence, f);
    if (!term) return missed(`${f.target} held no term when it was restarted`);
    const next = termsOf(evidence).find(
      (t) => t.leaseName === term.leaseName && t.start > f.start && t.epoch > term.epoch,
    );
    return next
      ? held(`epoch ${next.epoch} acquired by ${next.holder} at ${sinceStart(evidence.meta, next.start)}`)
      : missed(
          `no new epoch of ${term.leaseName} after ${f.target}'s restart at ${sinceStart(evidence.meta, f.start)}`,
        );
  },
  /** the pause landed while an item was in flight: its gate passed, its effect not yet made (for an atomic batch: the batch's) */
  "fault-mid-item": (evidence) => {
    const f = mainFault(evidence, ["process-pause", "process-stop"]);
    if (!f) return missed("no pause was injected");
    const caps = capabilitiesOf(evidence);
    const atomic = evidence.meta.workers.find((w) => w.id === f.target)?.atomicBatch === true;
    if (atomic ? !caps.lines.batchStarted : !caps.lines.itemStarted || !caps.lineItem)
      return missed(
        atomic
          ? "cannot tell: the profile maps no batch-started line (lines.batchStarted)"
          : "cannot tell: the profile maps no item-started line with an item id (lines.itemStarted, logs.fields.item)",
      );
    // f.start is stamped (to the ms) just before the signal is sent. A paused process writes
    // nothing, and a write it had sent may still commit while it is frozen: what happened before it
    // woke happened before the pause took hold. A stopped (SIGTERM) one goes on through its grace,
    // so there the signal's stamp is the bound, with 1 ms for the stamp's rounding.
    const bound =
      f.fault === "process-pause" ? (f.healStartedAt ?? f.end ?? Number.POSITIVE_INFINITY) : f.start + 1;
    const before =
      f.fault === "process-pause" ? "before it woke" : `by ${sinceStart(evidence.meta, f.start)}`;
    const lines = ofKind(evidence, "worker-log").filter((l) => l.worker === f.target && l.ts < bound);
    const made = [...ofKind(evidence, "effect"), ...ofKind(evidence, "refused-effect")].filter(
      (e) => e.worker === f.target && e.ts < bound,
    );
    if (atomic) {
      const batch = lines.filter((l) => l.means === "batch-started").at(-1);
      if (!batch) return missed(`${f.target} had started no batch ${before}`);
      const done = made.find((e) => e.ts >= batch.ts);
      return done
        ? missed(
            `${f.target}'s batch (one statement) made its ${done.type} of ${done.itemId} at ${sinceStart(evidence.meta, done.ts)} ${before}: the ${f.fault} did not catch it between its gate and its statement`,
          )
        : held(
            `${f.target}'s batch started at ${sinceStart(evidence.meta, batch.ts)} (one statement, work.batch atomic), no effect yet when the ${f.fault} began at ${sinceStart(evidence.meta, f.start)}`,
          );
    }
    const lastItem = lines.filter((l) => l.means === "item-started").at(-1);
    if (!lastItem?.item) return missed(`${f.target} had started no item ${before}`);
    const done = made.find((e) => e.itemId === lastItem.item && e.ts >= lastItem.ts);
    return done
      ? missed(
          `item ${lastItem.item} of ${f.target} was done (${done.type} at ${sinceStart(evidence.meta, done.ts)}) ${before}: the ${f.fault} did not catch it in flight`,
        )
      : held(
          `item ${lastItem.item} started at ${sinceStart(evidence.meta, lastItem.ts)}, still in flight when the ${f.fault} began at ${sinceStart(evidence.meta, f.start)}`,
        );
  },
  /** the stale holder attempted a write under its old epoch after the takeover, and the system refused it */
  "stale-write-refused": (evidence) => {
    const f = mainFault(evidence);
    if (!f) return missed("no fault was injected");
    const caps = capabilitiesOf(evidence);
    if (!caps.refusals)
      return missed(
        "cannot tell: the profile names no refusals table and no refusal line (roles.*.work.refusals, lines.refused)",
      );
    const term = heldAtFault(evidence, f);
    if (!term) return missed(`${f.target} held no term when ${f.fault} began`);
    const refused = ofKind(evidence, "refused-effect").find(
      (r) => r.worker === f.target && r.ts >= term.end && (r.epoch === null || r.epoch === term.epoch),
    );
    return refused
      ? held(
          `${f.target}'s ${refused.type} of ${refused.itemId} under epoch ${term.epoch} was refused at ${sinceStart(evidence.meta, refused.ts)}`,
        )
      : missed(
          `${f.target} attempted no write under epoch ${term.epoch} after it ended (or none was refused)`,
        );
  },
  /** the worker was resumed before its lease's expires_at, inside its safety margin */
  "resumed-inside-margin": (evidence) => {
    const f = mainFault(evidence, ["process-pause"]);
    if (!f?.end) return missed("no pause was healed");
    const term = heldAtFault(evidence, f);
    if (!term) return missed(`${f.target} held no term when paused`);
    const margin =
      evidence.meta.workers.find((w) => w.id === f.target)?.safetyMarginMs ?? evidence.meta.safetyMarginMs;
    // The expires_at in force when it woke: a renew after the resume may extend the term (and may
    // commit before the harness has returned from sending the resume).
    const woke = f.healStartedAt ?? f.end;
    const before = (knownExpiresAt(term, woke) ?? term.expiresAt) - woke;
    return before > 0 && before < margin
      ? held(`resumed ${Math.round(before)} ms before expires_at (margin ${margin} ms)`)
      : missed(
          `resumed ${Math.round(Math.abs(before))} ms ${before > 0 ? "before" : "after"} expires_at, outside its ${margin} ms margin`,
        );
  },
  /** the worker was resumed after its lease expired and before anyone took it over */
  "resumed-before-takeover": (evidence) => {
    const f = mainFault(evidence, ["process-pause"]);
    if (!f?.end) return missed("no pause was healed");
    const term = heldAtFault(evidence, f);
    if (!term) return missed(`${f.target} held no term when paused`);
    const next = termsOf(evidence).find((t) => t.leaseName === term.leaseName && t.start > term.start);
    const resumed = f.healStartedAt ?? f.end;
    if (resumed <= term.expiresAt)
      return missed(`resumed ${Math.round(term.expiresAt - resumed)} ms before its lease expired`);
    if (next && next.start <= resumed)
      return missed(`resumed ${Math.round(resumed - next.start)} ms after ${next.holder} had taken over`);
    return held(
      `resumed ${Math.round(resumed - term.expiresAt)} ms after expiry${next ? `, ${Math.round(next.start - resumed)} ms before ${next.holder} took over` : ", before any takeover"}`,
    );
  },
  /** a second process of the target's id ran beside the first (a lingering zombie) */
  "zombie-overlapped": (evidence) => {
    const f = mainFault(evidence, ["zombie"]);
    if (!f?.end) return missed("no second process was started and stopped");
    const starts = ofKind(evidence, "process").filter((p) => p.event === "start" && p.ts <= f.start + 1_000);
    const ids = new Set(starts.filter((p) => p.worker === f.target).map((p) => p.instance));
    return ids.size >= 2
      ? held(`${ids.size} processes of ${f.target} ran side by side for ${Math.round(f.end - f.start)} ms`)
      : missed(`only one process of ${f.target} ran`);
  },
  /** the holder was paused longer than a standby's ttl but shorter than its own (replicas disagree on ttlMs) */
  "paused-between-ttls": (evidence) => {
    const f = mainFault(evidence, ["process-pause"]);
    if (!f?.end) return missed("no pause was healed");
    const ttl = (id: string) => evidence.meta.workers.find((w) => w.id === id)?.ttlMs ?? evidence.meta.ttlMs;
    const lease = leaseOf(evidence, f.target);
    const others = evidence.meta.workers
      .filter((w) => w.leaseName === lease && w.id !== f.target)
      .map((w) => ttl(w.id));
    const pausedMs = f.end - f.start;
    const shortest = Math.min(...others);
    return pausedMs > shortest && pausedMs < ttl(f.target)
      ? held(
          `${f.target} (ttl ${ttl(f.target)} ms) paused ${Math.round(pausedMs)} ms, past a standby's ttl ${shortest} ms`,
        )
      : missed(
          `${f.target} (ttl ${ttl(f.target)} ms) paused ${Math.round(pausedMs)} ms; the standbys' shortest ttl is ${shortest} ms`,
        );
  },
  /** the clock fault moved the target's clock (its log times moved with it) */
  "clock-moved": (evidence) => {
    const f = ofKind(evidence, "fault").find((x) => x.clock !== undefined);
    if (!f) return missed("no clock fault was injected");
    return f.verified ? held(f.detail) : missed(f.detail);
  },
  /** under the lease-row lock the target's term got no grant, and its expires_at passed before the heal */
  "renewals-stalled": (evidence) => {
    const f = mainFault(evidence, ["lease-row-lock"]);
    if (!f) return missed("no lease-row lock was injected");
    const term = heldAtFault(evidence, f);
    if (!term) return missed(`${f.target} held no term when the lock was taken`);
    const healed = f.healStartedAt ?? f.end ?? evidence.meta.observedUntil;
    const expiry = knownExpiresAt(term, f.start) ?? term.expiresAt;
    // A renew committed while the harness was still taking its lock came before the fault.
    const grant = term.grants.find((g) => g.at > (f.injectedAt ?? f.start) && g.at < healed);
    if (grant)
      return missed(
        `${f.target}'s epoch ${term.epoch} was granted at ${sinceStart(evidence.meta, grant.at)}, under the lock: its renewals did not stall`,
      );
    if (expiry >= healed)
      return missed(
        `the lock was lifted ${Math.round(expiry - healed)} ms before ${f.target}'s expires_at: its term never lapsed under it`,
      );
    return held(
      `no grant of ${f.target}'s epoch ${term.epoch} from the lock at ${sinceStart(evidence.meta, f.start)} to the heal at ${sinceStart(evidence.meta, healed)}; its expires_at passed ${Math.round(healed - expiry)} ms before the heal`,
    );
  },
  /** the target's work went on under the fault before its term expired (the fault spared the work path) */
  "work-went-on": (evidence) => {
    const f = mainFault(evidence);
    if (!f) return missed("no fault was injected");
    const term = heldAtFault(evidence, f);
    if (!term) return missed(`${f.target} held no term when ${f.fault} began`);
    const expiry = knownExpiresAt(term, f.start) ?? term.expiresAt;
    const caps = capabilitiesOf(evidence);
    const during = (ts: number) => ts > f.start && ts < expiry;
    if (caps.effects) {
      const done = ofKind(evidence, "effect").filter((e) => e.worker === f.target && during(e.ts));
      return done.length > 0
        ? held(
            `${f.target} made ${done.length} effect(s) under ${f.fault} before its expires_at, the last at ${sinceStart(evidence.meta, (done.at(-1) as { ts: number }).ts)}`,
          )
        : missed(
            `${f.target} made no effect under ${f.fault} before its expires_at: its work path stalled too`,
          );
    }
    if (!caps.lines.itemStarted && !caps.lines.batchStarted)
      return missed("cannot tell: the profile names no effects and maps no work-start line");
    const work = ofKind(evidence, "worker-log").filter(
      (l) =>
        l.worker === f.target && (l.means === "item-started" || l.means === "batch-started") && during(l.ts),
    );
    return work.length > 0
      ? held(`${f.target} started work ${work.length} time(s) under ${f.fault} before its expires_at`)
      : missed(`${f.target} started no work under ${f.fault} before its expires_at`);
  },
  /** under the work-path lock the target made no effect while work waited for it */
  "work-stalled": (evidence) => {
    const f = mainFault(evidence, ["work-row-lock"]);
    if (!f) return missed("no work-path lock was injected");
    const caps = capabilitiesOf(evidence);
    if (!caps.effects)
      return missed("cannot tell: the profile names no effects tables (roles.*.work.effects)");
    const healed = f.healStartedAt ?? f.end ?? evidence.meta.observedUntil;
    // An effect already on its way when the lock was taken may commit just after the window opened;
    // one stamped with its statement's start (a time column) may have waited on the lock until the
    // heal: the last half ttl before it is not judged.
    const from = (f.injectedAt ?? f.start) + Math.max(100, Math.round(evidence.meta.ttlMs / 20));
    const until = healed - Math.round(evidence.meta.ttlMs / 2);
    if (until <= from)
      return missed(`the lock was held ${Math.round(healed - f.start)} ms: too short to show a stall`);
    const lease = leaseOf(evidence, f.target);
    const made = ofKind(evidence, "effect").find((e) => e.worker === f.target && e.ts > from && e.ts < until);
    if (made)
      return missed(
        `${f.target}'s ${made.type} of ${made.itemId} is stamped ${sinceStart(evidence.meta, made.ts)}, under the lock: its work did not stall`,
      );
    const waiting = ofKind(evidence, "backlog").some(
      (b) => b.ts > from && b.ts < until && (lease === undefined || (b.byLease[lease] ?? 0) > 0),
    );
    return waiting
      ? held(
          `${f.target} made no effect stamped from ${sinceStart(evidence.meta, from)} to ${sinceStart(evidence.meta, until)} (half a ttl before the heal) while work waited`,
        )
      : missed(`no work waited for ${f.target} under the lock: a stall could not show`);
  },
  /** every terminated backend was gone, and its worker held its lease when it was terminated */
  "session-terminated-while-leading": (evidence) => {
    const faults = ofKind(evidence, "fault").filter((f) => f.fault === "backend-terminated" && !f.retried);
    if (faults.length === 0) return missed("no backend was terminated");
    for (const f of faults) {
      if (!f.verified) return missed(f.detail);
      if (!heldAtFault(evidence, f))
        return missed(
          `${f.target} held no term when its session was terminated at ${sinceStart(evidence.meta, f.start)}`,
        );
    }
    return held(
      faults.map((f) => `${f.detail} at ${sinceStart(evidence.meta, f.start)}, while it led`).join("; "),
    );
  },
  /** a process with the frozen target's identity took the next term, and still held it when the old one woke */
  "successor-took-term": (evidence) => {
    const f = mainFault(evidence, ["same-identity-successor"]);
    if (!f) return missed("no same-identity successor was started");
    const term = heldAtFault(evidence, f);
    if (!term) return missed(`${f.target} held no term when it was frozen`);
    const woke = f.healStartedAt ?? f.end;
    if (woke === null || woke === undefined) return missed(`${f.target} was never resumed`);
    const id = f.target.split(".")[0];
    const next = termsOf(evidence).find(
      (t) => t.leaseName === term.leaseName && t.holder === id && t.epoch > term.epoch && t.start >= f.start,
    );
    if (!next || next.start > woke)
      return missed(
        `no later term of ${id} began before the old process woke at ${sinceStart(evidence.meta, woke)}`,
      );
    if (next.end <= woke)
      return missed(
        `the successor's epoch ${next.epoch} had ended (${next.endReason}) at ${sinceStart(evidence.meta, next.end)}, before the old process woke`,
      );
    return held(
      `${id}'s successor acquired epoch ${next.epoch} at ${sinceStart(evidence.meta, next.start)} (after epoch ${term.epoch}) and held it when the old process woke at ${sinceStart(evidence.meta, woke)}`,
    );
  },
  /** the fault that the scenario calls tolerable took effect */
  "tolerable-fault-applied": (evidence) => {
    const f = ofKind(evidence, "fault").find((x) => x.tolerable);
    if (!f) return missed("no tolerable fault was injected");
    return f.verified ? held(f.detail) : missed(f.detail);
  },
} satisfies Record<string, PremiseFn>;

/** A premise's id, as scenarios name them. */
export type PremiseId = keyof typeof PREMISES;

/** Every premise id. */
export const PREMISE_IDS = Object.keys(PREMISES) as PremiseId[];

/** What a premise needs from the profile to be able to hold at all (unmet needs only). */
const PREMISE_NEEDS: Partial<Record<PremiseId, (ctx: NeedContext) => Need[]>> = {
  "fault-mid-item": (ctx) => [
    ...needsItemGate(ctx),
    ...(atomicBatches(ctx.role) || itemField(ctx)
      ? []
      : [{ entry: "logs.fields.item", why: "premise fault-mid-item tells an item in flight by its id" }]),
  ],
  "stale-write-refused": needsRefusals,
  "work-stalled": needsEffects,
  "successor-took-term": needsTermIdentity,
};

function itemField({ role }: NeedContext): boolean {
  return role.logs.fields.item !== null;
}

/** The unmet needs of premises `ids` on this profile. */
export function premiseNeeds(ids: readonly string[], ctx: NeedContext): Need[] {
  return ids.flatMap((id) => PREMISE_NEEDS[id as PremiseId]?.(ctx) ?? []);
}

/** Evaluates premises on a run's evidence; a premise that crashes did not hold. */
export function evaluatePremises(evidence: Evidence, ids: readonly string[]): PremiseResult[] {
  return ids.map((id) => {
    const fn = (PREMISES as Record<string, PremiseFn>)[id];
    if (!fn) return { id, held: false, detail: `unknown premise ${id}` };
    try {
      return { id, ...fn(evidence) };
    } catch (err) {
      return { id, held: false, detail: `premise crashed: ${(err as Error).message}` };
    }
  });
}
