// What a scenario needs from a profile to mean anything: the profile entries its steps act through
// and its premises read. A need the profile does not meet makes the run `skipped` before anything
// starts, naming the entry, and doctor lists the same; never an abort of the whole command.
import type { Profile, ProfileRole } from "../profile/profile.ts";

/** A profile entry a scenario needs, and what for. */
export interface Need {
  /** the profile key that would meet it, e.g. `roles.jobs.work.enqueue` */
  entry: string;
  why: string;
}

/** What a need is judged against: the profile and the role whose lease the faults aim at. */
export interface NeedContext {
  profile: Profile;
  lease: string;
  role: ProfileRole;
}

/** A need, as one line: `roles.jobs.work.enqueue (it queues a batch for the leader)`. */
export function describeNeed(n: Need): string {
  return `${n.entry} (${n.why})`;
}

const unless = (met: boolean, entry: string, why: string): Need[] => (met ? [] : [{ entry, why }]);

/** The role queues work on demand (a large batch for the leader). */
export function needsEnqueue({ role }: NeedContext): Need[] {
  return unless(!!role.work.enqueue, `roles.${role.name}.work.enqueue`, "it queues a batch for the leader");
}

/** The role's effects are journaled (a pause right after one, a new holder's first one). */
export function needsEffects({ role }: NeedContext): Need[] {
  return unless(
    role.work.effects.length > 0,
    `roles.${role.name}.work.effects`,
    "it waits for an effect of the leader",
  );
}

/** True when the role's batch is one statement with no gate per item. */
export function atomicBatches(role: ProfileRole): boolean {
  return role.work.batch === "atomic";
}

/**
 * A moment between a gate and its write: an item line (per-item gates), or, for a batch that is one
 * statement, the batch line.
 */
export function needsItemGate({ profile, role }: NeedContext): Need[] {
  const lines = profile.data.lines;
  if (atomicBatches(role))
    return unless(
      lines.batchStarted !== null,
      "lines.batchStarted",
      "it pauses the leader after the batch line of an atomic batch",
    );
  return unless(
    lines.itemStarted !== null,
    "lines.itemStarted (or roles.*.work.batch: atomic with lines.batchStarted)",
    "it pauses the leader after it passed its gate for an item",
  );
}

/** The system's refusals of a stale write are seen: a refusals table or a refusal line. */
export function needsRefusals({ profile, role }: NeedContext): Need[] {
  return unless(
    role.work.refusals.length > 0 || profile.data.lines.refused !== null,
    `roles.${role.name}.work.refusals or lines.refused`,
    "it needs to see the stale write refused",
  );
}

/** libfaketime can move the clocks a clock fault needs in the role's runtime. */
export function needsClocks(mode: "wall" | "all"): (ctx: NeedContext) => Need[] {
  return ({ role }) =>
    unless(
      role.clockFaults === "all" || (mode === "wall" && role.clockFaults === "wall"),
      `roles.${role.name}.clockFaults: ${mode}`,
      mode === "all"
        ? "its clocks, monotonic too, must run under libfaketime; the profile says this runtime cannot"
        : "its wall clock must move under libfaketime; the profile says this runtime cannot",
    );
}

/** Every role gives evidence of work (an effect, or a batch or item line): bring-up waits for it. */
export function needsWorkEvidence({ profile }: NeedContext): Need[] {
  const lines = profile.data.lines;
  return profile.roles.flatMap((r) =>
    unless(
      r.work.effects.length > 0 || lines.batchStarted !== null || lines.itemStarted !== null,
      `roles.${r.name}.work.effects or lines.batchStarted`,
      "bring-up waits for each leader to do work",
    ),
  );
}

/** A new term of the same holder can be told from the old one: an epoch column, else acquired-at. */
export function needsTermIdentity({ profile }: NeedContext): Need[] {
  const c = profile.data.leaseTable.columns;
  return unless(
    c.epoch !== null || c.acquiredAt !== null,
    "leaseTable.columns.epoch (or leaseTable.columns.acquiredAt)",
    "a same-identity successor's term is told from the old one by its epoch",
  );
}
