import { LeaseChaosError } from "../errors.ts";
import type { EvidenceEvent } from "./evidence.ts";

/** A wait for evidence that did not arrive before its deadline. */
export class EvidenceTimeoutError extends LeaseChaosError {
  constructor(what: string, timeoutMs: number) {
    super("E_EVIDENCE_TIMEOUT", `waiting for ${what} timed out after ${timeoutMs} ms`);
  }
}

/**
 * The run's live event log. Everything the harness sees as it happens (worker lines, process
 * events, faults, steps, backlog samples) is appended here; steps wait on it for evidence.
 */
export class Recorder {
  readonly events: EvidenceEvent[] = [];
  readonly #listeners = new Set<(event: EvidenceEvent) => void>();

  /** Appends an event and wakes the waits and listeners that care. */
  record = (event: EvidenceEvent): void => {
    this.events.push(event);
    for (const listener of [...this.#listeners]) listener(event);
  };

  /** Calls `listener` for every event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: EvidenceEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves with the first event from now on that matches, or rejects after timeoutMs. */
  waitFor<E extends EvidenceEvent>(
    match: (event: EvidenceEvent) => event is E,
    what: string,
    timeoutMs: number,
  ): Promise<E> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new EvidenceTimeoutError(what, timeoutMs));
      }, timeoutMs);
      // A wait nobody finished (a watcher left behind) must not keep the process alive on its own.
      timer.unref();
      const unsubscribe = this.subscribe((event) => {
        if (!match(event)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(event);
      });
    });
  }

  /** The first recorded event that matches, or the first one still to come (checked and subscribed in one tick). */
  seenOrNext<E extends EvidenceEvent>(
    match: (event: EvidenceEvent) => event is E,
    what: string,
    timeoutMs: number,
  ): Promise<E> {
    const seen = this.events.find(match);
    return seen ? Promise.resolve(seen) : this.waitFor(match, what, timeoutMs);
  }
}
