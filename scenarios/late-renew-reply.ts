// A renew that succeeds in the database but whose reply comes back late.
import { latency } from "../harness/faults/latency.ts";
import { processPause } from "../harness/faults/process-pause.ts";
import { latencyKnob } from "../harness/run/knobs.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, healAndRead, identifyLeader, inject } from "./steps.ts";

/**
 * F4: replies to the leader are late (downstream latency under the statement timeout). Right after
 * a late renew reply reaches it, the leader's renewer stalls; it is resumed just after the database's
 * expires_at. A deadline anchored at the send has passed by then; one anchored at the reply has not.
 */
export const lateRenewReply: Scenario = {
  name: "late-renew-reply",
  summary: "F4: a renew reply arrives late, then renewal stalls; the deadline must be anchored at the send",
  faults: ["F4"],
  premises: ["target-term-ended"],
  knobs: { latencyMs: latencyKnob("how late every reply to the leader arrives", 0.45) },
  // The lease must lapse a full ttl after the renew whose reply came late.
  lowerBoundMs: (t) => t.ttlMs,
  // No work between an item's gate and its write, so every gate pass after the resume is logged;
  // the statement timeout sits well above the reply latency, so late replies are not dropped.
  timings: (t) => ({ ...t, itemWorkMs: 0, queryTimeoutMs: Math.round(0.8 * t.ttlMs) }),
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const latencyMs = run.knob("latencyMs");
    const slow = await inject(
      run,
      `replies to ${leader.holder} arrive ${latencyMs} ms late (downstream only)`,
      latency(leader.holder, { latencyMs, streams: ["downstream"] }),
    );
    const pause = await run.step(
      `after the next late renew reply, ${leader.holder}'s renewer stalls (SIGSTOP)`,
      async () => {
        // The database's record of the renew; its reply reaches the worker a latency later.
        const grant = await run.waitForLease(
          (c) => c.holder === leader.holder && c.epoch === leader.epoch && c.op === "UPDATE",
          `a renew by ${leader.holder}`,
          3 * run.ttlMs,
        );
        // Half a renew interval after the reply is due: it has been read (also on a loaded
        // machine), and the next renew is not sent yet.
        await run.until(grant.ts + latencyMs + Math.round(run.timings.renewIntervalMs / 2));
        const fault = await run.inject(processPause(leader.holder));
        run.note(
          `renew committed at expires_at ${new Date(grant.expiresAt ?? 0).toISOString()}; reply delivered; paused`,
        );
        return fault;
      },
    );
    await run.step("wait until the database says the lease expired", async () => {
      const grant = run.lastLeaseChange();
      await run.until((grant?.expiresAt ?? Date.now()) + Math.round(run.ttlMs / 20));
      const row = await run.leaseRow();
      run.note(`already_expired = ${row?.alreadyExpired}, epoch = ${row?.epoch}`);
    });
    // Resume while replies are still late: the renew the worker sends on waking learns that the
    // lease is gone only a latency later, so whatever its gate says until then shows in its log.
    await healAndRead(run, pause, leader.holder);
    await run.step("heal the late replies", () => slow.heal());
  },
};
