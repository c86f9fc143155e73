// Two processes with one name: the frozen leader's replacement took its lease; then it wakes.
import { sameIdentitySuccessor } from "../harness/faults/same-identity-successor.ts";
import { holdKnob } from "../harness/run/knobs.ts";
import { needsTermIdentity } from "../harness/run/needs.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, identifyLeader, inject, LINES_OF_INTEREST, takeoverLowerBoundMs } from "./steps.ts";

/**
 * F19: what Kubernetes warns of when a StatefulSet pod is force-deleted while its node is only
 * partitioned. A second process with the leader's identity starts beside it, the leader is frozen,
 * and the second one takes the next term once the lease expires (the standbys are held off
 * meanwhile, so that it is the successor and not a standby that takes it). Then the old process
 * wakes, its id on a valid lease whose epoch is not its own. A correct one never renews or works
 * under its old term; one that matches its renew on the holder alone does both.
 */
export const sameIdentitySuccessorScenario: Scenario = {
  name: "same-identity-successor",
  summary:
    "F19: the leader is frozen while a process with its identity takes the next term, then wakes; it must never renew or work under its old term",
  faults: ["F19"],
  premises: ["successor-took-term"],
  needs: needsTermIdentity,
  knobs: { holdMs: holdKnob("how long both processes run after the old one wakes", 1) },
  lowerBoundMs: (t) => takeoverLowerBoundMs(t) + t.ttlMs,
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const standbys = run.standbysOf(leader.holder);
    // The old process: the one whose lines the leader wrote so far.
    const old = run.linesOf(leader.holder).at(-1)?.instance ?? 1;
    const fault = await inject(
      run,
      `start a second ${leader.holder} (same identity), freeze ${leader.holder} (SIGSTOP); ${standbys.length ? `${standbys.join(", ")} held off` : "no standby to hold off"} until the second one holds the lease`,
      sameIdentitySuccessor(leader.holder, {
        start: () => run.startZombie(leader.holder),
        holdOff: standbys,
        takeoverMs: 3 * run.ttlMs,
      }),
    );
    await run.step("the successor works under the new term", async () => {
      const epoch = run.lastLeaseChange()?.epoch ?? leader.epoch;
      const effect = await run
        .nextEffect(leader.holder, 2 * run.ttlMs, {
          accept: (e) => e.epoch === null || e.epoch > leader.epoch,
        })
        .catch(() => null);
      run.note(
        effect
          ? `${leader.holder}'s successor: ${effect.type} of ${effect.itemId} under epoch ${effect.epoch ?? epoch}`
          : `no effect of the successor within ${2 * run.ttlMs} ms`,
      );
    });
    await run.step(`resume the old ${leader.holder} beside its successor; read its first line`, async () => {
      const next = run.nextLine(leader.holder, LINES_OF_INTEREST, 2 * run.ttlMs, old).catch(() => null);
      await fault.heal();
      const first = await next;
      run.note(
        first
          ? `the old process's first line: ${first.msg}${first.epoch === undefined ? "" : ` (epoch ${first.epoch})`}`
          : "no line of interest from the old process after it woke",
      );
    });
    await run.step(`let both run ${run.knob("holdMs")} ms`, () => run.hold(run.knob("holdMs")));
  },
};
