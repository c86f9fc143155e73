// One session of the leader dies under it: first its renewer's, then its work path's.
import { backendTerminated } from "../harness/faults/backend-terminated.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, identifyLeader, inject, waitForRenew } from "./steps.ts";

/**
 * F18: the harness terminates one of the leader's sessions (pg_terminate_backend, as an operator,
 * a pooler's failover or an idle reaper would): first the one whose last statement wrote the lease
 * table (its renewer), then one whose last did not (its work path). The network stays fine, so a
 * reconnect succeeds at once. Injected as tolerable: a correct worker reconnects each path and
 * keeps its lease, the other path unaffected; and its work resumes (progress-after-heal).
 */
export const backendTerminatedScenario: Scenario = {
  name: "backend-terminated",
  summary:
    "F18: the leader's lease session, then its work session, are terminated (pg_terminate_backend); it reconnects each and keeps its lease",
  faults: ["F18"],
  premises: ["session-terminated-while-leading", "tolerable-fault-applied"],
  lowerBoundMs: (t) => t.ttlMs + t.renewIntervalMs + t.batchIntervalMs,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const table = run.profile.data.leaseTable.table;
    const lease = await inject(
      run,
      `terminate ${leader.holder}'s lease session (its last statement wrote ${table}); the network stays fine`,
      backendTerminated(leader.holder, { session: "lease", findMs: 2 * run.ttlMs }),
      { tolerable: true },
    );
    await run.step(`nothing to heal; ${leader.holder} must renew on a new session`, async () => {
      await lease.heal();
      const renew = await waitForRenew(run, leader.holder).catch(() => null);
      run.note(
        renew
          ? `${leader.holder} renewed epoch ${renew.epoch} ${Math.round(renew.ts - lease.window.start)} ms after the termination`
          : `${leader.holder} did not renew within ${2 * run.ttlMs} ms of the termination`,
      );
    });
    const work = await inject(
      run,
      `terminate ${leader.holder}'s work session (its last statement did not write ${table})`,
      backendTerminated(leader.holder, { session: "work", findMs: 2 * run.ttlMs }),
      { tolerable: true },
    );
    await run.step(`nothing to heal; ${leader.holder}'s work must resume on a new session`, async () => {
      await work.heal();
      const effect = await run.nextEffect(leader.holder, 2 * run.ttlMs).catch(() => null);
      run.note(
        effect
          ? `${leader.holder}'s next effect: ${effect.type} of ${effect.itemId}, ${Math.round(effect.ts - work.window.start)} ms after the termination`
          : `no effect of ${leader.holder} within ${2 * run.ttlMs} ms of the termination`,
      );
    });
    // A lease path that never came back lapses within a ttl of its last grant: let it show.
    await run.step(`watch ${leader.holder} one ttl more: its lease must not lapse`, () =>
      run.hold(run.ttlMs),
    );
  },
};
