import type { Observer } from "./observer.ts";
import type { Recorder } from "./recorder.ts";

/** Options of the background workload: what is produced and how often the backlog is sampled. */
export interface WorkloadOptions {
  random: () => number;
  /** the roles that get work, each through its profile's enqueue query */
  roles: string[];
  /** initial backlog per role, so the first leader has work at once */
  initialItems: number;
  produceEveryMs: number;
  sampleEveryMs: number;
  /** extra samples of something else on the same timer (proxy traffic) */
  onSample?: () => Promise<void>;
}

/**
 * Keeps every role fed with work items from a seeded schedule, and samples the backlog on a timer:
 * the runbook's symptoms, recorded as evidence.
 */
export class Workload {
  #produceTimer: NodeJS.Timeout | null = null;
  #sampleTimer: NodeJS.Timeout | null = null;
  #busy = Promise.resolve();
  #errors = 0;

  constructor(
    private readonly observer: Observer,
    private readonly recorder: Recorder,
    private readonly options: WorkloadOptions,
  ) {}

  /** Samples that failed (a gap in the backlog series, never an exception in a timer). */
  get errors(): number {
    return this.#errors;
  }

  // Serialised on the one observer connection; errors are counted as gaps, never thrown into timers.
  #enqueue(task: () => Promise<void>): Promise<void> {
    this.#busy = this.#busy.then(task).catch(() => {
      this.#errors += 1;
    });
    return this.#busy;
  }

  async start(): Promise<void> {
    const { random, roles } = this.options;
    for (const role of roles) await this.observer.enqueue(role, this.options.initialItems);
    this.#produceTimer = setInterval(() => {
      for (const role of roles) {
        const n = Math.floor(random() * 3);
        void this.#enqueue(() => this.observer.enqueue(role, n));
      }
    }, this.options.produceEveryMs);
    this.#sampleTimer = setInterval(() => void this.sample(), this.options.sampleEveryMs);
    await this.sample();
  }

  /** Takes one backlog sample now. */
  sample(): Promise<void> {
    return this.#enqueue(async () => {
      this.recorder.record(await this.observer.sampleBacklog());
      await this.options.onSample?.();
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
