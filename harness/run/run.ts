import { UnknownWorkerError } from "../env/errors.ts";
import type { StartedEnvironment } from "../env/provider.ts";
import { LeaseChaosError } from "../errors.ts";
import type { Fault, FaultContext } from "../faults/fault.ts";
import type {
  Effect,
  EvidenceEvent,
  FaultWindow,
  LeaseChange,
  LineKind,
  RefusedEffect,
  RunMeta,
  WorkerLog,
  WorkerSpec,
} from "../observe/evidence.ts";
import type { LeaseRow, Observer } from "../observe/observer.ts";
import type { Recorder } from "../observe/recorder.ts";
import type { Workload } from "../observe/workload.ts";
import type { Profile, ProfileRole } from "../profile/profile.ts";
import type { Timings } from "./timing.ts";
import { type WorkerTimings, workerTimingsOf } from "./tolerance.ts";

/** A fault that did not take effect: the run's verdict can only be unknown. */
export class FaultNotAppliedError extends LeaseChaosError {
  constructor(kind: string, target: string, cause: unknown) {
    super(
      "E_FAULT_NOT_APPLIED",
      `fault ${kind} on ${target} did not take effect: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** A step that needs evidence the profile cannot give: it names the profile entry. */
export class ProfileNeedError extends LeaseChaosError {
  constructor(step: string, entry: string) {
    super("E_PROFILE_NEED", `${step} needs ${entry} in the profile`);
  }
}

/** Progress lines for a person watching the drill. */
export type Progress = (line: string) => void;

/** An injected fault with its recorded window; heal() is idempotent. */
export interface ActiveFault {
  window: FaultWindow;
  heal(): Promise<void>;
  /**
   * Heals an attempt the scenario gives up on to try again (a pause that landed mid-batch): its
   * window stays in the evidence, marked `retried`, and premises judge the attempt kept.
   */
  retry(): Promise<void>;
}

/** Options of an injection: how the scenario regards this fault. */
export interface InjectOptions {
  /** a correct system rides it out with no change of holder (judged by no-needless-failover) */
  tolerable?: boolean;
}

/** Starts one more process of a worker (a zombie with the same identity); resolves with its key. */
export type ExtraStarter = (id: string) => Promise<string>;

/**
 * What a scenario's steps work with: the environment, the live evidence, and the faults, behind
 * verbs that read like the runbook. No raw SQL, signals or sleeps reach a scenario body, and no
 * verb names a log message or a table: lines are waited for by meaning, work by its effects.
 */
export class Run {
  readonly faults: ActiveFault[] = [];
  healedAt: number | null = null;
  #stepNo = 0;

  constructor(
    readonly meta: Omit<RunMeta, "healedAt" | "observedUntil">,
    readonly timings: Timings,
    readonly env: StartedEnvironment,
    readonly recorder: Recorder,
    readonly observer: Observer,
    readonly workload: Workload,
    readonly profile: Profile,
    /** the lease the scenario's faults aim at */
    readonly lease: string,
    private readonly progress: Progress,
    /** the run's zero (meta.startedAt): every narrated time counts from it */
    private readonly t0: number,
    private readonly startExtra: ExtraStarter,
    private readonly relaunch: (id: string, overrides: Partial<Timings>) => Promise<void> = async () => {
      throw new Error("this run cannot restart a worker under another configuration");
    },
  ) {}

  get ttlMs(): number {
    return this.timings.ttlMs;
  }

  /** A knob's value for this run: its default, or what `--set` gave. */
  knob(name: string): number {
    const v = this.meta.knobs?.[name];
    if (v === undefined) throw new Error(`the scenario has no knob ${name}`);
    return v;
  }

  get workers(): WorkerSpec[] {
    return this.meta.workers;
  }

  /** The profile role that holds the target lease. */
  get role(): ProfileRole {
    return this.profile.roles.find((r) => r.lease === this.lease) as ProfileRole;
  }

  /** A worker's own timings as its profile states them (what a tolerable fault is sized from). */
  workerTimings(worker: string): WorkerTimings {
    const w = this.workers.find((x) => x.id === worker);
    const role = this.profile.roles.find((r) => r.name === w?.role) ?? this.role;
    return workerTimingsOf(role, this.timings);
  }

  #clock(): string {
    return `[${`+${((Date.now() - this.t0) / 1000).toFixed(1)}`.padStart(6)}s]`;
  }

  /** Prints an indented line under the current step. */
  note(text: string): void {
    this.progress(`${" ".repeat(10)}${text}`);
  }

  /** Runs one named runbook step, narrating it and recording its start and end. */
  async step<T>(name: string, body: () => Promise<T>): Promise<T> {
    this.#stepNo += 1;
    const no = this.#stepNo;
    this.recorder.record({ kind: "step", ts: Date.now(), name, phase: "start" });
    this.progress(`${this.#clock()} ${no}. ${name}`);
    const started = Date.now();
    try {
      return await body();
    } finally {
      this.recorder.record({ kind: "step", ts: Date.now(), name, phase: "end" });
      this.progress(`${" ".repeat(10)}(${((Date.now() - started) / 1000).toFixed(1)}s)`);
    }
  }

  /** Keeps the current faults on for `ms`: a fault's duration is part of its definition, not a wait for evidence. */
  async hold(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }

  /** Waits until the harness's clock reads `ts` (a moment computed from evidence, e.g. an expires_at). */
  async until(ts: number): Promise<void> {
    await this.hold(ts - Date.now());
  }

  /** Queues `count` new work items for the target lease's role at once (a large batch). */
  enqueue(count: number): Promise<void> {
    if (!this.role.work.enqueue)
      throw new ProfileNeedError("queueing a batch", `roles.${this.role.name}.work.enqueue`);
    return this.workload.exclusive(() => this.observer.enqueue(this.role.name, count));
  }

  /** The lease row, as the runbook's psql query shows it. */
  leaseRow(leaseName = this.lease): Promise<LeaseRow | null> {
    return this.workload.exclusive(() => this.observer.leaseRow(leaseName));
  }

  /** The target lease's workers other than `holder`. */
  standbysOf(holder: string, lease = this.lease): string[] {
    return this.workers.filter((w) => w.leaseName === lease && w.id !== holder && !w.extra).map((w) => w.id);
  }

  /** Waits for the lease history to show a change that `accept`s (holder, epoch, expires_at ...). */
  waitForLease(
    accept: (c: LeaseChange) => boolean,
    what: string,
    timeoutMs: number,
    lease = this.lease,
  ): Promise<LeaseChange> {
    const match = (e: EvidenceEvent): e is LeaseChange =>
      e.kind === "lease-change" && e.leaseName === lease && accept(e);
    return this.recorder.waitFor(match, what, timeoutMs);
  }

  /** The last recorded change of a lease (the row as the database last wrote it). */
  lastLeaseChange(lease = this.lease): LeaseChange | undefined {
    return this.recorder.events
      .filter((e): e is LeaseChange => e.kind === "lease-change" && e.leaseName === lease)
      .at(-1);
  }

  /**
   * Waits for the next line of `worker` that means one of `kinds` (any line for none); with
   * `instance`, of that process of it only (two processes may share one workload id).
   */
  nextLine(
    worker: string,
    kinds: readonly LineKind[] | null,
    timeoutMs: number,
    instance?: number,
  ): Promise<WorkerLog> {
    return this.recorder.waitFor(
      (e: EvidenceEvent): e is WorkerLog =>
        e.kind === "worker-log" &&
        e.worker === worker &&
        (instance === undefined || e.instance === instance) &&
        (kinds === null || (e.means !== undefined && kinds.includes(e.means))),
      `${worker}${instance === undefined ? "" : ` (process ${instance})`} to log a line meaning ${kinds?.join(" or ") ?? "anything"}`,
      timeoutMs,
    );
  }

  /** The first line of `worker` meaning one of `kinds` at or after `sinceTs`, recorded already or still to come. */
  lineSince(
    worker: string,
    kinds: readonly LineKind[],
    sinceTs: number,
    timeoutMs: number,
  ): Promise<WorkerLog> {
    // Checking and subscribing happen in one tick, so no line can slip between them.
    const seen = this.linesOf(worker).find(
      (e) => e.ts >= sinceTs && e.means !== undefined && kinds.includes(e.means),
    );
    return seen ? Promise.resolve(seen) : this.nextLine(worker, kinds, timeoutMs);
  }

  /** Waits for the next effect (or refused attempt, with `refused`) of `worker` from now on. */
  nextEffect(
    worker: string,
    timeoutMs: number,
    options: { refused?: boolean; accept?: (e: Effect | RefusedEffect) => boolean } = {},
  ): Promise<Effect | RefusedEffect> {
    return this.recorder.waitFor(
      (e: EvidenceEvent): e is Effect | RefusedEffect =>
        (e.kind === "effect" || (options.refused === true && e.kind === "refused-effect")) &&
        e.worker === worker &&
        (options.accept?.(e) ?? true),
      `an effect of ${worker}`,
      timeoutMs,
    );
  }

  /** Resolves once `worker` has logged nothing and made no effect for quietMs (e.g. between batches). */
  async quiet(worker: string, quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const active = await this.recorder
        .waitFor(
          (e: EvidenceEvent): e is EvidenceEvent =>
            (e.kind === "worker-log" || e.kind === "effect" || e.kind === "refused-effect") &&
            e.worker === worker,
          `${worker} to go quiet`,
          quietMs,
        )
        .catch(() => null);
      if (active === null || Date.now() >= deadline) return;
    }
  }

  /**
   * Reads the journal to its end: every change the database has committed so far (an effect a
   * frozen worker's last statement made, say) is in the evidence when it resolves.
   */
  settle(): Promise<void> {
    return this.observer.flush();
  }

  /** The log lines of `worker` recorded so far. */
  linesOf(worker: string): WorkerLog[] {
    return this.recorder.events.filter((e): e is WorkerLog => e.kind === "worker-log" && e.worker === worker);
  }

  /** What faults act on: the environment, and the system under test in its profile's names. */
  get faultContext(): FaultContext {
    const roles = this.profile.roles;
    const workers = this.workers;
    return {
      env: this.env,
      system: {
        leaseTable: this.profile.data.leaseTable,
        roleOf(worker: string) {
          // A second process of an id (`fwd-a.1`) has the role of its id.
          const id = worker.split(".")[0];
          const spec = workers.find((w) => w.id === id);
          const role = spec && roles.find((r) => r.name === spec.role);
          if (!role) throw new UnknownWorkerError(worker);
          return role;
        },
      },
    };
  }

  /** Injects a fault, verifies it took effect and records its window. */
  async inject(fault: Fault, options: InjectOptions = {}): Promise<ActiveFault> {
    const ctx = this.faultContext;
    const window: FaultWindow = {
      kind: "fault",
      id: `${fault.kind}-${this.faults.length + 1}`,
      fault: fault.kind,
      target: fault.target,
      start: Date.now(),
      end: null,
      verified: false,
      detail: "",
      ...(options.tolerable ? { tolerable: true } : {}),
      ...(fault.silences ? { silences: true } : {}),
      ...(fault.holdsLease ? { holdsLease: true } : {}),
      ...(fault.clock ? { clock: { ...fault.clock, since: Date.now() } } : {}),
    };
    this.recorder.record(window);
    // One heal at a time: a second caller waits for the first (its window is stamped when the heal
    // is done, not when a caller returns early); a heal that failed may be tried again.
    let healing: Promise<void> | null = null;
    const active: ActiveFault = {
      window,
      heal: () => {
        healing ??= (async () => {
          window.healStartedAt = Date.now();
          await fault.heal(ctx);
          window.end = Date.now();
          this.healedAt = window.end;
        })().catch((err) => {
          healing = null;
          throw err;
        });
        return healing;
      },
      retry: async () => {
        await active.heal();
        window.retried = true;
      },
    };
    this.faults.push(active);
    try {
      await fault.inject(ctx);
      window.injectedAt = Date.now();
    } catch (err) {
      window.detail = `not applied: ${(err as Error).message}`;
      throw err;
    }
    try {
      window.detail = await fault.verify(ctx);
      window.verified = true;
    } catch (err) {
      window.detail = `not applied: ${(err as Error).message}`;
      throw new FaultNotAppliedError(fault.kind, fault.target, err);
    }
    return active;
  }

  /** Restarts `id` with some of its timings changed (a rolling deploy of a new configuration). */
  restartWith(id: string, overrides: Partial<Timings>): Promise<void> {
    return this.relaunch(id, overrides);
  }

  /** Starts a second process with `id`'s identity (a lingering zombie); resolves with its key. */
  startZombie(id: string): Promise<string> {
    return this.startExtra(id);
  }

  /** Heals every fault still active, each even when another fails; returns what could not be healed. */
  async healAll(): Promise<string[]> {
    const failures: string[] = [];
    for (const fault of this.faults) {
      try {
        await fault.heal();
      } catch (err) {
        failures.push(
          `heal of ${fault.window.id} on ${fault.window.target} failed: ${(err as Error).message}`,
        );
      }
    }
    return failures;
  }
}
