/** Where a run's wall time went, phase by phase (ms on the monotonic clock); they add up to its wall. */
export interface RunPhases {
  /** a database (from the template) and the worker proxies ready */
  environmentMs: number;
  /** the observer and its journal, the workload, the workers spawned and leading, up to the first injection */
  bringUpMs: number;
  /** the first injection to the end of the scenario's steps and the last heal */
  faultMs: number;
  /** the last heal to the end of observation: the backlog drains and is held at zero */
  drainMs: number;
  /** workers stopped, the journal read to its end, checks judged, the report written, the environment stopped */
  teardownMs: number;
}

/** The phases of a run nothing was started for (a skipped one). */
export const NO_PHASES: RunPhases = { environmentMs: 0, bringUpMs: 0, faultMs: 0, drainMs: 0, teardownMs: 0 };

/**
 * Moments of a run on performance.now()'s clock, stamped as it goes; phases() turns them into
 * durations. A moment not reached (a run that failed early) ends its phase where the next begins.
 */
export class PhaseClock {
  environmentReady: number | null = null;
  firstInjection: number | null = null;
  stepsEnded: number | null = null;
  observedUntil: number | null = null;

  constructor(readonly began: number) {}

  /** Durations up to `end` (default now). */
  phases(end = performance.now()): RunPhases {
    const env = this.environmentReady ?? end;
    const steps = this.stepsEnded ?? this.observedUntil ?? end;
    const inject = Math.min(this.firstInjection ?? steps, steps);
    const observed = this.observedUntil ?? end;
    const r = (ms: number) => Math.max(0, Math.round(ms));
    return {
      environmentMs: r(env - this.began),
      bringUpMs: r(inject - env),
      faultMs: r(steps - inject),
      drainMs: r(observed - steps),
      teardownMs: r(end - observed),
    };
  }
}
