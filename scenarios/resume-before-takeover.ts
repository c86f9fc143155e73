// The paused leader wakes up after its lease expired, while no standby has taken over yet.
import { processPause } from "../harness/faults/process-pause.ts";
import { seededRandom } from "../harness/random.ts";
import type { ActiveFault } from "../harness/run/run.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, healAndRead, identifyLeader, pauseBetweenBatches } from "./steps.ts";

/**
 * The window between expiry and takeover, opened on purpose: the standbys are held back (paused),
 * the leader is paused past its expires_at and resumed at an offset drawn from the seed, before
 * anyone could take over. Its gate must say no though nobody else holds the lease; then the
 * standbys are released.
 */
export const resumeBeforeTakeover: Scenario = {
  name: "resume-before-takeover",
  summary:
    "standbys held back; the leader resumes after expiry but before any takeover: its gate must still say no",
  faults: ["F1"],
  premises: ["resumed-before-takeover"],
  knobs: {
    offsetMs: {
      help: "how long after expires_at it resumes (default: 5-25 % of the ttl, from the seed)",
      default: (t, seed) => Math.round(t.ttlMs * (0.05 + 0.2 * seededRandom(seed ^ 0x7a4e0)())),
      min: 1,
      max: 600_000,
    },
  },
  lowerBoundMs: (t) => t.ttlMs,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const held: ActiveFault[] = [];
    await run.step("hold the standbys back (SIGSTOP) so nobody can take over", async () => {
      for (const standby of run.standbysOf(leader.holder)) held.push(await run.inject(processPause(standby)));
      run.note(held.map((f) => f.window.detail).join("; "));
    });
    const pause = await pauseBetweenBatches(
      run,
      leader.holder,
      `pause ${leader.holder} (SIGSTOP) between batches past its expiry`,
    );
    const grant = run.lastLeaseChange();
    const offsetMs = run.knob("offsetMs");
    const expiresAt = grant?.expiresAt ?? Date.now();
    await run.step(`keep it paused until ${offsetMs} ms after its expires_at`, () =>
      run.until(expiresAt + offsetMs),
    );
    await healAndRead(run, pause, leader.holder);
    await run.step("release the standbys", async () => {
      for (const f of held) await f.heal();
    });
  },
};
