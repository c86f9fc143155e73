// A schedule as a scenario: bring the demo up, then fire every fault event at its trigger, each on
// the target its role resolves to at that moment, held for its duration and healed; events run
// side by side, so faults overlap as their triggers and durations say. Named scenarios and
// schedules share this runner's parts (Run, the faults, the checks): a named scenario is a
// hand-written schedule with a story.
import { bringUp, slowItems } from "../../scenarios/steps.ts";
import { LeaseChaosError } from "../errors.ts";
import type { EvidenceEvent, LeaseChange } from "../observe/evidence.ts";
import { seededRandom } from "../random.ts";
import type { Need, NeedContext } from "../run/needs.ts";
import type { ActiveFault, Run } from "../run/run.ts";
import type { Scenario } from "../run/scenario.ts";
import type { Timings } from "../run/timing.ts";
import { type FireContext, primitiveSpec } from "./primitives.ts";
import {
  describeEvent,
  type FaultEvent,
  type Primitive,
  type Schedule,
  type TargetRole,
  type Trigger,
} from "./schedule.ts";

/** A target's lease phase when a fault hit it: what coverage counts. */
export type Phase = "leading" | "renewing" | "mid-batch" | "near-expiry" | "standby" | "database";

/** One fault event as it went: when it fired, on whom, in which phase, or why it did not. */
export interface Firing {
  index: number;
  fault: Primitive;
  role: TargetRole;
  phase: Phase | null;
  targets: string[];
  firedAt: number | null;
  /** ms from the schedule's zero (its workers up) to when it fired */
  offsetMs?: number;
  /** how long it was held (0 for an instant fault) */
  heldMs?: number;
  /** why it did not take effect (its trigger never came, no such target, the fault did not apply) */
  missed?: string;
}

/** Whether a run of `schedule` is evidence: every event fired and took effect, nothing else went wrong. */
export function faultsApplied(schedule: Schedule, firings: Firing[], reasons: string[]): boolean {
  return (
    firings.length === schedule.faults.length &&
    firings.every((f) => f.firedAt !== null && !f.missed) &&
    reasons.length === 0
  );
}

/** How long a trigger may take to come: a takeover or a batch comes within a few ttl. */
export const TRIGGER_TIMEOUT_TTLS = 4;

/** A fault that could not fire: the run is no evidence (unknown), never a finding. */
export class FaultMissedError extends LeaseChaosError {
  constructor(message: string) {
    super("E_FAULT_NOT_APPLIED", message);
  }
}

/** The clocks a schedule's target lease must run under libfaketime with. */
function clockModeOf(schedule: Schedule): "wall" | "all" | undefined {
  const modes = schedule.faults.map((e) => primitiveSpec(e.fault).clock).filter(Boolean);
  return modes.includes("all") ? "all" : modes.includes("wall") ? "wall" : undefined;
}

/** The waits a schedule cannot avoid: its last heal (trigger time plus duration), then half a ttl. */
export function scheduleWaitsMs(schedule: Schedule, t: Timings): number {
  const ends = schedule.faults.map(
    (e) =>
      ("afterMs" in e.at ? e.at.afterMs : (e.at.delayMs ?? 0)) +
      (primitiveSpec(e.fault).instant ? 0 : e.durationMs),
  );
  return Math.max(0, ...ends) + Math.round(t.ttlMs / 2);
}

/**
 * The waits a run of a schedule could not avoid, as it fired: each fault's trigger (when it came)
 * plus its hold, the last one's end, then the ttl/2 the judging needs after the heal. A run's wall
 * over this is the harness's overhead (environment, bring-up, drain, teardown).
 */
export function firedWaitsMs(firings: Firing[], t: Pick<Timings, "ttlMs">): number | null {
  const ends = firings
    .filter((f) => f.offsetMs !== undefined)
    .map((f) => (f.offsetMs ?? 0) + (f.heldMs ?? 0));
  return ends.length ? Math.max(...ends) + Math.round(t.ttlMs / 2) : null;
}

/**
 * The scenario that runs `schedule`. `firings` (when given) receives each event's outcome, for
 * explore's coverage; the evidence has the same in its fault windows and steps.
 */
export function scheduleScenario(
  schedule: Schedule,
  options: { name?: string; firings?: Firing[] } = {},
): Scenario {
  const clockFaults = clockModeOf(schedule);
  return {
    name: options.name ?? "schedule",
    summary: `a fault schedule: ${schedule.faults.map(describeEvent).join("; ")}`,
    faults: [...new Set(schedule.faults.map((e) => e.fault))],
    needs: (ctx: NeedContext): Need[] =>
      schedule.faults.flatMap((e) => primitiveSpec(e.fault).needs?.(ctx) ?? []),
    ...(clockFaults ? { clockFaults } : {}),
    ...(schedule.pace === "slow-items" ? { timings: slowItems } : {}),
    lowerBoundMs: (t) => scheduleWaitsMs(schedule, t),
    async steps(run) {
      await bringUp(run);
      const zero = Date.now();
      const zeroChange = run.lastLeaseChange();
      const random = seededRandom(run.meta.seed ^ 0x5eed);
      const clocks: ClockUse = { mode: clockFaults, busy: new Set() };
      const results = await Promise.allSettled(
        schedule.faults.map((e, i) => fire(run, e, i, zero, zeroChange, random, options.firings, clocks)),
      );
      await run.step("observe half a ttl after the last heal", () => run.hold(Math.round(run.ttlMs / 2)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}

/**
 * The clocks of a run: the libfaketime mode its lease's workers run under, and the workers whose
 * clock a fault holds now. libfaketime keeps one setting per process, for every clock it fakes:
 * under the all-clocks mode (a rate skew somewhere in the schedule) a step would move the
 * monotonic clock too, and its heal would run it back (every timer set meanwhile then waits the
 * step again: a wedge the harness made); two clock faults at once on one process would overwrite
 * each other's setting. Either is a fault that cannot be made as written: no evidence.
 */
interface ClockUse {
  mode: "wall" | "all" | undefined;
  busy: Set<string>;
}

/** Why a clock fault cannot be made on `targets` now, or null. */
export function clockConflict(
  fault: Primitive,
  clock: "wall" | "all" | undefined,
  targets: string[],
  use: ClockUse,
): string | null {
  if (!clock) return null;
  if (clock === "wall" && use.mode === "all")
    return `${fault} cannot step the wall clock alone: the schedule also skews a clock's rate, so its workers run with every clock faked, and a step would move their monotonic clock too`;
  const busy = targets.filter((k) => use.busy.has(k));
  return busy.length
    ? `${busy.join(", ")} already has a clock fault on (libfaketime keeps one setting per process)`
    : null;
}

async function fire(
  run: Run,
  e: FaultEvent,
  index: number,
  zero: number,
  zeroChange: LeaseChange | undefined,
  random: () => number,
  firings: Firing[] | undefined,
  clocks: ClockUse,
): Promise<void> {
  const spec = primitiveSpec(e.fault);
  const firing: Firing = { index, fault: e.fault, role: e.target, phase: null, targets: [], firedAt: null };
  firings?.push(firing);
  const label = `fault ${index + 1}: ${describeEvent(e)}`;
  const miss = (why: string) => {
    firing.missed = why;
    run.note(`${label}: ${why}`);
    return new FaultMissedError(`${label}: ${why}`);
  };
  const came = await waitForTrigger(run, e.at, zero, zeroChange).catch((err: Error) => err);
  if (came instanceof Error) throw miss(came.message);
  // A twin may still be starting (its zombie's trigger came at the same moment): wait for one.
  if (e.target === "twin") await waitForTwin(run, zero + TRIGGER_TIMEOUT_TTLS * run.ttlMs).catch(() => {});
  const targets = await resolveTargets(run, e.target, random);
  if (targets.length === 0) throw miss(`no ${e.target} to aim at when it fired`);
  const conflict = clockConflict(e.fault, spec.clock, targets, clocks);
  if (conflict) throw miss(conflict);
  if (spec.clock) for (const k of targets) clocks.busy.add(k);
  firing.targets = targets;
  firing.phase = phaseOf(run, e.target, targets[0] as string);
  firing.firedAt = Date.now();
  firing.offsetMs = firing.firedAt - zero;
  firing.heldMs = spec.instant ? 0 : e.durationMs;
  const fireCtx: FireContext = { run, event: e, targets, standbys: standbysNow(run) };
  const tolerable = spec.tolerable?.(e, fireCtx) ?? false;
  await run.step(`${label} → ${targets.join(", ")} (${firing.phase})`, async () => {
    const active: ActiveFault[] = [];
    try {
      for (const f of spec.build(fireCtx)) {
        const a = await run.inject(f, tolerable ? { tolerable: true } : {});
        active.push(a);
        run.note(a.window.detail);
      }
      if (!spec.instant && e.durationMs > 0) await run.hold(e.durationMs);
    } catch (err) {
      // A fault that could not apply (its proxy down under another fault, a process already gone):
      // the run is no evidence, and says which event.
      firing.missed = (err as Error).message;
      throw err instanceof FaultMissedError ? err : new FaultMissedError(`${label}: ${firing.missed}`);
    } finally {
      let healed = true;
      for (const a of active)
        await a.heal().catch(() => {
          healed = false;
        });
      // A clock whose heal failed may still carry the setting: it stays taken.
      if (spec.clock && healed) for (const k of targets) clocks.busy.delete(k);
    }
  });
}

/** Resolves once the leader has a second process running, or rejects at `until`. */
async function waitForTwin(run: Run, until: number): Promise<void> {
  for (;;) {
    const holder = holderNow(run);
    if (holder && (await resolveTargets(run, "twin", () => 0)).length > 0) return;
    if (Date.now() >= until) throw new Error("no twin");
    await run.recorder
      .waitFor(
        (ev: EvidenceEvent): ev is EvidenceEvent => ev.kind === "process" && ev.event === "start",
        "a second process",
        Math.max(1, until - Date.now()),
      )
      .catch(() => {});
  }
}

/** The holder of the run's lease as its history last said, or null. */
function holderNow(run: Run): string | null {
  return run.lastLeaseChange()?.holder ?? null;
}

function standbysNow(run: Run): string[] {
  const holder = holderNow(run);
  return run.workers.filter((w) => w.leaseName === run.lease && !w.extra && w.id !== holder).map((w) => w.id);
}

/** The worker keys a role means right now; a pick among several comes from the run's seed. */
async function resolveTargets(run: Run, role: TargetRole, random: () => number): Promise<string[]> {
  const holder = holderNow(run);
  const pick = (list: string[]) => (list.length ? [list[Math.floor(random() * list.length)] as string] : []);
  switch (role) {
    case "leader":
      return holder ? [holder] : [];
    case "standby":
      return pick(standbysNow(run));
    case "any":
      return pick(run.workers.filter((w) => !w.extra).map((w) => w.id));
    case "twin": {
      if (!holder) return [];
      const keys = run.env.workerIds().filter((k) => k.startsWith(`${holder}.`));
      const states = await Promise.all(keys.map((k) => run.env.workerState(k).catch(() => "exited")));
      return pick(keys.filter((_k, i) => states[i] === "running"));
    }
    case "database":
      return run.env.workerIds();
  }
}

/** Where in its lease's life the target was when the fault hit it. */
function phaseOf(run: Run, role: TargetRole, key: string): Phase {
  if (role === "database") return "database";
  const id = key.split(".")[0] as string;
  const last = run.lastLeaseChange();
  if (!last || last.holder !== id) return "standby";
  const now = Date.now();
  const margin = run.workers.find((w) => w.id === id)?.safetyMarginMs ?? run.timings.safetyMarginMs;
  if (last.expiresAt !== null && last.expiresAt - now < 2 * Math.max(margin, 50)) return "near-expiry";
  if (last.op === "UPDATE" && now - last.ts < run.timings.renewIntervalMs / 4) return "renewing";
  const lastWork = [...run.recorder.events]
    .reverse()
    .find(
      (ev) =>
        (ev.kind === "worker-log" &&
          ev.worker === id &&
          (ev.means === "batch-started" || ev.means === "item-started")) ||
        (ev.kind === "effect" && ev.worker === id),
    );
  if (lastWork && lastWork.kind === "worker-log" && now - lastWork.ts < run.timings.batchIntervalMs)
    return "mid-batch";
  return "leading";
}

/** Resolves when the trigger comes (never before the schedule's zero); rejects when it does not. */
async function waitForTrigger(
  run: Run,
  at: Trigger,
  zero: number,
  zeroChange: LeaseChange | undefined,
): Promise<void> {
  const timeoutMs = TRIGGER_TIMEOUT_TTLS * run.ttlMs;
  if ("afterMs" in at) return run.until(zero + at.afterMs);
  const lease = run.lease;
  const delay = () => run.hold(at.delayMs ?? 0);
  if (at.event === "before-expiry") {
    const grant = run.lastLeaseChange();
    if (!grant?.expiresAt) throw new Error("the lease has no expires_at to count back from");
    await run.until(grant.expiresAt - (at.beforeMs ?? 0));
    return;
  }
  const holder = zeroChange?.holder ?? null;
  // The change before each one seen: a renewal keeps its holder and epoch.
  let prev = run.lastLeaseChange();
  const renewal = (ev: LeaseChange): boolean => {
    const before = prev;
    prev = ev;
    return (
      ev.op === "UPDATE" && ev.holder !== null && ev.holder === before?.holder && ev.epoch === before.epoch
    );
  };
  const match = (ev: EvidenceEvent): boolean => {
    switch (at.event) {
      case "became-leader":
        return (
          ev.kind === "lease-change" &&
          ev.leaseName === lease &&
          ev.holder !== null &&
          (ev.epoch !== zeroChange?.epoch || ev.holder !== holder)
        );
      case "takeover":
        return (
          ev.kind === "lease-change" && ev.leaseName === lease && ev.holder !== null && ev.holder !== holder
        );
      case "renewed":
        return ev.kind === "lease-change" && ev.leaseName === lease && renewal(ev);
      case "batch-started":
      case "item-started":
        return (
          ev.kind === "worker-log" &&
          ev.leaseName === lease &&
          ev.means === at.event &&
          ev.worker === holderNow(run)
        );
      case "effect":
        return ev.kind === "effect" && ev.leaseName === lease;
      default:
        return false;
    }
  };
  await run.recorder.waitFor(
    (ev: EvidenceEvent): ev is EvidenceEvent => eventTime(ev) >= zero && match(ev),
    `${at.event} of ${lease}`,
    timeoutMs,
  );
  await delay();
}

function eventTime(e: EvidenceEvent): number {
  return e.kind === "fault" ? e.start : e.ts;
}
