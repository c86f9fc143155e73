import { describe, expect, it } from "vitest";
import { LOG_MSG } from "../checks/logs.ts";
import { at, history } from "../checks/testing.ts";
import { evaluatePremises } from "./premises.ts";

// ttl 10 s, margin 1 s: fwd-a leads from 0, renews at 3 s (expires 13 s), is paused at 4 s.
const paused = (resumeMs: number, healStartedMs?: number) =>
  history()
    .acquire("fwd-a", 1, 0)
    .renew("fwd-a", 1, 3_000)
    .fault(
      "process-pause",
      "fwd-a",
      4_000,
      resumeMs,
      healStartedMs === undefined ? {} : { healStartedAt: at(healStartedMs) },
    )
    .process("fwd-a", 4_000, "pause")
    .process("fwd-a", resumeMs, "resume");

// The same pause on a worker whose batch is one statement (work.batch atomic): no item lines.
const pausedAtomic = (resumeMs: number) =>
  history({
    workers: [
      { id: "fwd-a", leaseName: "outbox-forwarder", role: "outbox-forwarder", bug: null, atomicBatch: true },
      { id: "fwd-b", leaseName: "outbox-forwarder", role: "outbox-forwarder", bug: null, atomicBatch: true },
    ],
  })
    .acquire("fwd-a", 1, 0)
    .renew("fwd-a", 1, 3_000)
    .fault("process-pause", "fwd-a", 4_000, resumeMs)
    .process("fwd-a", 4_000, "pause")
    .process("fwd-a", resumeMs, "resume");

describe("premises", () => {
  it("fault-mid-item on an atomic batch: its batch line came, its statement's effects had not", () => {
    const caught = pausedAtomic(6_000).log("fwd-a", 3_990, LOG_MSG.batchStarted, 1).build();
    const [p] = evaluatePremises(caught, ["fault-mid-item"]);
    expect(p).toMatchObject({ held: true });
    expect(p?.detail).toMatch(/batch started at .* \(one statement, work.batch atomic\), no effect yet/);
    const late = pausedAtomic(6_000)
      .log("fwd-a", 3_900, LOG_MSG.batchStarted, 1)
      .effect("fwd-a", 3_950, 1, "4")
      .build();
    const [q] = evaluatePremises(late, ["fault-mid-item"]);
    expect(q).toMatchObject({ held: false });
    expect(q?.detail).toMatch(/did not catch it between its gate and its statement/);
  });

  it("resumed-inside-margin: holds 600 ms before expires_at, not 1 s after", () => {
    const [inside] = evaluatePremises(paused(12_400).build(), ["resumed-inside-margin"]);
    expect(inside).toMatchObject({ held: true, detail: "resumed 600 ms before expires_at (margin 1000 ms)" });
    const [late] = evaluatePremises(paused(14_000).build(), ["resumed-inside-margin"]);
    expect(late).toMatchObject({ held: false });
  });

  it("resumed-inside-margin: a renew the woken worker commits before the heal returned does not count", () => {
    // SIGCONT at 12.4 s; the worker renews at 12.402 s; the harness records the heal's end at 12.405 s.
    const e = paused(12_405, 12_400).renew("fwd-a", 1, 12_402).build();
    const [p] = evaluatePremises(e, ["resumed-inside-margin"]);
    expect(p).toMatchObject({ held: true, detail: "resumed 600 ms before expires_at (margin 1000 ms)" });
  });

  it("a pause the scenario lifted to try again is not the one its premises judge", () => {
    // Caught mid-batch at 1 s and lifted at 1.05 s (retried); paused again at 4 s, resumed at 12.4 s.
    // Seen in a soak of clock-rate-skew: judged on the first, "resumed 11 950 ms before expires_at".
    const e = history()
      .acquire("fwd-a", 1, 0)
      .fault("process-pause", "fwd-a", 1_000, 1_050, { retried: true })
      .renew("fwd-a", 1, 3_000)
      .fault("process-pause", "fwd-a", 4_000, 12_400)
      .build();
    const [p] = evaluatePremises(e, ["resumed-inside-margin"]);
    expect(p).toMatchObject({ held: true, detail: "resumed 600 ms before expires_at (margin 1000 ms)" });
  });

  it("fault-mid-item: an item line written in the moment the signal was on its way counts; one done before does not", () => {
    // The pause is stamped at 4 000 ms (before SIGSTOP is sent); item 5's line is stamped 0.004 ms
    // later, item 4 was done at 3 900 ms. Seen in CI with the Python example (its stamps have µs).
    const item = (id: string) => ({ item: id });
    const e = paused(6_000)
      .log("fwd-a", 3_700, LOG_MSG.itemStarted, 1, undefined, item("4"))
      .effect("fwd-a", 3_900, 1, "4")
      .log("fwd-a", 4_000.004, LOG_MSG.itemStarted, 1, undefined, item("5"))
      .build();
    const [p] = evaluatePremises(e, ["fault-mid-item"]);
    expect(p).toMatchObject({ held: true });
    expect(p?.detail).toMatch(/^item 5 started/);
    // Item 5 done (committed) while the worker was frozen: its write had left before the pause.
    const [q] = evaluatePremises(
      paused(6_000)
        .log("fwd-a", 4_000.004, LOG_MSG.itemStarted, 1, undefined, item("5"))
        .effect("fwd-a", 4_010, 1, "5")
        .build(),
      ["fault-mid-item"],
    );
    expect(q).toMatchObject({ held: false });
    expect(q?.detail).toMatch(/item 5 of fwd-a was done/);
  });

  it("fault-mid-item on a SIGTERM: judged at the signal, since a stopping worker goes on through its grace", () => {
    const item = (id: string) => ({ item: id });
    const stopped = (b: ReturnType<typeof history>) =>
      b.fault("process-stop", "fwd-a", 4_000, 8_000).process("fwd-a", 4_000, "stop").build();
    // Item 5 in flight at the signal; its write meets the fence during the grace: held.
    const inFlight = stopped(
      history()
        .acquire("fwd-a", 1, 0)
        .log("fwd-a", 3_950, LOG_MSG.itemStarted, 1, undefined, item("5"))
        .refused("fwd-a", 4_300, 1, "5"),
    );
    expect(evaluatePremises(inFlight, ["fault-mid-item"])[0]).toMatchObject({ held: true });
    // Between items at the signal; it starts item 6 during its grace: no item was in flight.
    const between = stopped(
      history()
        .acquire("fwd-a", 1, 0)
        .log("fwd-a", 3_700, LOG_MSG.itemStarted, 1, undefined, item("5"))
        .effect("fwd-a", 3_900, 1, "5")
        .log("fwd-a", 4_200, LOG_MSG.itemStarted, 1, undefined, item("6")),
    );
    expect(evaluatePremises(between, ["fault-mid-item"])[0]).toMatchObject({ held: false });
  });

  it("target-term-ended: the shutdown's release after observation is not the fault's doing", () => {
    // Latency too small to matter: the term runs on until the harness stops the workers at 40 s.
    const e = history({ observedUntil: at(30_000) })
      .acquire("fwd-a", 1, 0)
      .renewEvery("fwd-a", 1, 2_500, 30_000, 2_500)
      .fault("latency", "fwd-a", 4_000, 20_000)
      .release("fwd-a", 1, 30_500)
      .build();
    const [p] = evaluatePremises(e, ["target-term-ended"]);
    expect(p).toMatchObject({ held: false });
    expect(p?.detail).toMatch(/never ended/);
  });

  it("renewals-stalled and work-went-on: the lock outlived fwd-a's expiry while it kept delivering", () => {
    // ttl 10 s: renewed at 3 s (expires 13 s); the row locked 3.2-15.5 s; fwd-a delivers until its deadline.
    const locked = (b: ReturnType<typeof history>) =>
      b.fault("lease-row-lock", "fwd-a", 3_200, 15_500, { holdsLease: true, healStartedAt: at(15_500) });
    const e = locked(history().acquire("fwd-a", 1, 0).renew("fwd-a", 1, 3_000))
      .effect("fwd-a", 5_000, 1, "7")
      .effect("fwd-a", 11_900, 1, "8")
      // a renewal that waited on the lock commits once it goes
      .renew("fwd-a", 1, 15_510)
      .build();
    const [stalled, went] = evaluatePremises(e, ["renewals-stalled", "work-went-on"]);
    expect(stalled).toMatchObject({ held: true });
    expect(stalled?.detail).toMatch(/its expires_at passed 2500 ms before the heal$/);
    expect(went).toMatchObject({ held: true });
    // A renewal that got through under the lock, or a lock lifted before expiry: not what F16 is for.
    const through = locked(
      history().acquire("fwd-a", 1, 0).renew("fwd-a", 1, 3_000).renew("fwd-a", 1, 6_000),
    ).build();
    expect(evaluatePremises(through, ["renewals-stalled"])[0]).toMatchObject({ held: false });
    const short = history()
      .acquire("fwd-a", 1, 0)
      .renew("fwd-a", 1, 3_000)
      .fault("lease-row-lock", "fwd-a", 3_200, 9_000)
      .build();
    expect(evaluatePremises(short, ["renewals-stalled"])[0]?.detail).toMatch(/never lapsed under it/);
    // No effect under the lock: the work path stalled too (a lock that also stops the fence).
    const idle = locked(history().acquire("fwd-a", 1, 0).renew("fwd-a", 1, 3_000))
      .effect("fwd-a", 2_000, 1, "7")
      .build();
    expect(evaluatePremises(idle, ["work-went-on"])[0]).toMatchObject({ held: false });
  });

  it("work-stalled: no effect under the work-path lock while work waited", () => {
    const lockedWork = () =>
      history()
        .acquire("fwd-a", 1, 0)
        .renewEvery("fwd-a", 1, 2_500, 30_000, 2_500)
        .fault("work-row-lock", "fwd-a", 5_000, 25_000, { tolerable: true })
        .effect("fwd-a", 4_000, 1, "1")
        .effect("fwd-a", 5_200, 1, "2")
        .backlog(10_000, 7);
    expect(evaluatePremises(lockedWork().build(), ["work-stalled"])[0]).toMatchObject({ held: true });
    // The lock took 300 ms to get (a container's Postgres): an effect committed meanwhile came before it.
    const slowLock = history()
      .acquire("fwd-a", 1, 0)
      .fault("work-row-lock", "fwd-a", 5_000, 25_000, { injectedAt: at(5_300) })
      .effect("fwd-a", 5_250, 1, "2")
      .backlog(10_000, 7)
      .build();
    expect(evaluatePremises(slowLock, ["work-stalled"])[0]).toMatchObject({ held: true });
    const through = lockedWork().effect("fwd-a", 12_000, 1, "3").build();
    expect(evaluatePremises(through, ["work-stalled"])[0]?.detail).toMatch(/did not stall/);
    const noWork = history()
      .acquire("fwd-a", 1, 0)
      .fault("work-row-lock", "fwd-a", 5_000, 25_000)
      .backlog(10_000, 0)
      .build();
    expect(evaluatePremises(noWork, ["work-stalled"])[0]?.detail).toMatch(/no work waited/);
  });

  it("session-terminated-while-leading: every terminated session was gone and its worker led", () => {
    const e = history()
      .acquire("fwd-a", 1, 0)
      .renewEvery("fwd-a", 1, 2_500, 30_000, 2_500)
      .fault("backend-terminated", "fwd-a", 5_000, 5_010, { detail: "terminated fwd-a's lease session" })
      .fault("backend-terminated", "fwd-a", 9_000, 9_010, { detail: "terminated fwd-a's work session" })
      .build();
    expect(evaluatePremises(e, ["session-terminated-while-leading"])[0]).toMatchObject({ held: true });
    const standby = history()
      .acquire("fwd-a", 1, 0)
      .renewEvery("fwd-a", 1, 2_500, 30_000, 2_500)
      .fault("backend-terminated", "fwd-b", 5_000, 5_010)
      .build();
    expect(evaluatePremises(standby, ["session-terminated-while-leading"])[0]?.detail).toMatch(
      /fwd-b held no term/,
    );
  });

  it("successor-took-term: a process with fwd-a's id took epoch 2 and held it when the old one woke", () => {
    const frozen = (resumeMs: number) =>
      history()
        .acquire("fwd-a", 1, 0)
        .renew("fwd-a", 1, 3_000)
        .fault("same-identity-successor", "fwd-a", 4_000, resumeMs, { healStartedAt: at(resumeMs) })
        .acquire("fwd-a", 2, 13_200)
        .renewEvery("fwd-a", 2, 15_700, 40_000, 2_500);
    expect(evaluatePremises(frozen(20_000).build(), ["successor-took-term"])[0]).toMatchObject({
      held: true,
    });
    // Woken before the successor's acquire: nothing to renew by mistake.
    expect(evaluatePremises(frozen(12_000).build(), ["successor-took-term"])[0]).toMatchObject({
      held: false,
    });
    // A standby took the lease: not a same-identity successor.
    const standby = history()
      .acquire("fwd-a", 1, 0)
      .fault("same-identity-successor", "fwd-a", 4_000, 20_000)
      .acquire("fwd-b", 2, 10_200)
      .build();
    expect(evaluatePremises(standby, ["successor-took-term"])[0]?.detail).toMatch(/no later term of fwd-a/);
  });
});
