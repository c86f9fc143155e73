import { describe, expect, test } from "vitest";
import { UsageError } from "../errors.ts";
import { autoJobs, CPU_HEADROOM, jobsOption, RUN_CPU_CORES } from "./options.ts";

describe("--jobs", () => {
  test("auto fits runs of RUN_CPU_CORES each in the headroom of the cores other work leaves free", () => {
    const fits = (free: number) => Math.max(1, Math.floor((free * CPU_HEADROOM) / RUN_CPU_CORES + 1e-9));
    expect(autoJobs(2, 0)).toBe(fits(2));
    expect(autoJobs(8, 0)).toBe(fits(8));
    expect(autoJobs(8, 4)).toBe(fits(4));
  });

  test("auto is never below 1 (a busy machine) nor above 16 (a large one)", () => {
    expect(autoJobs(2, 5)).toBe(1);
    expect(autoJobs(1, 0)).toBe(1);
    expect(autoJobs(512, 0)).toBe(16);
  });

  test("a number is taken as given, bounds checked; absent, the command's default", () => {
    expect(jobsOption({ jobs: "3" })).toBe(3);
    expect(jobsOption({})).toBe(1);
    expect(jobsOption({}, 2)).toBe(2);
    expect(jobsOption({}, "auto")).toBe(autoJobs());
    expect(jobsOption({ jobs: "auto" })).toBe(autoJobs());
    expect(() => jobsOption({ jobs: "0" })).toThrow(UsageError);
    expect(() => jobsOption({ jobs: "many" })).toThrow(/--jobs must be an integer or auto/);
  });
});
