import { describe, expect, it } from "vitest";
import { LOG_MSG } from "./logs.ts";
import { noInheritedTerm as check } from "./no-inherited-term.ts";
import { history } from "./testing.ts";

// fwd-a acquires epoch 1 at 0 and renews every 3 s; at 7 s it restarts (process 2).
const restart = () =>
  history()
    .process("fwd-a", 0, "start", { instance: 1 })
    .acquire("fwd-a", 1, 10)
    .log("fwd-a", 12, LOG_MSG.leader, 1)
    .renewEvery("fwd-a", 1, 3_000, 7_000, 3_000)
    .process("fwd-a", 7_000, "kill", { instance: 1 })
    .process("fwd-a", 7_001, "exit", { instance: 1, signal: "SIGKILL", expected: true })
    .process("fwd-a", 7_050, "start", { instance: 2 });

describe("no-inherited-term", () => {
  it("passes a restart that leads only after a fresh acquire (a new epoch)", () => {
    const e = restart()
      .acquire("fwd-a", 2, 16_100)
      .log("fwd-a", 16_105, LOG_MSG.leader, 2, undefined, { instance: 2 })
      .batch("fwd-a", 16_200, 2)
      .build();
    const r = check.run(e);
    expect(r.verdict, r.detail).toBe("pass");
    expect(r.detail).toBe("1 later process(es) of a workload id led only under terms they acquired");
  });

  it("fails adopt-own-lease: the restarted process claims the old epoch", () => {
    const e = restart()
      .log("fwd-a", 7_200, LOG_MSG.leader, 1, undefined, { instance: 2 })
      .renewEvery("fwd-a", 1, 7_210, 20_000, 500)
      .build();
    const r = check.run(e);
    expect(r.verdict).toBe("fail");
    expect(r.violations[0]).toMatchObject({ worker: "fwd-a", instance: 2, epoch: 1 });
    expect(r.detail).toMatch(
      /^process 2 of fwd-a \(started \+7050 ms\) logged "lease state = LEADER" at \+7200 ms under epoch 1, acquired at \+10 ms before it started/,
    );
  });

  it("fails from the lease history alone: the old epoch renewed after its only process exited", () => {
    const e = restart().renewEvery("fwd-a", 1, 7_500, 20_000, 500).build();
    const r = check.run(e);
    expect(r.verdict).toBe("fail");
    expect(r.detail).toMatch(
      /epoch 1 \(acquired \+10 ms\) was renewed at \+8500 ms, 1499 ms after every process that acquired it had exited/,
    );
  });

  it("tolerates a renew the dead process had in flight (committed within the slack)", () => {
    const e = restart().renew("fwd-a", 1, 7_030).build();
    expect(check.run(e).verdict).toBe("pass");
  });

  it("blames no later process for a grant made while none ran (a dead process's statement, held by a lock, committed late)", () => {
    // Explore found it on the correct worker: fwd-b's acquire waited on a harness-held row lock, fwd-b
    // was killed, and the acquire committed 1258 ms later, when the lock went; fwd-b ran again only 3 s on.
    const e = history()
      .process("fwd-a", 0, "start", { instance: 1 })
      .process("fwd-b", 0, "start", { instance: 1 })
      .acquire("fwd-a", 1, 10)
      .process("fwd-b", 3_136, "exit", { instance: 1, signal: "SIGKILL", expected: true })
      .acquire("fwd-b", 2, 4_394)
      .process("fwd-b", 7_362, "start", { instance: 2 })
      .acquire("fwd-a", 3, 7_400)
      .build();
    const r = check.run(e);
    expect(r.verdict, r.detail).toBe("pass");
  });

  it("tolerates a renew the dead process began before it died and that committed late (its renewed_at says so)", () => {
    // Explore found it on the correct worker, the machine loaded: a renew began 94 ms before a
    // restart's kill and committed 500 ms later, 397 ms after the old process exited.
    // (Here the ttl is 10 s, so the slack is 1 s: committed 1.5 s after the exit.)
    const late = restart().lateRenew("fwd-a", 1, 6_906, 8_500).build();
    expect(check.run(late).verdict).toBe("pass");
    // Begun after the old process was gone: the new one renewed the old term.
    const resumed = restart().lateRenew("fwd-a", 1, 8_100, 8_500).build();
    expect(check.run(resumed).verdict).toBe("fail");
  });

  it("fails a zombie that works under the first process's term", () => {
    const e = history()
      .process("fwd-a", 0, "start", { instance: 1 })
      .acquire("fwd-a", 1, 10)
      .renewEvery("fwd-a", 1, 3_000, 30_000, 3_000)
      .process("fwd-a", 5_000, "start", { instance: 2 })
      .log("fwd-a", 5_100, LOG_MSG.itemStarted, 1, undefined, { instance: 2 })
      .build();
    const r = check.run(e);
    expect(r.verdict).toBe("fail");
    expect(r.violations[0]).toMatchObject({ instance: 2, epoch: 1 });
  });

  it("ignores an attach to a running process (the compose provider)", () => {
    const e = history()
      .acquire("fwd-a", 1, 0)
      .renewEvery("fwd-a", 1, 3_000, 30_000, 3_000)
      .process("fwd-a", 5_000, "start", { instance: 1, attached: true })
      .log("fwd-a", 5_100, LOG_MSG.leader, 1)
      .build();
    expect(check.run(e).verdict).toBe("pass");
  });

  it("is unknown without lease history", () => {
    expect(check.run(history().build()).verdict).toBe("unknown");
  });
});
