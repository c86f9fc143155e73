// The parent incident: Postgres is unreachable for every worker.
import { proxyDown } from "../harness/faults/proxy-down.ts";
import type { ActiveFault } from "../harness/run/run.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, OUTBOX } from "./steps.ts";

/** F8: every worker loses Postgres for longer than the ttl; nobody works during it, one leader after. */
export const postgresOutage: Scenario = {
  name: "postgres-outage",
  summary:
    "F8: Postgres unreachable for everyone past the ttl; no effects during it, one leader per lease after",
  // The outage lasts 1.5 ttl.
  lowerBoundMs: (t) => Math.round(1.5 * t.ttlMs),
  // Nobody can take over during an outage; leadership after it is judged by single-leader and progress.
  checks: [
    "no-batch-after-local-expiry",
    "fenced-effects-within-term",
    "single-leader",
    "no-duplicate-delivery",
    "progress-after-heal",
  ],
  async steps(run) {
    await bringUp(run);
    const faults: ActiveFault[] = [];
    await run.step("Postgres outage: every worker's proxy refuses", async () => {
      for (const w of run.workers) faults.push(await run.inject(proxyDown(w.id)));
      run.note(`${faults.length} proxies down`);
    });
    await run.step(`keep the outage on for 1.5 x ttl (${Math.round(1.5 * run.ttlMs)} ms)`, () =>
      run.hold(Math.round(1.5 * run.ttlMs)),
    );
    await run.step("Postgres is back for everyone", async () => {
      for (const f of faults) await f.heal();
    });
    await run.step("each lease has exactly one holder again", async () => {
      for (const lease of [OUTBOX, "ttl-sweeper"]) {
        const row = await run.waitForLeaseRow(
          lease,
          (r) => r.holder !== null && !r.alreadyExpired,
          3 * run.ttlMs,
        );
        run.note(`${lease}: ${row ? `${row.holder}, fencing_epoch = ${row.epoch}` : "no holder"}`);
      }
    });
  },
};
