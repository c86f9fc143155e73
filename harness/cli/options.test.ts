import { describe, expect, test } from "vitest";
import { UsageError } from "../errors.ts";
import { autoJobs, CPU_HEADROOM, cpuTicks, jobsOption, lanesFor, RUN_CPU_CORES } from "./options.ts";

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

  test("lanes: a number as given; auto for one run is 1 with nothing sampled, for more from the CPU use now", async () => {
    expect(await lanesFor({ jobs: "3" }, "auto", 10)).toBe(3);
    expect(await lanesFor({}, 1, 10)).toBe(1);
    expect(await lanesFor({}, "auto", 1)).toBe(1);
    const n = await lanesFor({ jobs: "auto" }, 1, 10);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(16);
    await expect(lanesFor({ jobs: "x" }, "auto", 10)).rejects.toThrow(UsageError);
  });

  test("the CPU counters read from /proc/stat count busy ticks within the total", () => {
    const t = cpuTicks();
    if (t === null) return; // not Linux
    expect(t.busy).toBeGreaterThanOrEqual(0);
    expect(t.busy).toBeLessThanOrEqual(t.total);
  });
});
