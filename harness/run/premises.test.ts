import { describe, expect, it } from "vitest";
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

describe("premises", () => {
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
});
