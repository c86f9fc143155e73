import { describe, expect, it } from "vitest";
import { progressAfterHeal as check } from "./progress-after-heal.ts";
import { at, history, pauseDrill } from "./testing.ts";

describe("progress-after-heal", () => {
  it("passes the pause drill: backlog zero 2 s after the heal", () => {
    expect(check.run(pauseDrill().build())).toMatchObject({ verdict: "pass", metrics: { drainMs: 2_000 } });
  });

  it("fails when the backlog is not drained within the bound, with the last sample's values", () => {
    const e = pauseDrill()
      .without((x) => x.kind === "backlog" && x.ts === at(24_000))
      .backlog(25_000, 4)
      .backlog(31_000, 2, 9)
      .backlog(33_000, 0)
      .build();
    const r = check.run(e);
    expect(r.verdict).toBe("fail");
    expect(r.detail).toBe(
      "backlog not drained (and held at zero 5000 ms) within 10000 ms of 12:00:22.000 UTC: last sample at +31000 ms had outbox-forwarder 2, ttl-sweeper 9",
    );
    expect(r.violations[0]).toMatchObject({ byLease: { "outbox-forwarder": 2, "ttl-sweeper": 9 } });
  });

  it("wants the backlog held at zero, not one zero sample: a zero that rises again does not count", () => {
    const r = check.run(pauseDrill().backlog(23_000, 0).backlog(25_000, 3).backlog(26_000, 0).build());
    expect(r.metrics?.drainMs).toBe(4_000);
  });

  describe("every worker shows database activity after the heal", () => {
    // The proxies count bytes as they pass; fwd-a's stay flat: its connection is wedged.
    const wedged = (mode: "live" | "on-close") =>
      pauseDrill({ traffic: mode })
        .traffic("fwd-a", 21_000, { bytes: 5_000 })
        .traffic("fwd-a", 30_000, { bytes: 5_000 })
        .traffic("fwd-b", 21_000, { bytes: 9_000 })
        .traffic("fwd-b", 30_000, { bytes: 12_000 });

    it("fails no-reconnect-after-timeout: no bytes through its proxy, no lease change, no effect", () => {
      const r = check.run(wedged("live").build());
      expect(r.verdict).toBe("fail");
      expect(r.detail).toMatch(
        /^worker fwd-a showed no database activity in the 15500 ms from 2500 ms after the heal: no bytes through its proxy/,
      );
    });

    it("fails a worker whose only activity is what the heal let through: a held-back statement, a renew", () => {
      // Seen in the matrix (postgres-blackholed, no-reconnect-after-timeout): fwd-a's statement
      // sent into the blackhole reached Postgres 50 ms after the heal, its session then went away.
      const r = check.run(
        wedged("live")
          .traffic("fwd-a", 22_250, { bytes: 5_000, lastStatementAt: at(22_050) })
          .renew("fwd-a", 1, 22_060)
          .build(),
      );
      expect(r.verdict).toBe("fail");
      expect(r.detail).toMatch(/^worker fwd-a showed no database activity/);
    });

    it("passes on its statements in pg_stat_activity after the heal", () => {
      const r = check.run(
        wedged("live")
          .traffic("fwd-a", 31_000, { bytes: 5_000, lastStatementAt: at(30_500) })
          .build(),
      );
      expect(r.verdict, r.detail).toBe("pass");
      expect(r.detail).toMatch(/1 by statements in pg_stat_activity/);
    });

    it("does not fail on flat counts a real Toxiproxy only adds when a connection closes", () => {
      const r = check.run(wedged("on-close").build());
      expect(r.verdict, r.detail).toBe("pass");
      expect(r.detail).toMatch(/log lines only/);
    });
  });

  it("fails when a worker crashed", () => {
    const r = check.run(pauseDrill().process("fwd-b", 30_000, "exit", { code: 1 }).build());
    expect(r.verdict).toBe("fail");
    expect(r.detail).toBe("worker fwd-b exited with code 1 at +30000 ms");
  });

  it("does not count an exit the harness caused, nor one after observation", () => {
    const e = pauseDrill()
      .process("fwd-a", 30_000, "exit", { signal: "SIGKILL", expected: true })
      .process("fwd-b", 41_000, "exit", { code: 0 })
      .build();
    expect(check.run(e).verdict).toBe("pass");
    const killed = pauseDrill()
      .process("fwd-a", 30_000, "kill")
      .process("fwd-a", 30_001, "exit", { signal: "SIGKILL" });
    expect(check.run(killed.build()).verdict).toBe("pass");
    killed.process("fwd-a", 31_000, "start").process("fwd-a", 32_000, "exit", { code: 1 });
    expect(check.run(killed.build()).verdict).toBe("fail");
  });

  it("is unknown without samples after the heal, or when observation ended before the bound", () => {
    expect(
      check.run(
        history({ healedAt: at(5_000) })
          .backlog(1_000, 3)
          .build(),
      ).verdict,
    ).toBe("unknown");
    const short = history({ healedAt: at(35_000) })
      .backlog(36_000, 3)
      .build();
    expect(check.run(short).detail).toMatch(/not drained when observation ended/);
  });

  it("counts the drain from the end of new work when that came after the heal (a watch)", () => {
    // Work kept arriving until +40 s, long after the heal at +22 s: the backlog was never 0 before.
    const e = history({ healedAt: at(22_000), drainFrom: at(40_000), observedUntil: at(50_000) })
      .backlog(24_000, 3)
      .backlog(39_000, 2)
      .backlog(41_000, 0)
      .backlog(47_000, 0)
      .build();
    const r = check.run(e);
    expect(r.verdict, r.detail).not.toBe("fail");
    expect(r.metrics?.drainMs).toBe(1_000);
    // Without it the same samples are judged from the heal: not drained within the bound.
    const { drainFrom: _d, ...meta } = e.meta;
    expect(check.run({ ...e, meta }).verdict).toBe("fail");
  });

  it("uses the run start when nothing was healed", () => {
    expect(check.run(history().backlog(500, 0).build()).metrics?.drainMs).toBe(500);
  });
});
