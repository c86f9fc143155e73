import { Toxiproxy } from "toxiproxy-node-client";
import { describe, expect, test as plain } from "vitest";
import { monotonicMs, Scheduler } from "./clock.ts";
import { startProxyServer } from "./index.ts";
import { seededRandom } from "./random.ts";
import { dial, portOf, startEcho } from "./test-helpers.ts";
import { float32Text } from "./toxic-spec.ts";
import { slicePoints } from "./toxics/slicer.ts";

/** Which of `n` sequential connections a toxicity-0.5 latency toxic hit, on a server with `seed`. */
async function affectedPattern(seed: number, n: number): Promise<boolean[]> {
  const echo = await startEcho();
  await using server = await startProxyServer({ port: 0, seed });
  try {
    const proxy = await new Toxiproxy(server.url).createProxy({
      name: "tox",
      listen: "127.0.0.1:0",
      upstream: echo.address,
    });
    await proxy.addToxic({
      name: "half",
      type: "latency",
      stream: "downstream",
      toxicity: 0.5,
      attributes: { latency: 60, jitter: 0 },
    });
    const pattern: boolean[] = [];
    for (let i = 0; i < n; i++) {
      const c = await dial(portOf(proxy.listen));
      // latency 60 ms vs < 30 ms unaffected: a 30 ms gap on either side of the threshold
      pattern.push((await c.roundTrip("?")) >= 30);
      c.destroy();
    }
    return pattern;
  } finally {
    await echo.close();
  }
}

describe("toxicity with a seed", () => {
  plain("the same seed gives the same per-connection pattern; about half are affected", async () => {
    const [a, b, other] = await Promise.all([
      affectedPattern(1234, 24),
      affectedPattern(1234, 24),
      affectedPattern(99, 24),
    ]);
    expect(a).toEqual(b);
    const hits = a.filter(Boolean).length;
    expect(hits).toBeGreaterThanOrEqual(4); // 24 draws at 0.5: [4, 20] holds with probability > 0.999
    expect(hits).toBeLessThanOrEqual(20);
    expect(other).not.toEqual(a);
  });

  plain("seededRandom: deterministic per key, uniform enough", () => {
    const r1 = seededRandom(7, "p", 0, "upstream");
    const r2 = seededRandom(7, "p", 0, "upstream");
    const r3 = seededRandom(7, "p", 1, "upstream");
    const s1 = Array.from({ length: 1000 }, r1);
    expect(s1).toEqual(Array.from({ length: 1000 }, r2));
    expect(Array.from({ length: 5 }, r3)).not.toEqual(s1.slice(0, 5));
    const mean = s1.reduce((x, y) => x + y, 0) / s1.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(s1.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe("slicer cut points", () => {
  plain("variation 0, average 1: a 24-byte chunk gives exactly 24 pieces", () => {
    const points = slicePoints(24, 1, 0, seededRandom(1));
    expect(points).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  plain("480 kB at avg 1024 / var 512: 240-720 pieces, each 1..1536 bytes, covering the chunk", () => {
    const points = slicePoints(480_000, 1024, 512, seededRandom(3));
    const sizes = points.slice(1).map((p, i) => p - (points[i] as number));
    expect(sizes.length).toBeGreaterThanOrEqual(240);
    expect(sizes.length).toBeLessThanOrEqual(720);
    expect(Math.min(...sizes)).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1536);
    expect(points.at(-1)).toBe(480_000);
  });
});

describe("scheduler", () => {
  plain("fires in deadline order, never early, and leaves nothing pending", async () => {
    const s = new Scheduler();
    const start = monotonicMs();
    const fired: [number, number][] = [];
    const done = new Promise<void>((resolve) => {
      for (const d of [30, 5, 20, 0, 12]) {
        s.at(start + d, () => {
          fired.push([d, monotonicMs() - start]);
          if (fired.length === 4) resolve();
        });
      }
    });
    const cancelled = s.at(start + 25, () => fired.push([-1, 0]));
    s.cancel(cancelled);
    await done;
    await new Promise<void>((resolve) => s.at(start + 31, resolve));
    expect(fired.map(([d]) => d)).toEqual([0, 5, 12, 20, 30]);
    for (const [d, at] of fired) expect(at).toBeGreaterThanOrEqual(d);
    expect(s.pending).toBe(0);
  });

  plain("float32 toxicity is echoed as Go prints a float32", () => {
    expect(float32Text(0.3)).toBe("0.3");
    expect(float32Text(1)).toBe("1");
    expect(float32Text(-1)).toBe("-1");
    expect(float32Text(0.123456789)).toBe("0.12345679");
  });
});
