import type { ClockSetting } from "../env/provider.ts";
import { LeaseChaosError } from "../errors.ts";
import type { Fault, FaultContext } from "./fault.ts";

/** Reads the worker's next log line: a fault uses it to see the worker's clock move. */
export type NextLineTime = (timeoutMs: number) => Promise<{ ts: number; receivedAt: number } | null>;

/**
 * F13: a clock fault on one worker through libfaketime (started under it: Scenario.clockFaults).
 * A step moves the wall clock only (as NTP stepping does; the monotonic clock is untouched); a
 * rate skew makes every clock of the process run at `rate` from now on. The harness turns the
 * worker's timestamps back into real time from the known setting. Verified by the library being
 * mapped in the process, and (when its lines carry their own time) by its log clock moving.
 */
export function clockFault(worker: string, clock: ClockSetting, nextLineTime: NextLineTime): Fault {
  let applied = false;
  let since = 0;
  const kind = clock.rate === 1 ? "clock-step" : "clock-rate";
  const what =
    clock.rate === 1
      ? `wall clock stepped ${clock.offsetMs > 0 ? "+" : ""}${clock.offsetMs} ms`
      : `clocks running at ${clock.rate}x`;
  return {
    kind,
    target: worker,
    clock,
    async inject({ env }: FaultContext) {
      since = Date.now();
      await env.setClock(worker, clock);
      applied = true;
    },
    async verify({ env }: FaultContext) {
      const mapped = await env.clockEvidence(worker);
      if (!mapped)
        throw new LeaseChaosError(
          "E_FAULT_NOT_APPLIED",
          `libfaketime is not mapped in ${worker}'s processes (a static binary?)`,
        );
      if (clock.rate !== 1) return `${what} on ${worker}; ${mapped}`;
      // The correction turns a moved clock back into real time: a line that moved shows ts ~ receivedAt.
      const line = await nextLineTime(10_000);
      if (!line) return `${what} on ${worker}; ${mapped} (no line with a time of its own to confirm it)`;
      const offByMs = Math.round(line.ts - line.receivedAt);
      if (Math.abs(offByMs) > Math.max(250, Math.abs(clock.offsetMs) / 2))
        throw new LeaseChaosError(
          "E_FAULT_NOT_APPLIED",
          `${worker}'s next line, corrected by ${-clock.offsetMs} ms, lies ${offByMs} ms from its arrival: its clock did not move`,
        );
      return `${what} on ${worker}; ${mapped}; its next line, corrected by ${-clock.offsetMs} ms, lies ${offByMs} ms from its arrival`;
    },
    async heal({ env }: FaultContext) {
      if (!applied) return;
      applied = false;
      // A step is undone; a skewed clock stops drifting but keeps what it drifted (a monotonic
      // clock never runs back, and a real one does not jump when it is fixed).
      const drifted = clock.rate === 1 ? 0 : clock.offsetMs + (Date.now() - since) * (clock.rate - 1);
      await env.setClock(worker, { offsetMs: drifted, rate: 1 });
    },
  };
}
