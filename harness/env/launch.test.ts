import { describe, expect, it } from "vitest";
import { lineRealTime, realTime } from "./launch.ts";

describe("a line's real time under a clock fault", () => {
  const since = 1_000_000;
  const back = { offsetMs: -2_000, rate: 1, since };

  it("corrects a line the stepped clock stamped", () => {
    // Written at real since + 500 on a clock 2 s behind, read 3 ms later.
    expect(lineRealTime(since + 500 - 2_000, back, since + 503)).toBe(since + 500);
  });

  it("keeps a line stamped before the step reached the process (libfaketime had not re-read it)", () => {
    // The old clock still: correcting it would put the line 2 s in the future.
    expect(lineRealTime(since + 40, back, since + 43)).toBe(since + 40);
    const ahead = { offsetMs: 2_000, rate: 1, since };
    expect(lineRealTime(since + 40, ahead, since + 43)).toBe(since + 40);
    expect(lineRealTime(since + 2_040, ahead, since + 43)).toBe(since + 40);
  });

  it("inverts a rate fault", () => {
    const slow = { offsetMs: 0, rate: 0.95, since };
    // 10 s real after since the worker's clock reads 9.5 s after it.
    expect(realTime(since + 9_500, slow)).toBeCloseTo(since + 10_000, 6);
    expect(lineRealTime(since + 9_500, slow, since + 10_002)).toBeCloseTo(since + 10_000, 6);
  });
});
