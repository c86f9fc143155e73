// The quarterly drill "lease lost mid-batch" (seed/drill-lease-lost-mid-batch.txt), step by step.
import { processPause } from "../harness/faults/process-pause.ts";
import { MSG } from "../harness/run/run.ts";
import type { Scenario } from "../harness/run/scenario.ts";

const LEASE = "outbox-forwarder";
const MAX_PAUSE_ATTEMPTS = 5;

/** F1: pause the outbox-forwarder leader past ttlMs between batches, unpause, read its log. */
export const pauseDrill: Scenario = {
  name: "pause-drill",
  summary: "pause the outbox-forwarder leader past ttlMs between batches, unpause, expect local expiry first",
  async steps(run) {
    await run.step("bring up the demo with both workers running", async () => {
      const holders = await run.waitForLeaders(10 * run.ttlMs);
      for (const [lease, holder] of holders) run.note(`${lease}: ${holder} leads and has processed a batch`);
    });

    const leader = await run.step("identify the outbox-forwarder leader in coordination_leases", async () => {
      const row = await run.leaseRow(LEASE);
      const holder = row?.holder;
      if (!row || !holder) throw new Error(`${LEASE} has no holder`);
      run.note(
        `holder_workload_id = ${row.holder}, fencing_epoch = ${row.epoch}, already_expired = ${row.alreadyExpired}`,
      );
      return { holder, epoch: row.epoch };
    });

    // Between batches: right after a batch is processed the worker only waits for its next tick. A
    // harness slower than one batch interval may catch it mid-batch instead (that is F2, not this
    // drill), so the pause is checked against the log and retried on the next batch.
    const pause = await run.step(
      `docker pause ${leader.holder} (SIGSTOP) between batches; its renewer stalls`,
      async () => {
        for (let attempt = 1; ; attempt++) {
          const processed = await run.nextLog(leader.holder, [MSG.batchProcessed], 5 * run.ttlMs);
          const fault = await run.inject(processPause(leader.holder));
          await run.quiet(leader.holder, 50, run.ttlMs / 4);
          const midBatch = run
            .logsOf(leader.holder)
            .some((e) => e.ts >= processed.ts && e.msg === MSG.batchStarted);
          if (!midBatch || attempt === MAX_PAUSE_ATTEMPTS) {
            run.note(
              `${fault.window.detail}${midBatch ? " (mid-batch: the harness never caught a gap)" : ""}`,
            );
            return fault;
          }
          run.note(`caught ${leader.holder} mid-batch; unpausing and retrying after its next batch`);
          await fault.heal();
        }
      },
    );

    await run.step("wait past leaderElection.ttlMs until a standby holds the lease", async () => {
      // The lease must lapse on the database clock, and a standby should take it within ttlMs.
      const row = await run.waitForLeaseRow(LEASE, (r) => r.epoch > leader.epoch, 3 * run.ttlMs);
      if (row) run.note(`holder_workload_id = ${row.holder}, fencing_epoch = ${row.epoch} (takeover)`);
      else run.note(`no takeover within ${3 * run.ttlMs} ms: ${JSON.stringify(await run.leaseRow(LEASE))}`);
    });

    const first = await run.step(
      `docker unpause ${leader.holder}; its next loop iteration must see the lease expired`,
      async () => {
        const next = run.nextLog(
          leader.holder,
          [MSG.expiredLocally, MSG.batchStarted, MSG.itemStarted, MSG.leader],
          2 * run.ttlMs,
        );
        await pause.heal();
        return next.catch(() => null);
      },
    );

    await run.step(`grep ${leader.holder}'s log: "lease expired locally" before any batch`, async () => {
      run.note(
        first
          ? `first line after unpause: ${first.msg}${first.epoch === undefined ? "" : ` (epoch ${first.epoch})`}`
          : "no line of interest after unpause",
      );
      const row = await run.leaseRow(LEASE);
      run.note(`lease row: holder_workload_id = ${row?.holder}, fencing_epoch = ${row?.epoch}`);
    });
  },
};
