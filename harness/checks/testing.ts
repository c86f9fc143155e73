// Test-only builder of synthetic evidence: times are ms offsets from T0 so histories read like a drill.
import type {
  Effect,
  Evidence,
  EvidenceEvent,
  FaultWindow,
  LineKind,
  ProcessEvent,
  RunMeta,
  WallMs,
  WorkerLog,
  WorkerSpec,
} from "../observe/evidence.ts";
import { LOG_MSG } from "./logs.ts";

// The reference worker's messages and what its profile maps them to.
const MEANS: Record<string, LineKind> = {
  [LOG_MSG.batchStarted]: "batch-started",
  [LOG_MSG.itemStarted]: "item-started",
  [LOG_MSG.leader]: "leader",
  [LOG_MSG.expiredLocally]: "expired-locally",
  [LOG_MSG.leaseLost]: "lease-lost",
};

/** The run's start on the wall clock: 2025-01-01T12:00:00.000Z, so clock times read 12:00:xx. */
export const T0: WallMs = Date.UTC(2025, 0, 1, 12, 0, 0);

/** An offset from T0 as a wall-clock instant. */
export const at = (offsetMs: number): WallMs => T0 + offsetMs;

const LEASE = "outbox-forwarder";

const defaultWorkers: WorkerSpec[] = [
  { id: "fwd-a", leaseName: LEASE, role: "outbox-forwarder", bug: null },
  { id: "fwd-b", leaseName: LEASE, role: "outbox-forwarder", bug: null },
];

/** A builder of one run's evidence; every method takes offsets from T0 and returns the builder. */
export function history(meta: Partial<RunMeta> = {}) {
  const events: EvidenceEvent[] = [];
  const runMeta: RunMeta = {
    scenario: "synthetic",
    runId: "test",
    seed: 1,
    ttlMs: 10_000,
    safetyMarginMs: 1_000,
    bug: null,
    workers: defaultWorkers,
    startedAt: T0,
    healedAt: null,
    observedUntil: at(40_000),
    drainBoundMs: 10_000,
    ...meta,
  };
  const leaseOf = (worker: string) => runMeta.workers.find((w) => w.id === worker)?.leaseName ?? LEASE;
  const change = (
    worker: string | null,
    epoch: number,
    atMs: number,
    expiresAtMs: number | null,
    lease: string,
  ) =>
    events.push({
      kind: "lease-change",
      ts: at(atMs),
      op: "UPDATE",
      leaseName: lease,
      holder: worker,
      epoch,
      acquiredAt: null,
      renewedAt: worker === null ? null : at(atMs),
      expiresAt: expiresAtMs === null ? null : at(expiresAtMs),
    });

  const b = {
    meta: runMeta,
    events,
    /** the database granted `worker` the lease under `epoch` at `atMs` for ttlMs (default meta.ttlMs) */
    acquire(worker: string, epoch: number, atMs: number, ttlMs = runMeta.ttlMs, lease = leaseOf(worker)) {
      change(worker, epoch, atMs, atMs + ttlMs, lease);
      return b;
    },
    /** a renewal: same row change shape as an acquire, same holder and epoch */
    renew(worker: string, epoch: number, atMs: number, ttlMs = runMeta.ttlMs, lease = leaseOf(worker)) {
      return b.acquire(worker, epoch, atMs, ttlMs, lease);
    },
    /** renewals every `everyMs` from `fromMs` while < `untilMs` */
    /** a renewal whose statement began (its renewed_at, the database's now()) at statedAtMs and committed at committedAtMs */
    lateRenew(worker: string, epoch: number, statedAtMs: number, committedAtMs: number) {
      change(worker, epoch, committedAtMs, committedAtMs + runMeta.ttlMs, leaseOf(worker));
      const last = events[events.length - 1] as { renewedAt: number | null };
      last.renewedAt = at(statedAtMs);
      return b;
    },
    renewEvery(worker: string, epoch: number, fromMs: number, untilMs: number, everyMs: number) {
      for (let t = fromMs; t < untilMs; t += everyMs) b.renew(worker, epoch, t);
      return b;
    },
    /** the holder set to null (a voluntary release) */
    release(worker: string, epoch: number, atMs: number, lease = leaseOf(worker)) {
      change(null, epoch, atMs, null, lease);
      return b;
    },
    /** a line of `worker`'s process `instance` (1 unless a restart or a zombie), mapped as the reference profile maps it */
    log(
      worker: string,
      atMs: number,
      msg: string,
      epoch?: number,
      lease = leaseOf(worker),
      extra: Partial<WorkerLog> = {},
    ) {
      const line: Record<string, unknown> = { ts: at(atMs), level: "info", msg, workload_id: worker };
      if (epoch !== undefined) line.epoch = epoch;
      const means = MEANS[msg];
      events.push({
        kind: "worker-log",
        ts: at(atMs),
        receivedAt: at(atMs),
        worker,
        instance: 1,
        leaseName: lease,
        level: "info",
        msg,
        line,
        ...(means && { means }),
        ...(epoch !== undefined && { epoch }),
        ...extra,
      });
      return b;
    },
    batch(worker: string, atMs: number, epoch: number) {
      return b.log(worker, atMs, LOG_MSG.batchStarted, epoch);
    },
    effect(
      worker: string,
      atMs: number,
      epoch: number | null,
      itemId: string,
      type: Effect["type"] = "delivery",
    ) {
      events.push({
        kind: "effect",
        ts: at(atMs),
        type,
        leaseName: leaseOf(worker),
        worker,
        epoch,
        itemId,
        ...(type === "delivery" ? { unique: true } : {}),
      });
      return b;
    },
    /** an attempted effect the system refused */
    refused(worker: string, atMs: number, epoch: number | null, itemId: string, type = "refused-delivery") {
      events.push({
        kind: "refused-effect",
        ts: at(atMs),
        type,
        leaseName: leaseOf(worker),
        worker,
        epoch,
        itemId,
      });
      return b;
    },
    /** a backlog sample: items waiting for the outbox-forwarder (and the ttl-sweeper) */
    backlog(atMs: number, pendingForward: number, overdueReservations = 0) {
      events.push({
        kind: "backlog",
        ts: at(atMs),
        byLease: {
          [LEASE]: pendingForward,
          ...(overdueReservations ? { "ttl-sweeper": overdueReservations } : {}),
        },
      });
      return b;
    },
    /** a sample of a worker's database activity */
    traffic(worker: string, atMs: number, sample: { bytes?: number; lastStatementAt?: number }) {
      events.push({ kind: "traffic", ts: at(atMs), worker, ...sample });
      return b;
    },
    fault(
      fault: string,
      target: string,
      startMs: number,
      endMs: number | null,
      extra: Partial<FaultWindow> = {},
    ) {
      const w: FaultWindow = {
        kind: "fault",
        id: `${fault}-${startMs}`,
        fault,
        target,
        start: at(startMs),
        end: endMs === null ? null : at(endMs),
        verified: true,
        detail: "",
        ...(fault === "pause" || fault === "process-pause" || fault === "process-kill"
          ? { silences: true }
          : {}),
        ...extra,
      };
      events.push(w);
      return b;
    },
    process(worker: string, atMs: number, event: ProcessEvent["event"], extra: Partial<ProcessEvent> = {}) {
      events.push({ kind: "process", ts: at(atMs), worker, event, ...extra });
      return b;
    },
    /** remove events matching `pred` (to turn a correct drill into a buggy one) */
    without(pred: (e: EvidenceEvent) => boolean) {
      for (let i = events.length - 1; i >= 0; i--) if (pred(events[i] as EvidenceEvent)) events.splice(i, 1);
      return b;
    },
    build(): Evidence {
      const sortTs = (e: EvidenceEvent) => (e.kind === "fault" ? e.start : e.ts);
      return { meta: runMeta, events: events.toSorted((x, y) => sortTs(x) - sortTs(y)) };
    },
  };
  return b;
}

/**
 * The pause drill done right (F1, docs/runbook-drill.md): fwd-a leads under epoch 1 (renewed until 6 s, expires at 16 s),
 * is paused 7-22 s; fwd-b acquires epoch 2 at 17 s (1 s after expiry, within ttl) and delivers;
 * fwd-a resumes, warns `lease expired locally` and stands by; the backlog drains by 24 s.
 */
export function pauseDrill(meta: Partial<RunMeta> = {}) {
  return history({ healedAt: at(22_000), ...meta })
    .acquire("fwd-a", 1, 0)
    .renewEvery("fwd-a", 1, 3_000, 7_000, 3_000)
    .log("fwd-a", 5, LOG_MSG.leader, 1)
    .batch("fwd-a", 1_000, 1)
    .log("fwd-a", 1_001, LOG_MSG.itemStarted, 1)
    .effect("fwd-a", 1_010, 1, "evt-1")
    .effect("fwd-a", 1_011, 1, "evt-1", "forward-mark")
    .batch("fwd-a", 5_000, 1)
    .log("fwd-a", 5_001, LOG_MSG.itemStarted, 1)
    .effect("fwd-a", 5_010, 1, "evt-2")
    .fault("pause", "fwd-a", 7_000, 22_000)
    .process("fwd-a", 7_000, "pause")
    .backlog(10_000, 3)
    .acquire("fwd-b", 2, 17_000)
    .renewEvery("fwd-b", 2, 20_000, 40_000, 3_000)
    .log("fwd-b", 17_004, LOG_MSG.leader, 2)
    .batch("fwd-b", 17_100, 2)
    .log("fwd-b", 17_101, LOG_MSG.itemStarted, 2)
    .effect("fwd-b", 17_110, 2, "evt-3")
    .process("fwd-a", 22_000, "resume")
    .log("fwd-a", 22_003, LOG_MSG.expiredLocally, 1)
    .backlog(20_000, 2)
    .backlog(24_000, 0);
}
