// The recorded history of one run. Every timestamp is wall-clock milliseconds since the epoch on the
// host clock: Postgres (`clock_timestamp()`), the workers (`ts` of their log lines) and the harness
// share one machine clock, so the values are comparable. Each field says which process read it.

/** Wall-clock ms since the epoch (host clock). */
export type WallMs = number;

/** One row change of `coordination_leases`, appended by the observation trigger (database clock). */
export interface LeaseChange {
  kind: "lease-change";
  /** database clock_timestamp() of the change */
  ts: WallMs;
  op: "INSERT" | "UPDATE" | "DELETE";
  leaseName: string;
  holder: string | null;
  epoch: number;
  acquiredAt: WallMs | null;
  renewedAt: WallMs | null;
  expiresAt: WallMs | null;
}

/** One JSON log line of a worker (worker's wall clock `ts`). */
export interface WorkerLog {
  kind: "worker-log";
  ts: WallMs;
  worker: string;
  leaseName: string;
  level: string;
  msg: string;
  /** fencing epoch the line speaks for, when the worker gave one */
  epoch?: number;
  /** the whole parsed line, for evidence */
  line: Record<string, unknown>;
}

/** An external effect accepted by the database (database clock). */
export interface Effect {
  kind: "effect";
  ts: WallMs;
  /** delivery = sink acceptance; forward-mark = outbox row marked forwarded; sweep = reservation expired */
  type: "delivery" | "forward-mark" | "sweep";
  leaseName: string;
  worker: string;
  /** null when the worker sent no epoch (the no-fencing bug) */
  epoch: number | null;
  itemId: string;
}

/** A delivery the sink refused because its epoch was stale (database clock). */
export interface RejectedEffect {
  kind: "rejected-effect";
  ts: WallMs;
  leaseName: string;
  worker: string;
  epoch: number | null;
  itemId: string;
  highestEpoch: number;
}

/** Backlog sampled by the harness through its own connection (database clock). */
export interface BacklogSample {
  kind: "backlog";
  ts: WallMs;
  /** audit_outbox rows with pending_forward = TRUE */
  pendingForward: number;
  /** reservations still 'reserved' with ttl_expires_at < now() */
  overdueReservations: number;
}

/** A fault's window (harness wall clock). `end` is null while it is active. */
export interface FaultWindow {
  kind: "fault";
  id: string;
  fault: string;
  target: string;
  start: WallMs;
  end: WallMs | null;
  /** the harness confirmed the fault took effect */
  verified: boolean;
  detail: string;
}

/** A worker process's lifecycle as the harness saw it (harness wall clock). */
export interface ProcessEvent {
  kind: "process";
  ts: WallMs;
  worker: string;
  event: "start" | "exit" | "pause" | "resume" | "kill" | "stop";
  code?: number | null;
  signal?: string | null;
  /** true when the harness caused the exit (kill, stop at the end) */
  expected?: boolean;
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
  | Effect
  | RejectedEffect
  | BacklogSample
  | FaultWindow
  | ProcessEvent
  | StepEvent;

/** A worker of the run, as configured. */
export interface WorkerSpec {
  id: string;
  leaseName: string;
  role: "outbox-forwarder" | "ttl-sweeper";
  bug: string | null;
}

/** What the run was and the phases the checks need (harness wall clock). */
export interface RunMeta {
  scenario: string;
  runId: string;
  seed: number;
  ttlMs: number;
  /** the worker's safety margin: local deadline = send time + ttlMs - safetyMarginMs */
  safetyMarginMs: number;
  bug: string | null;
  workers: WorkerSpec[];
  startedAt: WallMs;
  /** when the last fault was healed; null when the scenario injected none */
  healedAt: WallMs | null;
  /** the end of observation; shutdown (releases on SIGTERM) comes after it */
  observedUntil: WallMs;
  /** how long after healedAt the backlog must reach zero */
  drainBoundMs: number;
  /** the check ids that apply to this scenario (all when absent) */
  checks?: string[];
}

/** Everything a check may read. Events are sorted by ts. */
export interface Evidence {
  meta: RunMeta;
  events: EvidenceEvent[];
}
