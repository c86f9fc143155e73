// The old holder comes back after the new one has been working for a while.
import { MSG } from "../harness/run/run.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import {
  bringUp,
  healAndRead,
  identifyLeader,
  pauseAtLog,
  slowItems,
  takeoverLowerBoundMs,
  waitForTakeover,
} from "./steps.ts";

/** F11: resume a holder frozen mid-item after epoch N+1 has delivered; its epoch-N writes are refused. */
export const staleHolderAfterTakeover: Scenario = {
  name: "stale-holder-after-takeover",
  summary:
    "F11: a holder frozen mid-item resumes after the new holder delivered; its stale writes are refused",
  // Takeover, then one batch of the new holder.
  lowerBoundMs: (t) => takeoverLowerBoundMs(t) + t.batchIntervalMs,
  timings: slowItems,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const pause = await pauseAtLog(
      run,
      leader.holder,
      MSG.itemStarted,
      `freeze ${leader.holder} while an item is in flight`,
    );
    const next = await waitForTakeover(run, leader);
    await run.step("the new holder processes a batch with epoch N+1", async () => {
      if (!next) return run.note("no new holder to wait for");
      const processed = await run.nextLog(next.holder, [MSG.batchProcessed], 5 * run.ttlMs);
      run.note(
        `${next.holder} processed ${JSON.stringify(processed.line.items)} with epoch ${processed.epoch}`,
      );
    });
    await healAndRead(run, pause, leader.holder);
    await run.step(
      `${leader.holder}'s in-flight item meets the fence or finds it already forwarded`,
      async () => {
        const next = await run
          .logSince(
            leader.holder,
            ["effect refused: stale fencing epoch", "item already forwarded", "item delivered"],
            pause.window.end ?? 0,
            run.ttlMs,
          )
          .catch(() => null);
        run.note(
          next
            ? `${next.msg}: item ${String(next.line.item)} with epoch ${next.epoch}`
            : "no effect attempted",
        );
      },
    );
  },
};
