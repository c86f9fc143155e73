// The recorded history of one run. Every timestamp is wall-clock milliseconds since the epoch on the
// host clock: Postgres (`clock_timestamp()`), the workers (their log lines' time) and the harness
// share one machine clock, so the values are comparable. A clock fault on a worker changes that on
// purpose; its lines are corrected by the fault's known offset (and `receivedAt` is always the
// harness's clock). Each field says which process read it.
import type { Capabilities } from "../profile/profile.ts";

/** Wall-clock ms since the epoch (host clock). */
export type WallMs = number;

/** One row change of the lease table, journaled by the harness's trigger (database clock). */
export interface LeaseChange {
  kind: "lease-change";
  /** database clock_timestamp() of the change */
  ts: WallMs;
  /** SNAPSHOT: the row as it was when observation began (an attached stack, a self-migrating worker) */
  op: "INSERT" | "UPDATE" | "DELETE" | "SNAPSHOT";
  leaseName: string;
  holder: string | null;
  /** the epoch column; synthesized (a count of holder changes) when the profile has none */
  epoch: number;
  acquiredAt: WallMs | null;
  renewedAt: WallMs | null;
  expiresAt: WallMs | null;
  journalId?: number;
}

/** What a mapped log line means (the profile's `lines`). */
export type LineKind =
  | "leader"
  | "expired-locally"
  | "batch-started"
  | "item-started"
  | "lease-lost"
  | "standby"
  | "refused";

/** One log line of a worker process, through its profile's adapter. */
export interface WorkerLog {
  kind: "worker-log";
  /** the worker's own time (corrected for a clock fault on it), else when it arrived */
  ts: WallMs;
  /** harness clock when the line arrived */
  receivedAt: WallMs;
  /** the workload id of the instance that printed it (the stream tells, not the line) */
  worker: string;
  /** which process of that workload id: 1 for the first start, 2 after a restart or for a second process ... */
  instance: number;
  leaseName: string;
  stream?: "stdout" | "stderr";
  level: string;
  msg: string;
  /** false when the line did not match the profile's format */
  parsed?: boolean;
  means?: LineKind;
  /** fencing epoch the line speaks for, when the worker gave one */
  epoch?: number;
  /** the work item the line names */
  item?: string;
  /** every item the line names, when its item field is a list (`forwarded=[12,13,14]`) */
  items?: string[];
  /** the workload id the line itself claims, when it differs from the instance's */
  claimedWorker?: string;
  /** the whole parsed line, for evidence */
  line: Record<string, unknown>;
}

/**
 * A line a worker printed on a stream its profile does not read as log lines (its stderr, usually:
 * a traceback, a runtime's warning). Kept for the person reading the report; no check reads it.
 */
export interface WorkerOutput {
  kind: "output";
  /** harness clock when the line arrived */
  ts: WallMs;
  worker: string;
  instance: number;
  stream: "stdout" | "stderr";
  text: string;
}

/** An external effect the system accepted (database clock). */
export interface Effect {
  kind: "effect";
  ts: WallMs;
  /** the profile's effect name, e.g. delivery, forward-mark, sweep */
  type: string;
  leaseName: string;
  worker: string;
  /** null when the effect carries no epoch (no column, or the worker sent none: the no-fencing bug) */
  epoch: number | null;
  itemId: string;
  /** each item must land at most once */
  unique?: boolean;
  journalId?: number;
}

/** An attempted effect the system refused (its fence said no), journaled like effects (database clock). */
export interface RefusedEffect {
  kind: "refused-effect";
  ts: WallMs;
  type: string;
  leaseName: string;
  worker: string;
  epoch: number | null;
  itemId: string;
  journalId?: number;
  /** "log": known from a worker's line meaning refused (lines.refused), stamped with the line's time */
  source?: "log";
}

/** Backlog sampled by the harness through its own connection (database clock): the runbook's symptom. */
export interface BacklogSample {
  kind: "backlog";
  ts: WallMs;
  /** items waiting, per lease whose role has a backlog query */
  byLease: Record<string, number>;
}

/**
 * A worker's database activity as the harness sampled it (harness clock): the bytes its own proxy
 * has delivered both ways (Toxiproxy's /metrics), and the start of the latest statement of its
 * sessions in pg_stat_activity (database clock), where either could be read.
 */
export interface TrafficSample {
  kind: "traffic";
  ts: WallMs;
  worker: string;
  /** cumulative bytes through its proxy; absent when /metrics cannot be read */
  bytes?: number;
  /** the latest query_start among its sessions; absent when none is identified as its */
  lastStatementAt?: WallMs;
}

/** A fault's window (harness wall clock). `end` is null while it is active. */
export interface FaultWindow {
  kind: "fault";
  id: string;
  fault: string;
  target: string;
  start: WallMs;
  end: WallMs | null;
  /** when the injection returned, the fault in place (a lock granted, a signal sent); start is before it */
  injectedAt?: WallMs;
  /** when the heal began (a resume signal takes effect at once; `end` is when the heal returned) */
  healStartedAt?: WallMs;
  /** the harness confirmed the fault took effect */
  verified: boolean;
  /** a watch's injection that did not take effect and was undone at once: evidence, not a reason for unknown */
  withdrawn?: boolean;
  /** an attempt the scenario lifted to try again (e.g. a pause that landed mid-batch): evidence, not its main fault */
  retried?: boolean;
  detail: string;
  /** the scenario's claim that a correct system rides this fault out with no change of holder */
  tolerable?: boolean;
  /** the fault stops its target from reaching the database (a pause, a kill, a cut-off proxy) */
  silences?: boolean;
  /** the fault holds the target's lease row: every contender's acquire and renew of that lease stalls */
  holdsLease?: boolean;
  /** a clock fault: the worker's clock reads real + offsetMs + (real - since) * (rate - 1) */
  clock?: { offsetMs: number; rate: number; since: WallMs };
}

/** A worker process's lifecycle as the harness saw it (harness wall clock). */
export interface ProcessEvent {
  kind: "process";
  ts: WallMs;
  worker: string;
  /** which process of that workload id (see WorkerLog.instance) */
  instance?: number;
  event: "start" | "exit" | "pause" | "resume" | "kill" | "stop";
  code?: number | null;
  signal?: string | null;
  /** true when the harness caused the exit (kill, stop at the end) */
  expected?: boolean;
  /** a start that is the harness attaching to a process already running (compose), not a process start */
  attached?: boolean;
  /** the last lines it printed (either stream), when it exited on its own */
  outputTail?: string[];
  /** the last lines it printed on stderr, when it exited on its own */
  stderrTail?: string[];
}

/** A scenario step as narrated (harness wall clock). */
export interface StepEvent {
  kind: "step";
  ts: WallMs;
  name: string;
  phase: "start" | "end";
}

export type EvidenceEvent =
  | LeaseChange
  | WorkerLog
  | WorkerOutput
  | Effect
  | RefusedEffect
  | BacklogSample
  | TrafficSample
  | FaultWindow
  | ProcessEvent
  | StepEvent;

/** A worker of the run, as configured. */
export interface WorkerSpec {
  id: string;
  leaseName: string;
  role: string;
  bug: string | null;
  /** the ttl this instance was told (a rolling deploy may disagree with the run's) */
  ttlMs?: number;
  /** the margin this instance keeps before expires_at */
  safetyMarginMs?: number;
  /** a second process of an existing id (a zombie), started by a step */
  extra?: boolean;
  /** its batch is one statement with no per-item gate (the role's work.batch) */
  atomicBatch?: boolean;
}

/** A scenario premise: something its fault must have caused for the verdict to mean anything. */
export interface PremiseResult {
  id: string;
  held: boolean;
  detail: string;
}

/** What the run was and the phases the checks need (harness wall clock). */
export interface RunMeta {
  scenario: string;
  runId: string;
  seed: number;
  ttlMs: number;
  /** the workers' safety margin: a correct local deadline is at most expires_at - safetyMarginMs */
  safetyMarginMs: number;
  /** how late a worker's line may be stamped after its gate decided (log latency); see the checks */
  logToleranceMs?: number;
  bug: string | null;
  workers: WorkerSpec[];
  startedAt: WallMs;
  /** evidence before this is not judged (observation installed late on an attached stack) */
  observedFrom?: WallMs;
  /** when the last fault was healed; null when the scenario injected none */
  healedAt: WallMs | null;
  /** the end of observation; shutdown (releases on SIGTERM) comes after it */
  observedUntil: WallMs;
  /** how long after drainFrom (else healedAt) the backlog must reach zero */
  drainBoundMs: number;
  /** when the drain began: new work stopped, after the last heal (a watch keeps producing long after its heals) */
  drainFrom?: WallMs;
  /** the check ids that apply to this scenario (all when absent) */
  checks?: string[];
  /** the scenario's premises, by id (re-evaluated by analyze) */
  premises?: string[];
  /** the scenario's knob values this run used (defaults and --set) */
  knobs?: Record<string, number>;
  /** the target lease of the scenario's faults */
  lease?: string;
  /** the run was stopped (Ctrl-C, a crash) before it could heal, drain and judge */
  interrupted?: boolean;
  /** what shaped the run besides the options: provider, images, Toxiproxy URL, versions */
  environment?: Record<string, string>;
  /** the profile the workers ran under: its name, source and what evidence it gives */
  profile?: { name: string; source: string; capabilities: Capabilities };
  provider?: string;
  /**
   * How the proxies count bytes: "live" (ours, as they pass), "on-close" (a real Toxiproxy adds a
   * connection's bytes when it closes, so silence proves nothing), or "none" (no /metrics)
   */
  traffic?: "live" | "on-close" | "none";
}

/** Everything a check may read. Events are sorted by ts. */
export interface Evidence {
  meta: RunMeta;
  events: EvidenceEvent[];
}
