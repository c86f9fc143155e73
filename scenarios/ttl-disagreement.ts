// A rolling deploy: the new replica runs a longer ttl than the old ones.
import { processPause } from "../harness/faults/process-pause.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { profileWorkers } from "../harness/run/scenario.ts";
import { timingsFor } from "../harness/run/timing.ts";
import { bringUp, healAndRead, identifyLeader, inject, waitForRenew } from "./steps.ts";

/** The new replica's ttl: 1.5 x the run's. */
const LONG = 1.5;

/**
 * Replicas disagree on ttlMs (client-go's leader election had this bug, kubernetes#114872): the
 * target lease's first instance runs a ttl 1.5 x the others' and leads; it is paused longer than the
 * others' ttl but shorter than its own. Its lease, written with its own ttl, has not expired: a
 * standby that judges expiry by its own ttl instead of the stored expires_at steals it.
 */
export const ttlDisagreement: Scenario = {
  name: "ttl-disagreement",
  summary:
    "a rolling deploy: the leader runs a 1.5x ttl; paused past the others' ttl, nobody may steal its lease",
  faults: ["F1"],
  premises: ["paused-between-ttls"],
  lowerBoundMs: (t) => Math.round(1.25 * t.ttlMs),
  workers(ctx) {
    const all = profileWorkers(ctx);
    const first = all.find((w) => w.leaseName === ctx.lease);
    return all.map((w) =>
      w === first
        ? { ...w, overrides: timingsFor(Math.round(LONG * ctx.timings.ttlMs)) }
        : w.leaseName === ctx.lease
          ? { ...w, delayed: true }
          : w,
    );
  },
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const ttl = (id: string) => run.workers.find((w) => w.id === id)?.ttlMs ?? run.ttlMs;
    const pausedMs = Math.round(1.25 * run.ttlMs);
    // Right after a renew, so its own lease outlives the pause by a quarter of the run's ttl.
    await waitForRenew(run, leader.holder);
    const pause = await inject(
      run,
      `pause ${leader.holder} (ttl ${ttl(leader.holder)} ms) for ${pausedMs} ms`,
      processPause(leader.holder),
    );
    await run.step(
      `keep it paused ${pausedMs} ms: past the standbys' ttl ${run.ttlMs} ms, inside its own`,
      () => run.hold(pausedMs),
    );
    await healAndRead(run, pause, leader.holder);
  },
};
