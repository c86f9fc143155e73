// The runbook's remediation: delete the pod; a standby takes over within ttlMs.
import { processKill } from "../harness/faults/process-kill.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp, identifyLeader, takeoverLowerBoundMs, waitForTakeover } from "./steps.ts";

/** F9: SIGKILL the outbox-forwarder leader; a standby must lead within ttlMs. */
export const leaderKilled: Scenario = {
  name: "leader-killed",
  summary: "F9: kill the leader outright (kubectl delete pod); a standby leads within ttlMs",
  lowerBoundMs: (t) => takeoverLowerBoundMs(t),
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const kill = await run.step(`kubectl delete pod ${leader.holder} (SIGKILL, no release)`, async () => {
      const fault = await run.inject(processKill(leader.holder));
      run.note(fault.window.detail);
      return fault;
    });
    await waitForTakeover(run, leader);
    await run.step(`the replacement ${leader.holder} comes back as a standby`, () => kill.heal());
  },
};
