// The runbook's remediation: delete the pod; a standby takes over within ttlMs.
import { processKill } from "../harness/faults/process-kill.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, identifyLeader, inject, takeoverLowerBoundMs, waitForTakeover } from "./steps.ts";

/** F9: SIGKILL the leader; a standby must lead within ttlMs. */
export const leaderKilled: Scenario = {
  name: "leader-killed",
  summary: "F9: kill the leader outright (kubectl delete pod); a standby leads within ttlMs",
  faults: ["F9"],
  premises: ["target-term-ended"],
  lowerBoundMs: (t) => takeoverLowerBoundMs(t),
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const kill = await inject(
      run,
      `kubectl delete pod ${leader.holder} (SIGKILL, no release)`,
      processKill(leader.holder),
    );
    // The no-takeover bug is caught by the check; the step only waits for the evidence.
    await waitForTakeover(run, leader).catch((err: Error) => run.note(err.message));
    await run.step(`the replacement ${leader.holder} comes back as a standby`, () => kill.heal());
  },
};
