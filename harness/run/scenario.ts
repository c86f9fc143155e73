import type { WorkerSpec } from "../observe/evidence.ts";
import type { Run } from "./run.ts";
import type { Timings } from "./timing.ts";

/** A scenario: data composed from parts, its steps reading like the runbook. */
export interface Scenario {
  name: string;
  /** one line for `lease-chaos list` */
  summary: string;
  /** the check ids that apply; all of them when absent */
  checks?: string[];
  /** the workers to start; the standard four when absent */
  workers?: (bug: string | null) => WorkerSpec[];
  /**
   * The waits the scenario cannot avoid (fault durations, ttl lapses) for a run with these timings
   * and seed: what a benchmark compares its wall time with.
   */
  lowerBoundMs(t: Timings, seed: number): number;
  /** adjusts the worker timings derived from the ttl (e.g. slower items for a mid-batch pause) */
  timings?: (base: Timings) => Timings;
  steps(run: Run): Promise<void>;
}

/** The runbook's demo: two outbox-forwarders and two ttl-sweepers, all of one variant. */
export function standardWorkers(bug: string | null): WorkerSpec[] {
  return [
    { id: "fwd-a", leaseName: "outbox-forwarder", role: "outbox-forwarder", bug },
    { id: "fwd-b", leaseName: "outbox-forwarder", role: "outbox-forwarder", bug },
    { id: "sweep-a", leaseName: "ttl-sweeper", role: "ttl-sweeper", bug },
    { id: "sweep-b", leaseName: "ttl-sweeper", role: "ttl-sweeper", bug },
  ];
}
