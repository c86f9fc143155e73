import type { StartedEnvironment } from "../env/provider.ts";
import { LeaseChaosError } from "../errors.ts";
import type { Fault } from "../faults/fault.ts";
import type { EvidenceEvent, FaultWindow, RunMeta, WorkerLog, WorkerSpec } from "../observe/evidence.ts";
import type { LeaseRow, Observer } from "../observe/observer.ts";
import type { Recorder } from "../observe/recorder.ts";
import type { Workload } from "../observe/workload.ts";
import type { Timings } from "./timing.ts";

/** The log messages a runbook reader greps for, verbatim. */
export const MSG = {
  leader: "lease state = LEADER",
  expiredLocally: "lease expired locally; skip batch until renewed",
  batchStarted: "batch started",
  batchProcessed: "batch processed",
  itemStarted: "item started",
} as const;

/** Matches every log line in nextLog. */
export const ANY_MSG: readonly string[] = [];

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

/** Progress lines for a person watching the drill. */
export type Progress = (line: string) => void;

/** An injected fault with its recorded window; heal() is idempotent. */
export interface ActiveFault {
  window: FaultWindow;
  heal(): Promise<void>;
}

/**
 * What a scenario's steps work with: the environment, the live evidence, and the faults, behind
 * verbs that read like the runbook. No raw SQL, signals or sleeps reach a scenario body.
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
    private readonly progress: Progress,
    /** wall-clock start of the run, the zero of the narration's clock */
    private readonly t0: number,
  ) {}

  get ttlMs(): number {
    return this.timings.ttlMs;
  }

  get workers(): WorkerSpec[] {
    return this.meta.workers;
  }

  #clock(): string {
    return `[${((Date.now() - this.t0) / 1000).toFixed(1).padStart(5)}s]`;
  }

  /** Prints an indented line under the current step. */
  note(text: string): void {
    this.progress(`${" ".repeat(9)}${text}`);
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
      this.progress(`${" ".repeat(9)}(${((Date.now() - started) / 1000).toFixed(1)}s)`);
    }
  }

  /** Keeps the current faults on for `ms`: a fault's duration is part of its definition, not a wait for evidence. */
  async hold(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Queues `count` new outbox events at once (a large batch for the forwarder). */
  produceOutbox(count: number): Promise<void> {
    return this.workload.exclusive(() => this.observer.produce(count, []));
  }

  /** The lease row, as the runbook's psql query shows it. */
  leaseRow(leaseName: string): Promise<LeaseRow | null> {
    return this.workload.exclusive(() => this.observer.leaseRow(leaseName));
  }

  /** Polls the lease row until `accept` holds; null when timeoutMs passes first. */
  async waitForLeaseRow(
    leaseName: string,
    accept: (row: LeaseRow) => boolean,
    timeoutMs: number,
  ): Promise<LeaseRow | null> {
    const deadline = Date.now() + timeoutMs;
    const pollMs = Math.max(10, Math.round(this.timings.retryIntervalMs / 4));
    for (;;) {
      const row = await this.leaseRow(leaseName);
      if (row && accept(row)) return row;
      if (Date.now() >= deadline) return null;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** Waits for the next log line of `worker` whose msg is one of `msgs` (any line for ANY_MSG). */
  nextLog(worker: string, msgs: readonly string[], timeoutMs: number): Promise<WorkerLog> {
    return this.recorder.waitFor(
      (e: EvidenceEvent): e is WorkerLog =>
        e.kind === "worker-log" && e.worker === worker && (msgs === ANY_MSG || msgs.includes(e.msg)),
      `${worker} to log ${msgs.map((m) => JSON.stringify(m)).join(" or ")}`,
      timeoutMs,
    );
  }

  /** Resolves once `worker` has logged nothing for quietMs (e.g. its pipe is drained after a pause). */
  async quiet(worker: string, quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = await this.nextLog(worker, ANY_MSG, quietMs).catch(() => null);
      if (line === null || Date.now() >= deadline) return;
    }
  }

  /** The first line of `worker` with one of `msgs` logged at or after `sinceTs`, recorded already or still to come. */
  async logSince(
    worker: string,
    msgs: readonly string[],
    sinceTs: number,
    timeoutMs: number,
  ): Promise<WorkerLog> {
    // Checking and subscribing happen in one tick, so no line can slip between them.
    const seen = this.logsOf(worker).find((e) => e.ts >= sinceTs && msgs.includes(e.msg));
    return seen ?? this.nextLog(worker, msgs, timeoutMs);
  }

  /** The log lines of `worker` recorded so far. */
  logsOf(worker: string): WorkerLog[] {
    return this.recorder.events.filter((e): e is WorkerLog => e.kind === "worker-log" && e.worker === worker);
  }

  /** Waits until every lease of the run has a holder and that holder has processed a batch. */
  async waitForLeaders(timeoutMs: number): Promise<Map<string, string>> {
    const leases = [...new Set(this.workers.map((w) => w.leaseName))];
    const holders = new Map<string, string>();
    await Promise.all(
      leases.map(async (lease) => {
        const processed = (e: EvidenceEvent): e is WorkerLog =>
          e.kind === "worker-log" && e.leaseName === lease && e.msg === MSG.batchProcessed;
        const seen = this.recorder.events.find(processed);
        const event =
          seen ?? (await this.recorder.waitFor(processed, `a batch processed on ${lease}`, timeoutMs));
        holders.set(lease, event.worker);
      }),
    );
    return holders;
  }

  /** Injects a fault, verifies it took effect and records its window. */
  async inject(fault: Fault): Promise<ActiveFault> {
    const ctx = { env: this.env };
    const window: FaultWindow = {
      kind: "fault",
      id: `${fault.kind}-${this.faults.length + 1}`,
      fault: fault.kind,
      target: fault.target,
      start: Date.now(),
      end: null,
      verified: false,
      detail: "",
    };
    this.recorder.record(window);
    let healed = false;
    const active: ActiveFault = {
      window,
      heal: async () => {
        if (healed) return;
        await fault.heal(ctx);
        healed = true;
        window.end = Date.now();
        this.healedAt = window.end;
      },
    };
    this.faults.push(active);
    await fault.inject(ctx);
    try {
      window.detail = await fault.verify(ctx);
      window.verified = true;
    } catch (err) {
      window.detail = `not applied: ${(err as Error).message}`;
      throw new FaultNotAppliedError(fault.kind, fault.target, err);
    }
    return active;
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
