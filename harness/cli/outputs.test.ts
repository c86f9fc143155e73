import { describe, expect, test } from "vitest";
import { inParallel } from "./outputs.ts";

describe("inParallel", () => {
  const jobs = [
    { name: "a", ms: 3 },
    { name: "b", ms: 9 },
    { name: "c", ms: 1 },
    { name: "d", ms: 9 },
  ];

  test("side by side, the longest start first (ties in job order); results stay in job order", async () => {
    const started: string[] = [];
    const results = await inParallel(
      jobs,
      2,
      async (j, i) => {
        started.push(j.name);
        return `${i}:${j.name}`;
      },
      (j) => j.ms,
    );
    expect(started).toEqual(["b", "d", "a", "c"]);
    expect(results).toEqual(["0:a", "1:b", "2:c", "3:d"]);
  });

  test("one at a time, job order whatever the estimates", async () => {
    const started: string[] = [];
    await inParallel(
      jobs,
      1,
      async (j) => {
        started.push(j.name);
      },
      (j) => j.ms,
    );
    expect(started).toEqual(["a", "b", "c", "d"]);
  });
});
