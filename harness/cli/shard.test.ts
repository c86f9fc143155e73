import { describe, expect, it } from "vitest";
import { closest } from "./args.ts";
import { shardJobs, shardOption } from "./shard.ts";

describe("shards", () => {
  const jobs = ["a", "b", "c", "d", "e", "f", "g"];
  const ms: Record<string, number> = { a: 20, b: 5, c: 9, d: 9, e: 3, f: 12, g: 1 };

  it("split the jobs, each exactly once, balanced by expected time, the same way every time", () => {
    const shards = [1, 2, 3].map((index) => shardJobs(jobs, { index, count: 3 }, (j) => ms[j] as number));
    expect(shards.flat().sort()).toEqual(jobs);
    const totals = shards.map((s) => s.reduce((t, j) => t + (ms[j] as number), 0));
    expect(Math.max(...totals) - Math.min(...totals)).toBeLessThanOrEqual(5);
    expect(shardJobs(jobs, { index: 2, count: 3 }, (j) => ms[j] as number)).toEqual(shards[1]);
  });

  it("keep the job order inside a shard, and take everything without --shard", () => {
    expect(shardJobs(jobs, { index: 1, count: 1 }, () => 1)).toEqual(jobs);
    expect(shardJobs(jobs, undefined, () => 1)).toEqual(jobs);
  });

  it("parse i/n and refuse anything else, naming the value", () => {
    expect(shardOption({ shard: "2/3" })).toEqual({ index: 2, count: 3 });
    for (const bad of ["0/3", "4/3", "1", "a/b", "1/0"])
      expect(() => shardOption({ shard: bad })).toThrow(new RegExp(`--shard must be i/n .*got "${bad}"`));
  });
});

describe("did you mean", () => {
  it("finds a near name, and nothing for a far one", () => {
    expect(closest("repat", ["repeat", "report-dir", "seed"])).toBe("repeat");
    expect(closest("tll-ms", ["ttl-ms", "bug"])).toBe("ttl-ms");
    expect(closest("frobnicate", ["ttl-ms", "bug"])).toBeUndefined();
  });
});
