import type { Observer } from "./observer.ts";
import type { Recorder } from "./recorder.ts";

/** Options of the background workload: what is produced and how often the backlog is sampled. */
export interface WorkloadOptions {
  random: () => number;
  ttlMs: number;
  /** initial backlog so the first leader has work at once */
  initialOutbox: number;
  initialReservations: number;
  produceEveryMs: number;
  sampleEveryMs: number;
}

/**
 * Keeps both workloads fed (outbox events, reservations running out) from a seeded schedule, and
 * samples the backlog on a timer: the runbook's symptoms, recorded as evidence.
 */
export class Workload {
  #produceTimer: NodeJS.Timeout | null = null;
  #sampleTimer: NodeJS.Timeout | null = null;
  #busy = Promise.resolve();

  constructor(
    private readonly observer: Observer,
    private readonly recorder: Recorder,
    private readonly options: WorkloadOptions,
  ) {}

  // Serialised on the one observer connection; errors are recorded as gaps, never thrown into timers.
  #enqueue(task: () => Promise<void>): Promise<void> {
    this.#busy = this.#busy.then(task).catch(() => {});
    return this.#busy;
  }

  async start(): Promise<void> {
    const { random, ttlMs } = this.options;
    const overdue = Array.from(
      { length: this.options.initialReservations },
      () => -Math.round(random() * ttlMs),
    );
    await this.observer.produce(this.options.initialOutbox, overdue);
    this.#produceTimer = setInterval(() => {
      const events = Math.floor(random() * 3);
      // Reservations run out soon after they are made, so the sweeper always has work.
      const reservations = Array.from({ length: Math.floor(random() * 2) }, () =>
        Math.round((random() * ttlMs) / 4),
      );
      void this.#enqueue(() => this.observer.produce(events, reservations));
    }, this.options.produceEveryMs);
    this.#sampleTimer = setInterval(() => void this.sample(), this.options.sampleEveryMs);
    await this.sample();
  }

  /** Takes one backlog sample now. */
  sample(): Promise<void> {
    return this.#enqueue(async () => {
      this.recorder.record(await this.observer.sampleBacklog());
    });
  }

  /** Stops producing; sampling goes on so the drain is observed. */
  stopProducing(): void {
    if (this.#produceTimer) clearInterval(this.#produceTimer);
    this.#produceTimer = null;
  }

  /** Runs a query on the observer connection between samples (one connection, one statement at a time). */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#busy.then(task);
    // The queue goes on after a failure; the caller sees it.
    this.#busy = result.then(
      () => {},
      () => {},
    );
    return result;
  }

  async stop(): Promise<void> {
    this.stopProducing();
    if (this.#sampleTimer) clearInterval(this.#sampleTimer);
    this.#sampleTimer = null;
    await this.#busy;
  }
}
