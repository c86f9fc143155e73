// Runbook steps shared by the scenarios: each one named in the runbook's words.

import type { Fault } from "../harness/faults/fault.ts";
import { processPause } from "../harness/faults/process-pause.ts";
import type { WorkerLog } from "../harness/observe/evidence.ts";
import type { ActiveFault, Run } from "../harness/run/run.ts";
import { MSG } from "../harness/run/run.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import type { Timings } from "../harness/run/timing.ts";

/** The lease the runbook's drill is about. */
export const OUTBOX = "outbox-forwarder";

/** A lease's holder at a moment. */
export interface Holder {
  holder: string;
  epoch: number;
}

/** The lines the runbook greps for after a fault. */
export const LINES_OF_INTEREST = [MSG.expiredLocally, MSG.batchStarted, MSG.itemStarted, MSG.leader];

/** Step: both workloads elected a leader and did work. */
export async function bringUp(run: Run): Promise<void> {
  await run.step("bring up the demo with both workers running", async () => {
    const holders = await run.waitForLeaders(10 * run.ttlMs);
    for (const [lease, holder] of holders) run.note(`${lease}: ${holder} leads and has processed a batch`);
  });
}

/** Step: read the leader from coordination_leases, as the runbook's psql does. */
export function identifyLeader(run: Run, lease = OUTBOX): Promise<Holder> {
  return run.step(`identify the ${lease} leader in coordination_leases`, async () => {
    const row = await run.leaseRow(lease);
    const holder = row?.holder;
    if (!row || !holder) throw new Error(`${lease} has no holder`);
    run.note(
      `holder_workload_id = ${holder}, fencing_epoch = ${row.epoch}, already_expired = ${row.alreadyExpired}`,
    );
    return { holder, epoch: row.epoch };
  });
}

/** Step: wait until another epoch holds the lease (a standby took over); notes it either way. */
export function waitForTakeover(run: Run, from: Holder, lease = OUTBOX): Promise<Holder | null> {
  return run.step("wait past leaderElection.ttlMs until a standby holds the lease", async () => {
    const row = await run.waitForLeaseRow(
      lease,
      (r) => r.epoch > from.epoch && r.holder !== null,
      3 * run.ttlMs,
    );
    if (!row?.holder) {
      run.note(`no takeover within ${3 * run.ttlMs} ms: ${JSON.stringify(await run.leaseRow(lease))}`);
      return null;
    }
    run.note(`holder_workload_id = ${row.holder}, fencing_epoch = ${row.epoch} (takeover)`);
    return { holder: row.holder, epoch: row.epoch };
  });
}

/** Step: hold the fault a while longer so a stale leader has every chance to misbehave. */
export function holdFault(run: Run, worker: string, forMs: number): Promise<void> {
  return run.step(`keep the fault on ${worker} for ${forMs} ms more`, async () => {
    await run.hold(forMs);
  });
}

/** Step: heal the fault and read what the worker logs first. */
export function healAndRead(run: Run, fault: ActiveFault, worker: string): Promise<WorkerLog | null> {
  return run.step(
    `heal ${fault.window.fault} on ${worker}; grep its log: "lease expired locally" before any batch`,
    async () => {
      const next = run.nextLog(worker, LINES_OF_INTEREST, 2 * run.ttlMs).catch(() => null);
      await fault.heal();
      const first = await next;
      run.note(
        first
          ? `first line after the heal: ${first.msg}${first.epoch === undefined ? "" : ` (epoch ${first.epoch})`}`
          : "no line of interest after the heal",
      );
      return first;
    },
  );
}

/** Items take a tenth of the ttl, so a pause lands between an item's gate and its write. */
export function slowItems(t: Timings): Timings {
  return { ...t, itemWorkMs: Math.round(t.ttlMs / 10), batchSize: 4 };
}

/** The least a takeover can take after a fault silences the leader: its lease lapses at least
 * ttl − renew interval later (the last renewal came at most one interval before the fault). */
export function takeoverLowerBoundMs(t: Timings): number {
  return t.ttlMs - t.renewIntervalMs;
}

/** Step: inject a fault, noting the evidence that it took effect. */
export function inject(run: Run, description: string, fault: Fault): Promise<ActiveFault> {
  return run.step(description, async () => {
    const active = await run.inject(fault);
    run.note(active.window.detail);
    return active;
  });
}

/** Lines that show an item's work went on: after one of these, a pause no longer lands inside it. */
const PROGRESS = [
  MSG.itemStarted,
  "item delivered",
  "item already forwarded",
  "effect refused: stale fencing epoch",
  MSG.batchProcessed,
];
const MAX_PAUSE_ATTEMPTS = 5;

/**
 * Step: queue a batch, then freeze `worker` (SIGSTOP) the moment it logs `msg`. The worker had a
 * moment to go on before the signal landed, so its log is read once the pipe is quiet: if the
 * item went on past the point, the pause is lifted and tried again on the next one.
 */
export function pauseAtLog(run: Run, worker: string, msg: string, description: string): Promise<ActiveFault> {
  return run.step(description, async () => {
    await run.produceOutbox(8);
    for (let attempt = 1; ; attempt++) {
      const line = await run.nextLog(worker, [msg], 5 * run.ttlMs);
      const fault = await run.inject(processPause(worker));
      await run.quiet(worker, 50, run.ttlMs / 4);
      const missed = run
        .logsOf(worker)
        .some((e) => e.ts >= line.ts && e !== line && PROGRESS.includes(e.msg));
      const item = line.line.item === undefined ? "" : ` of item ${String(line.line.item)}`;
      if (!missed || attempt === MAX_PAUSE_ATTEMPTS) {
        run.note(
          `${fault.window.detail}; at "${msg}"${item}${missed ? " (the worker had gone on: no attempt caught it)" : ""}`,
        );
        return fault;
      }
      run.note(
        `${worker} went on past "${msg}"${item} before the pause landed; unpausing and trying the next one`,
      );
      await fault.heal();
      await run.produceOutbox(4);
    }
  });
}

/**
 * A scenario of the commonest shape: a fault silences the outbox-forwarder leader's database; a
 * standby must take over; the fault is held one more ttl so a stale leader has every chance to
 * misbehave; then it heals and the old leader's log is read.
 */
export function leaderFaultScenario(spec: {
  name: string;
  summary: string;
  describe: (leader: string, run: Run) => string;
  fault: (leader: string, run: Run) => Fault;
}): Scenario {
  return {
    name: spec.name,
    summary: spec.summary,
    lowerBoundMs: (t) => takeoverLowerBoundMs(t) + t.ttlMs,
    async steps(run) {
      await bringUp(run);
      const leader = await identifyLeader(run);
      const fault = await inject(run, spec.describe(leader.holder, run), spec.fault(leader.holder, run));
      await waitForTakeover(run, leader);
      await holdFault(run, leader.holder, run.ttlMs);
      await healAndRead(run, fault, leader.holder);
    },
  };
}
