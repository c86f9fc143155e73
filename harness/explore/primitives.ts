// The fault primitives a schedule may use, one row each: which targets it takes, what it needs from
// the profile, whether a correct worker must ride it out, and how it becomes the faults of
// harness/faults/ once its target is known. Adding a primitive is its row here (docs/explore.md).
import { backendTerminated } from "../faults/backend-terminated.ts";
import { blackhole } from "../faults/blackhole.ts";
import { clockFault } from "../faults/clock.ts";
import type { Fault } from "../faults/fault.ts";
import { latency } from "../faults/latency.ts";
import { leaseRowLock } from "../faults/lease-row-lock.ts";
import { processKill } from "../faults/process-kill.ts";
import { processPause } from "../faults/process-pause.ts";
import { processRestart } from "../faults/process-restart.ts";
import { processStop } from "../faults/process-stop.ts";
import { proxyDown } from "../faults/proxy-down.ts";
import { sameIdentitySuccessor } from "../faults/same-identity-successor.ts";
import type { Stream } from "../faults/toxic.ts";
import { ttlChange } from "../faults/ttl-change.ts";
import { workRowLock } from "../faults/work-row-lock.ts";
import { zombie } from "../faults/zombie.ts";
import { type Need, type NeedContext, needsClocks, needsEffects, needsTermIdentity } from "../run/needs.ts";
import type { Run } from "../run/run.ts";
import { tolerableRoundTripMs } from "../run/tolerance.ts";
import type { FaultEvent, Primitive, TargetRole } from "./schedule.ts";

/** What a primitive is given when its event fires. */
export interface FireContext {
  run: Run;
  event: FaultEvent;
  /** the worker key(s) the event's target resolved to (every worker for the database) */
  targets: string[];
  /** the target lease's standbys now (for a fault that must hold them off) */
  standbys: string[];
}

/** One primitive: its targets, its needs, its tolerance, and its faults. */
export interface PrimitiveSpec {
  /** one line for docs and `explore --help` */
  summary: string;
  /** the target roles it takes, the first its default */
  targets: readonly TargetRole[];
  /** healed at once: its duration means nothing (a restart, a terminated session) */
  instant?: boolean;
  /** the clocks its target must run under libfaketime with */
  clock?: "wall" | "all";
  /** what it needs from the profile (unmet ones) */
  needs?: (ctx: NeedContext) => Need[];
  /** the providers that can do it (default: every one) */
  providers?: readonly string[];
  /** a correct worker rides it out with no change of holder (no-needless-failover judges it) */
  tolerable?: (e: FaultEvent, fire: FireContext) => boolean;
  build(fire: FireContext): Fault[];
}

const WORKER_TARGETS = ["leader", "standby", "any", "twin"] as const;

const streamsOf = (e: FaultEvent): Stream[] =>
  e.params.direction === "upstream"
    ? ["upstream"]
    : e.params.direction === "downstream"
      ? ["downstream"]
      : ["upstream", "downstream"];

const each = (fire: FireContext, make: (key: string) => Fault): Fault[] => fire.targets.map(make);

/** The primitives, by name. */
export const PRIMITIVE_SPECS: Record<Primitive, PrimitiveSpec | undefined> = {
  pause: {
    summary: "freeze the target (SIGSTOP / docker pause) for the duration",
    targets: WORKER_TARGETS,
    build: (f) => each(f, processPause),
  },
  kill: {
    summary: "SIGKILL the target; it is started again (same identity) after the duration",
    targets: WORKER_TARGETS,
    build: (f) => each(f, processKill),
  },
  restart: {
    summary: "restart the target at once with the same identity (a crash loop, a rolled pod)",
    targets: ["leader", "standby", "any"],
    instant: true,
    build: (f) => each(f, processRestart),
  },
  stop: {
    summary: "SIGTERM the target (graceMs, default the ttl); started again after the duration",
    targets: ["leader", "standby", "any"],
    build: (f) => each(f, (k) => processStop(k, f.event.params.graceMs ?? f.run.ttlMs)),
  },
  latency: {
    summary: "latencyMs (+- jitterMs) on the target's connection, one or both directions",
    targets: ["leader", "standby", "any", "database"],
    // A round trip that fits a quarter of the target's renew budget must cost it nothing.
    tolerable: (e, f) => {
      const one = (e.params.latencyMs ?? 0) + (e.params.jitterMs ?? 0);
      const rtt = one * streamsOf(e).length;
      return f.targets.every((k) => rtt <= tolerableRoundTripMs(f.run.workerTimings(k)).ms);
    },
    build: (f) =>
      each(f, (k) =>
        latency(k, {
          latencyMs: f.event.params.latencyMs ?? Math.round(f.run.ttlMs / 4),
          jitterMs: f.event.params.jitterMs ?? 0,
          streams: streamsOf(f.event),
        }),
      ),
  },
  "lost-reply": {
    summary: "every reply to the target is dropped (the statement runs; its answer never comes)",
    targets: ["leader", "standby", "any"],
    build: (f) => each(f, (k) => blackhole(k, ["downstream"])),
  },
  blackhole: {
    summary: "the target's connection hangs both ways (nothing sent arrives, nothing comes back)",
    targets: ["leader", "standby", "any", "database"],
    build: (f) => each(f, (k) => blackhole(k, ["upstream", "downstream"])),
  },
  refused: {
    summary: "the target's database refuses connections (its proxy is down)",
    targets: ["leader", "standby", "any"],
    build: (f) => each(f, proxyDown),
  },
  outage: {
    summary: "Postgres unreachable for every worker",
    targets: ["database"],
    build: (f) => each(f, proxyDown),
  },
  "clock-step": {
    summary:
      "the target's wall clock steps by offsetMs (default back one ttl); its monotonic clock is left alone",
    // Only the schedule's lease's workers run under libfaketime.
    targets: ["leader", "standby"],
    clock: "wall",
    needs: needsClocks("wall"),
    build: (f) =>
      each(f, (k) =>
        clockFault(k, { offsetMs: f.event.params.offsetMs ?? -f.run.ttlMs, rate: 1 }, async (timeoutMs) =>
          f.run.profile.capabilities.lineTime
            ? f.run.nextLine(k, null, timeoutMs).then(
                (l) => (l.parsed ? l : null),
                () => null,
              )
            : null,
        ),
      ),
  },
  "clock-rate": {
    summary: "every clock of the target runs at `rate` (default 0.95)",
    targets: ["leader", "standby"],
    clock: "all",
    needs: needsClocks("all"),
    build: (f) =>
      each(f, (k) => clockFault(k, { offsetMs: 0, rate: f.event.params.rate ?? 0.95 }, async () => null)),
  },
  zombie: {
    summary: "a second process with the target's identity runs beside it for the duration",
    targets: ["leader", "standby", "any"],
    build: (f) => each(f, (k) => zombie(k, () => f.run.startZombie(k))),
  },
  "lease-row-lock": {
    summary:
      "the harness holds a row lock on the target's lease row: its renewals (and every acquire) stall; work goes on",
    targets: ["leader"],
    build: (f) => each(f, (k) => leaseRowLock(k, { waitMs: f.run.ttlMs })),
  },
  "work-row-lock": {
    summary: "the harness locks the target's effect tables: its work stalls; its renewals go on",
    targets: ["leader"],
    needs: needsEffects,
    // Renewals touch none of it: a correct worker keeps its lease, whatever the duration.
    tolerable: () => true,
    build: (f) => each(f, (k) => workRowLock(k, { waitMs: 2 * f.run.ttlMs })),
  },
  "backend-terminated": {
    summary: "pg_terminate_backend of one of the target's sessions (session: lease, work or any)",
    targets: ["leader", "standby", "any"],
    instant: true,
    // A reconnect succeeds at once: a correct worker keeps its lease.
    tolerable: () => true,
    build: (f) =>
      each(f, (k) =>
        backendTerminated(k, { session: f.event.params.session ?? "any", findMs: 2 * f.run.ttlMs }),
      ),
  },
  "same-identity-successor": {
    summary:
      "the target frozen while a process with its identity takes the next term (standbys held off), resumed after the duration",
    targets: ["leader"],
    // An attached compose stack cannot start a second process.
    providers: ["local", "docker"],
    needs: needsTermIdentity,
    build: (f) =>
      each(f, (k) =>
        sameIdentitySuccessor(k, {
          start: () => f.run.startZombie(k),
          holdOff: f.standbys,
          takeoverMs: 3 * f.run.ttlMs,
        }),
      ),
  },
  "ttl-change": {
    summary:
      "a rolling deploy: the target restarted (same identity) with its ttl times ttlFactor, the others keep theirs; rolled back after the duration",
    targets: ["standby", "leader", "any"],
    providers: ["local"],
    build: (f) =>
      each(f, (k) =>
        ttlChange(k, f.event.params.ttlFactor ?? 0.5, async (factor) => {
          const ttlMs = Math.round(f.run.ttlMs * factor);
          await f.run.restartWith(k, { ttlMs });
          return ttlMs;
        }),
      ),
  },
};

/** The primitives that can be used (a row filled in). */
export function availablePrimitives(): Primitive[] {
  return (Object.keys(PRIMITIVE_SPECS) as Primitive[]).filter((p) => PRIMITIVE_SPECS[p] !== undefined);
}

/** A primitive's row, or a TypeError naming the ones there are. */
export function primitiveSpec(p: Primitive): PrimitiveSpec {
  const spec = PRIMITIVE_SPECS[p];
  if (!spec)
    throw new TypeError(
      `fault primitive ${p} is not available here; available: ${availablePrimitives().join(", ")}`,
    );
  return spec;
}
