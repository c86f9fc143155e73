// Runbook steps shared by the scenarios: each one named in the runbook's words, and each waiting for
// evidence any worker leaves (the lease history, its effects, its lines by meaning), never for a
// message of the reference worker's.
import { WorkerStartError } from "../harness/env/errors.ts";
import type { Fault } from "../harness/faults/fault.ts";
import { processPause } from "../harness/faults/process-pause.ts";
import type {
  EvidenceEvent,
  LeaseChange,
  LineKind,
  ProcessEvent,
  WorkerLog,
} from "../harness/observe/evidence.ts";
import { holdKnob, type Knobs } from "../harness/run/knobs.ts";
import { atomicBatches, type NeedContext } from "../harness/run/needs.ts";
import { type ActiveFault, ProfileNeedError, type Run } from "../harness/run/run.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import type { Timings } from "../harness/run/timing.ts";

/** A lease's holder at a moment. */
export interface Holder {
  holder: string;
  epoch: number;
}

/** The lines the runbook greps for after a fault: the warning, work, a leader claim, the lease-lost news. */
export const LINES_OF_INTEREST: LineKind[] = [
  "expired-locally",
  "batch-started",
  "item-started",
  "leader",
  "lease-lost",
];

/** How the runbook's `grep -E` reads in the profile's words. */
function matcherText(run: Run, key: "leader" | "expiredLocally"): string {
  const m = run.profile.data.lines[key];
  return m === null ? "(not mapped)" : typeof m === "string" ? JSON.stringify(m) : `/${m.regex}/`;
}

/** Step: every lease elected a leader that did work; a worker that dies or never leads is an error. */
export async function bringUp(run: Run): Promise<void> {
  await run.step("bring up the demo with every worker running", async () => {
    const leases = [...new Set(run.workers.map((w) => w.leaseName))];
    const holders = await waitForLeaders(run, leases, 10 * run.ttlMs);
    for (const [lease, holder] of holders) run.note(`${lease}: ${holder} leads and has done work`);
  });
}

// A holder "did work" when it made an effect; without an effects table, when it started a batch or an item.
async function waitForLeaders(run: Run, leases: string[], timeoutMs: number): Promise<Map<string, string>> {
  const caps = run.profile.capabilities;
  const holders = new Map<string, string>();
  const exited = new Promise<never>((_, reject) => {
    const early = (e: EvidenceEvent): e is ProcessEvent =>
      e.kind === "process" && e.event === "exit" && !e.expected;
    void run.recorder.waitFor(early, "a worker exit", timeoutMs).then(
      (e) => {
        const tail = (e.outputTail ?? []).slice(-10).join("\n") || "(no output)";
        reject(
          new WorkerStartError(
            `worker ${e.worker} exited with ${e.signal ? `signal ${e.signal}` : `code ${e.code}`} while the demo came up; its last lines:\n${tail}`,
          ),
        );
      },
      () => {},
    );
  });
  exited.catch(() => {});
  const leaderDeadline = Date.now() + 5 * run.ttlMs;
  const work = (lease: string) =>
    new Promise<string>((resolve, reject) => {
      const done = (e: EvidenceEvent): string | null => {
        if (caps.effects) return e.kind === "effect" && e.leaseName === lease ? e.worker : null;
        if (
          e.kind === "worker-log" &&
          e.leaseName === lease &&
          (e.means === "batch-started" || e.means === "item-started")
        )
          return e.worker;
        return null;
      };
      const seen = run.recorder.events.map(done).find((w) => w !== null);
      if (seen) return resolve(seen);
      const timer = setTimeout(
        () => {
          unsubscribe();
          reject(noLeader(run, lease));
        },
        Math.max(0, (caps.lines.leader ? leaderDeadline : Date.now() + timeoutMs) - Date.now()),
      );
      const unsubscribe = run.recorder.subscribe((e) => {
        const w = done(e);
        if (w === null) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(w);
      });
    });
  await Promise.race([
    Promise.all(leases.map(async (lease) => holders.set(lease, await work(lease)))),
    exited,
  ]);
  return holders;
}

// The issue's bad-input case: a worker that never leads. Name the pattern; show what it printed.
function noLeader(run: Run, lease: string): Error {
  const ids = run.workers.filter((w) => w.leaseName === lease).map((w) => w.id);
  const claimed = run.recorder.events.some(
    (e) => e.kind === "worker-log" && e.leaseName === lease && e.means === "leader",
  );
  const held = run.recorder.events.some(
    (e) => e.kind === "lease-change" && e.leaseName === lease && e.holder !== null,
  );
  const tails = ids.map((id) => {
    const lines = run.linesOf(id).slice(-10);
    const unparsed = lines.filter((l) => l.parsed === false).length;
    return `  ${id} (${unparsed} of its last ${lines.length} lines do not match logs.${run.profile.data.logs.format === "text" ? "pattern" : "format json"}):\n${lines.map((l) => `    ${typeof l.line.raw === "string" ? l.line.raw : JSON.stringify(l.line)}`).join("\n") || "    (no output)"}`;
  });
  const why = !held
    ? `nobody acquired ${lease} in the lease table (${run.profile.data.leaseTable.table})`
    : !claimed
      ? `no worker of ${lease} printed a line matching lines.leader ${matcherText(run, "leader")} within ${5 * run.ttlMs} ms (5 ttl)`
      : `the holder of ${lease} did no work (no effect in roles.${run.role.name}.work.effects, no batch or item line)`;
  return new WorkerStartError(`${why}; their last lines:\n${tails.join("\n")}`);
}

/** Step: read the leader from the lease table, as the runbook's psql does. */
export function identifyLeader(run: Run, lease = run.lease): Promise<Holder> {
  return run.step(`identify the ${lease} leader in ${run.profile.data.leaseTable.table}`, async () => {
    const row = await run.leaseRow(lease);
    const holder = row?.holder;
    if (!row || !holder) throw new Error(`${lease} has no holder`);
    run.note(`holder = ${holder}, epoch = ${row.epoch}, already_expired = ${row.alreadyExpired}`);
    return { holder, epoch: row.epoch };
  });
}

/** Step: wait until another epoch holds the lease (a standby took over); throws when none did. */
export function waitForTakeover(run: Run, from: Holder, lease = run.lease): Promise<Holder> {
  return run.step("wait past leaderElection.ttlMs until a standby holds the lease", async () => {
    const change = await run
      .waitForLease((c) => c.epoch > from.epoch && c.holder !== null, "a takeover", 3 * run.ttlMs, lease)
      .catch(() => null);
    const seen = change ?? run.lastLeaseChange(lease);
    if (!change && !(seen && seen.epoch > from.epoch && seen.holder))
      throw new Error(
        `no takeover of ${lease} within ${3 * run.ttlMs} ms: the row still shows ${seen?.holder ?? "no holder"} (epoch ${seen?.epoch ?? "?"})`,
      );
    const to = change ?? seen;
    run.note(`holder = ${to?.holder}, epoch = ${to?.epoch} (takeover)`);
    return { holder: to?.holder as string, epoch: to?.epoch as number };
  });
}

/** Step: hold the fault a while longer so a stale leader has every chance to misbehave. */
export function holdFault(run: Run, worker: string, forMs: number): Promise<void> {
  return run.step(`keep the fault on ${worker} for ${forMs} ms more`, () => run.hold(forMs));
}

/** Step: heal the fault and read what the worker logs first. */
export function healAndRead(run: Run, fault: ActiveFault, worker: string): Promise<WorkerLog | null> {
  return run.step(
    `heal ${fault.window.fault} on ${worker}; grep its log: ${matcherText(run, "expiredLocally")} before any batch`,
    async () => {
      const next = run.nextLine(worker, LINES_OF_INTEREST, 2 * run.ttlMs).catch(() => null);
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

/**
 * Items take a tenth of the ttl, so a pause lands between an item's gate and its write; never less
 * than 150 ms, a window the harness still hits on a loaded 2-core machine at the fast tier's ttl
 * (at ttl 1000 it answered an item's line 104 ms late, as the 100 ms item ended).
 */
export function slowItems(t: Timings): Timings {
  return { ...t, itemWorkMs: Math.max(150, Math.round(t.ttlMs / 10)), batchSize: 4 };
}

/** The least a takeover can take after a fault silences the leader: its lease lapses at least
 * ttl − renew interval later (the last renewal came at most one interval before the fault). */
export function takeoverLowerBoundMs(t: Timings): number {
  return t.ttlMs - t.renewIntervalMs;
}

/** Step: inject a fault, noting the evidence that it took effect. */
export function inject(
  run: Run,
  description: string,
  fault: Fault,
  options: { tolerable?: boolean } = {},
): Promise<ActiveFault> {
  return run.step(description, async () => {
    const active = await run.inject(fault, options);
    run.note(active.window.detail);
    return active;
  });
}

const MAX_PAUSE_ATTEMPTS = 5;

/** True when `worker` did anything after `ts` besides `except`: a line by meaning, an effect or a refusal. */
function wentOn(run: Run, worker: string, ts: number, except?: EvidenceEvent): boolean {
  return run.recorder.events.some(
    (e) =>
      e !== except &&
      ((e.kind === "worker-log" &&
        e.worker === worker &&
        e.ts > ts &&
        (e.means === "item-started" || e.means === "batch-started")) ||
        ((e.kind === "effect" || e.kind === "refused-effect") && e.worker === worker && e.ts > ts)),
  );
}

/**
 * Step: freeze `worker` (SIGSTOP / docker pause) between batches: after it made an effect, once it
 * has been quiet a moment. A harness slower than one batch interval may catch it mid-batch instead
 * (that is F2, not this drill), so the pause is checked against the evidence and retried.
 */
export function pauseBetweenBatches(run: Run, worker: string, description: string): Promise<ActiveFault> {
  return run.step(description, async () => {
    const quietMs = Math.max(30, Math.round(run.timings.batchIntervalMs / 4));
    for (let attempt = 1; ; attempt++) {
      const caps = run.profile.capabilities;
      if (caps.effects) await run.nextEffect(worker, 5 * run.ttlMs);
      else await run.nextLine(worker, ["batch-started", "item-started"], 5 * run.ttlMs);
      await run.quiet(worker, quietMs, run.ttlMs);
      const at = Date.now();
      const fault = await run.inject(processPause(worker));
      await run.quiet(worker, 50, run.ttlMs / 4);
      await run.settle();
      const midBatch = wentOn(run, worker, at - 1);
      if (!midBatch || attempt === MAX_PAUSE_ATTEMPTS) {
        run.note(`${fault.window.detail}${midBatch ? " (mid-batch: the harness never caught a gap)" : ""}`);
        return fault;
      }
      run.note(`caught ${worker} mid-batch; unpausing and retrying after its next batch`);
      await fault.retry();
    }
  });
}

/** Waits for `holder` to renew its lease (the deadline it computes then dates from a warm send). */
export function waitForRenew(run: Run, holder: string): Promise<LeaseChange> {
  return run.waitForLease(
    (c) => c.holder === holder && c.op === "UPDATE",
    `a renew by ${holder}`,
    2 * run.ttlMs,
  );
}

/**
 * Steps: keep `holder` paused until `offsetOf(margin)` ms before the expires_at of its last grant
 * (inside its safety margin), then resume it and read its next line.
 */
export async function resumeInsideMargin(
  run: Run,
  holder: string,
  pause: ActiveFault,
  offsetOf: (marginMs: number) => number,
): Promise<WorkerLog | null> {
  const grant = run.lastLeaseChange();
  const margin = run.workers.find((w) => w.id === holder)?.safetyMarginMs ?? run.timings.safetyMarginMs;
  const offsetMs = offsetOf(margin);
  const expiresAt = grant?.holder === holder ? (grant.expiresAt ?? Date.now()) : Date.now();
  await run.step(
    `keep it paused until ${offsetMs} ms before its expires_at (inside its ${margin} ms margin)`,
    () => run.until(expiresAt - offsetMs),
  );
  return healAndRead(run, pause, holder);
}

/**
 * Step: pauseBetweenBatches, but clear of a renewal: a renew that commits just before the pause
 * may not have reached the worker, so its deadline would date from the renew before (a ttl/4
 * earlier) while the database's expires_at moved on. The pause is lifted and tried again then.
 */
export async function pauseClearOfRenewal(
  run: Run,
  worker: string,
  description: string,
): Promise<ActiveFault> {
  const guardMs = Math.max(50, Math.round(run.timings.renewIntervalMs / 5));
  for (let attempt = 1; ; attempt++) {
    const fault = await pauseBetweenBatches(run, worker, description);
    const last = run.lastLeaseChange();
    const tooClose =
      last !== undefined && last.holder === worker && Math.abs(fault.window.start - last.ts) < guardMs;
    if (!tooClose || attempt === MAX_PAUSE_ATTEMPTS) return fault;
    run.note(
      `a renew of ${worker} committed ${Math.round(fault.window.start - last.ts)} ms before the pause; trying again`,
    );
    await fault.retry();
  }
}

/** What an item-gate scenario does differently for a worker whose batch is one statement. */
export function itemGateAdapts(ctx: NeedContext): string[] {
  return atomicBatches(ctx.role)
    ? [
        `roles.${ctx.role.name}.work.batch is atomic: the pause lands right after the batch line (between its gate and its one statement), not at an item`,
      ]
    : [];
}

/**
 * Step: queue a batch, then freeze `worker` the moment it passes its gate for an item (for a batch
 * that is one statement: the moment its batch line says the gate passed). It had a moment to go on
 * before the signal landed, so its evidence is read once it is quiet: if the item (or the batch)
 * went on, the pause is lifted and tried again on the next one.
 */
export function pauseAtItem(run: Run, worker: string, description: string): Promise<ActiveFault> {
  const atomic = atomicBatches(run.role);
  const gate: LineKind = atomic ? "batch-started" : "item-started";
  if (!run.profile.capabilities.lines[atomic ? "batchStarted" : "itemStarted"])
    throw new ProfileNeedError(description, atomic ? "lines.batchStarted" : "lines.itemStarted");
  return run.step(description, async () => {
    await run.enqueue(8);
    const batches = run.profile.capabilities.lines.batchStarted;
    for (let attempt = 1; ; attempt++) {
      // The first item of a batch, so items remain behind it: a gate that is asked once per batch
      // shows itself on the next one.
      if (batches && !atomic) await run.nextLine(worker, ["batch-started"], 5 * run.ttlMs);
      const line = await run.nextLine(worker, [gate], 5 * run.ttlMs);
      const fault = await run.inject(processPause(worker));
      // A statement it had sent may still commit while it is frozen, and the journal may bring it
      // late on a busy machine: quiet a while, then the journal read to its end, before judging.
      await run.quiet(worker, 100, run.ttlMs / 4);
      await run.settle();
      const missed = wentOn(run, worker, line.ts, line);
      const what = atomic
        ? " of its batch (one statement)"
        : line.item === undefined
          ? ""
          : ` of item ${line.item}`;
      if (!missed || attempt === MAX_PAUSE_ATTEMPTS) {
        run.note(
          `${fault.window.detail}; at its gate${what}${missed ? " (the worker had gone on: no attempt caught it)" : ""}`,
        );
        return fault;
      }
      run.note(
        `${worker} went on past its gate${what} before the pause landed; unpausing and trying the next one`,
      );
      await fault.retry();
      await run.enqueue(4);
    }
  });
}

/** Step: queue a batch, then freeze `worker` the moment one of its effects commits. */
export function pauseAfterEffect(
  run: Run,
  worker: string,
  description: string,
  effectType?: string,
): Promise<ActiveFault> {
  if (!run.profile.capabilities.effects)
    throw new ProfileNeedError(description, `roles.${run.role.name}.work.effects`);
  return run.step(description, async () => {
    await run.enqueue(8);
    const effect = await run.nextEffect(worker, 5 * run.ttlMs, {
      accept: (e) => !effectType || e.type === effectType,
    });
    const fault = await run.inject(processPause(worker));
    run.note(`${fault.window.detail}; right after its ${effect.type} of ${effect.itemId}`);
    return fault;
  });
}

/**
 * A scenario of the commonest shape: a fault silences the target lease's leader; a standby must
 * take over; the fault is held one more ttl so a stale leader has every chance to misbehave; then
 * it heals and the old leader's log is read.
 */
export function leaderFaultScenario(spec: {
  name: string;
  summary: string;
  faults: string[];
  knobs?: Knobs;
  describe: (leader: string, run: Run) => string;
  fault: (leader: string, run: Run) => Fault;
}): Scenario {
  return {
    name: spec.name,
    summary: spec.summary,
    faults: spec.faults,
    knobs: { ...spec.knobs, holdMs: holdKnob("how long the fault stays on after the takeover", 1) },
    premises: ["target-term-ended", "lease-changed-hands"],
    lowerBoundMs: (t) => takeoverLowerBoundMs(t) + t.ttlMs,
    async steps(run) {
      await bringUp(run);
      const leader = await identifyLeader(run);
      const fault = await inject(run, spec.describe(leader.holder, run), spec.fault(leader.holder, run));
      await waitForTakeover(run, leader);
      await holdFault(run, leader.holder, run.knob("holdMs"));
      await healAndRead(run, fault, leader.holder);
    },
  };
}
