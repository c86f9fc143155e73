import { describe, expect, it } from "vitest";
import { describeKnobs, holdKnob, type Knobs, latencyKnob, parseSets, resolveKnobs } from "./knobs.ts";
import { timingsFor } from "./timing.ts";

const t = timingsFor(2_000);
const knobs: Knobs = {
  latencyMs: latencyKnob("how late replies arrive", 0.45),
  holdMs: holdKnob("how long the fault stays on", 1.5),
  offsetMs: { help: "drawn", default: (_t, seed) => 30 + (seed % 7), min: 1, max: 600_000 },
  rate: { help: "clock rate", default: () => 0.95, min: 0.5, max: 2, integer: false },
};

describe("scenario knobs", () => {
  it("default from the timings (and the seed), overridden by --set", () => {
    expect(resolveKnobs("s", knobs, t, 1)).toEqual({
      latencyMs: 900,
      holdMs: 3_000,
      offsetMs: 31,
      rate: 0.95,
    });
    expect(resolveKnobs("s", knobs, t, 1, parseSets(["latencyMs=1500", "rate=1.25"]))).toMatchObject({
      latencyMs: 1_500,
      rate: 1.25,
    });
  });

  it("refuse a value out of range or of the wrong kind, naming the knob, the value and the range", () => {
    expect(() => resolveKnobs("s", knobs, t, 1, { latencyMs: "-5" })).toThrow(
      "--set latencyMs=-5: s's latencyMs must be a whole number from 0 to 600000",
    );
    expect(() => resolveKnobs("s", knobs, t, 1, { latencyMs: "1.5" })).toThrow(/must be a whole number/);
    expect(() => resolveKnobs("s", knobs, t, 1, { rate: "3" })).toThrow(
      "s's rate must be a number from 0.5 to 2",
    );
    expect(() => parseSets(["latencyMs"])).toThrow("--set wants name=value, such as --set latencyMs=1500");
  });

  it("name an unknown knob with a did-you-mean and the scenario's knobs", () => {
    expect(() => resolveKnobs("s", knobs, t, 1, { latncyMs: "5" })).toThrow(
      '--set latncyMs: s has no knob "latncyMs"; did you mean latencyMs? (its knobs: latencyMs, holdMs, offsetMs, rate',
    );
  });

  it("say when a default is drawn from the seed", () => {
    const lines = describeKnobs(knobs, t, 1);
    expect(lines[0]).toMatch(
      /^latencyMs +how late replies arrive \(default 900, ttl 2000 ms; 0\.\.600000\)$/,
    );
    expect(lines[2]).toMatch(/\(default drawn from the seed, 31 at seed 1, ttl 2000 ms; 1\.\.600000\)$/);
  });
});
