import { describe, expect, it } from "vitest";
import { LOG_MSG } from "./logs.ts";
import { noNeedlessFailover as check } from "./no-needless-failover.ts";
import { history } from "./testing.ts";

// fwd-a leads throughout; 5-25 s a tolerable latency sits on its connection (judged until 35 s).
const tolerable = () =>
  history()
    .acquire("fwd-a", 1, 0)
    .log("fwd-a", 2, LOG_MSG.leader, 1)
    .fault("latency", "fwd-a", 5_000, 25_000, { tolerable: true, detail: "50 ms each way" });

describe("no-needless-failover", () => {
  it("passes when the holder keeps its lease and never lapses", () => {
    const r = check.run(tolerable().renewEvery("fwd-a", 1, 3_000, 40_000, 3_000).build());
    expect(r.verdict, r.detail).toBe("pass");
  });

  it("fails a failover under a tolerable fault", () => {
    const e = tolerable().renewEvery("fwd-a", 1, 3_000, 9_000, 3_000).acquire("fwd-b", 2, 19_500).build();
    const r = check.run(e);
    expect(r.verdict).toBe("fail");
    expect(r.detail).toMatch(
      /fwd-a's epoch 1 expired at \+16000 ms; fwd-b acquired epoch 2 at \+19500 ms: a needless failover/,
    );
  });

  it("fails hair-trigger-timeout: the holder lapses though the database kept granting its lease", () => {
    const e = tolerable()
      .renewEvery("fwd-a", 1, 3_000, 40_000, 3_000)
      .log("fwd-a", 8_000, LOG_MSG.expiredLocally, 1)
      .build();
    const r = check.run(e);
    expect(r.verdict).toBe("fail");
    expect(r.violations[0]).toMatchObject({ worker: "fwd-a", epoch: 1, fault: "latency-5000" });
  });

  it("does not blame a failover on a tolerable fault that overlapped one that is not (a composed schedule)", () => {
    const e = tolerable()
      .renewEvery("fwd-a", 1, 3_000, 9_000, 3_000)
      .fault("process-pause", "fwd-a", 9_000, 20_000)
      .acquire("fwd-b", 2, 19_500)
      .build();
    const r = check.run(e);
    expect(r.verdict).toBe("pass");
    expect(r.detail).toMatch(/none judged: each overlapped \(within a ttl\) a fault that is not tolerable/);
  });

  it("does not apply without a tolerable fault, and never passes on nothing (unknown without lease history too)", () => {
    const none = history().acquire("fwd-a", 1, 0).fault("latency", "fwd-a", 5_000, 25_000).build();
    expect(check.applies?.(none)).toBe(false);
    expect(check.run(none).verdict).toBe("unknown");
    expect(check.run(history().build()).verdict).toBe("unknown");
  });
});
