import { describe, expect, test } from "vitest";
import { PhaseClock } from "./phases.ts";

describe("a run's phases", () => {
  test("add up to its wall, each from its moments", () => {
    const clock = new PhaseClock(1_000);
    clock.environmentReady = 1_200;
    clock.firstInjection = 1_900;
    clock.stepsEnded = 3_600;
    clock.observedUntil = 4_800;
    const p = clock.phases(5_100);
    expect(p).toEqual({
      environmentMs: 200,
      bringUpMs: 700,
      faultMs: 1_700,
      drainMs: 1_200,
      teardownMs: 300,
    });
    expect(Object.values(p).reduce((a, b) => a + b, 0)).toBe(4_100);
  });

  test("a run with no fault has none: bring-up lasts to the end of its steps", () => {
    const clock = new PhaseClock(0);
    clock.environmentReady = 100;
    clock.stepsEnded = 900;
    clock.observedUntil = 1_000;
    expect(clock.phases(1_100)).toMatchObject({ bringUpMs: 800, faultMs: 0, drainMs: 100, teardownMs: 100 });
  });

  test("a run that stopped early ends its last phase at the end", () => {
    const clock = new PhaseClock(0);
    clock.environmentReady = 100;
    expect(clock.phases(400)).toEqual({
      environmentMs: 100,
      bringUpMs: 300,
      faultMs: 0,
      drainMs: 0,
      teardownMs: 0,
    });
  });
});
