import { performance } from "node:perf_hooks";

/** Monotonic milliseconds (fractional) on the process clock; chunk read times use it. */
export function monotonicMs(): number {
  return performance.now();
}

/** A scheduled callback; `cancel` it through the Scheduler that made it. */
export interface Timer {
  atMs: number;
  fn: () => void;
  /** position in the heap, -1 once fired or cancelled */
  index: number;
}

// setTimeout fires on libuv's cached millisecond clock, so it can be up to ~1 ms early or late.
// We arm it this much before the deadline and finish the wait with setImmediate turns: the thread
// is then already running at the deadline. Tried instead (2026-12-02, side by side with the real
// Toxiproxy 2.12): a thread of its own sleeping in Atomics.wait until the deadline, then waking
// this one with a message, no spinning. Its error was worse: p50 1.1-1.2 ms against 0.7 here, and
// with both cores busy p99 at 200 ms 40.9 ms against 8.0 here (real 19.6), since the woken thread
// has to wait for a CPU at the deadline itself.
const COARSE_MARGIN_MS = 1.5;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * One timer queue for every toxic of a server: a min-heap of deadlines driven by a single Node
 * timer, precise to a few microseconds, so a latency toxic adds what it says and no more.
 */
export class Scheduler {
  private heap: Timer[] = [];
  private coarse: NodeJS.Timeout | undefined;
  private coarseAtMs = Number.POSITIVE_INFINITY;
  private fine: NodeJS.Immediate | undefined;

  /** Number of callbacks still waiting: zero on an idle server. */
  get pending(): number {
    return this.heap.length;
  }

  /** Runs `fn` at monotonic time `atMs` (at once, on a later turn, if that is already past). */
  at(atMs: number, fn: () => void): Timer {
    const timer: Timer = { atMs, fn, index: this.heap.length };
    this.heap.push(timer);
    this.up(timer.index);
    if (this.heap[0] === timer) this.arm();
    return timer;
  }

  /** Drops a timer that has not fired; harmless on a fired or cancelled one. */
  cancel(timer: Timer): void {
    const i = timer.index;
    if (i < 0) return;
    timer.index = -1;
    const last = this.heap.pop() as Timer;
    if (last !== timer) {
      this.heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
    if (this.heap.length === 0) this.disarm();
  }

  /** Cancels everything (server stop). */
  clear(): void {
    for (const t of this.heap) t.index = -1;
    this.heap = [];
    this.disarm();
  }

  private disarm(): void {
    if (this.coarse) clearTimeout(this.coarse);
    if (this.fine) clearImmediate(this.fine);
    this.coarse = undefined;
    this.fine = undefined;
    this.coarseAtMs = Number.POSITIVE_INFINITY;
  }

  private arm(): void {
    const first = this.heap[0];
    if (!first) {
      this.disarm();
      return;
    }
    const waitMs = first.atMs - monotonicMs();
    if (waitMs > COARSE_MARGIN_MS) {
      const wakeAtMs = first.atMs - COARSE_MARGIN_MS;
      if (this.coarse && this.coarseAtMs <= wakeAtMs) return;
      if (this.coarse) clearTimeout(this.coarse);
      this.coarseAtMs = wakeAtMs;
      this.coarse = setTimeout(
        this.onCoarse,
        Math.min(MAX_TIMEOUT_MS, Math.floor(waitMs - COARSE_MARGIN_MS)),
      );
      return;
    }
    if (!this.fine) this.fine = setImmediate(this.onFine);
  }

  private readonly onCoarse = (): void => {
    this.coarse = undefined;
    this.coarseAtMs = Number.POSITIVE_INFINITY;
    this.run();
  };

  private readonly onFine = (): void => {
    this.fine = undefined;
    this.run();
  };

  private run(): void {
    const nowMs = monotonicMs();
    for (let first = this.heap[0]; first && first.atMs <= nowMs; first = this.heap[0]) {
      this.cancel(first);
      first.fn();
    }
    this.arm();
  }

  private up(i: number): void {
    const heap = this.heap;
    const t = heap[i] as Timer;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p] as Timer;
      if (parent.atMs <= t.atMs) break;
      heap[i] = parent;
      parent.index = i;
      i = p;
    }
    heap[i] = t;
    t.index = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const t = heap[i] as Timer;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const right = heap[c + 1];
      if (right && right.atMs < (heap[c] as Timer).atMs) c++;
      const child = heap[c] as Timer;
      if (child.atMs >= t.atMs) break;
      heap[i] = child;
      child.index = i;
      i = c;
    }
    heap[i] = t;
    t.index = i;
  }
}
