/**
 * Progress of a long command (run --all, matrix, soak): n of N done, the time so far, and an
 * estimate of what remains, scaled from the expected times by how the finished runs went.
 */
export class Countdown {
  readonly #t0 = performance.now();
  #doneExpectedMs = 0;
  #done = 0;

  constructor(private readonly expectedMs: number[]) {}

  /** A line for a finished job, e.g. `[3/26] 41 s elapsed, about 5 min 10 s left`. */
  finished(index: number): string {
    this.#done += 1;
    this.#doneExpectedMs += this.expectedMs[index] ?? 0;
    const elapsed = performance.now() - this.#t0;
    const total = this.expectedMs.reduce((a, b) => a + b, 0);
    const pace = this.#doneExpectedMs > 0 ? elapsed / this.#doneExpectedMs : 1;
    const leftMs = Math.max(0, (total - this.#doneExpectedMs) * pace);
    const line = `[${this.#done}/${this.expectedMs.length}] ${duration(elapsed)} elapsed${this.#done < this.expectedMs.length ? `, about ${duration(leftMs)} left` : ""}`;
    return process.stdout.isTTY ? `\u001b[1m${line}\u001b[0m` : line;
  }
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
