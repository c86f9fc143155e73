// The quarterly drill "lease lost mid-batch" (seed/drill-lease-lost-mid-batch.txt), step by step.
import { processPause } from "../harness/faults/process-pause.ts";
import { MSG } from "../harness/run/run.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, healAndRead, identifyLeader, takeoverLowerBoundMs, waitForTakeover } from "./steps.ts";

const MAX_PAUSE_ATTEMPTS = 5;

/** F1: pause the outbox-forwarder leader past ttlMs between batches, unpause, read its log. */
export const pauseDrill: Scenario = {
  name: "pause-drill",
  summary: "F1: pause the outbox-forwarder leader past ttlMs between batches; it must log local expiry first",
  lowerBoundMs: (t) => takeoverLowerBoundMs(t),
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);

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

    await waitForTakeover(run, leader);
    await healAndRead(run, pause, leader.holder);
  },
};
