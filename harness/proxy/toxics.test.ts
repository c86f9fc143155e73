import { performance } from "node:perf_hooks";
import type { Toxiproxy } from "toxiproxy-node-client";
import { describe, expect } from "vitest";
import { test } from "./test-fixtures.ts";
import { dial, pause, portOf, startEcho } from "./test-helpers.ts";

// Timing tolerances: a toxic never fires early (lower bound exact, minus 1 ms of clock rounding);
// the upper bound allows SLACK_MS for a loaded 2-core CI machine running other suites in parallel.
const SLACK_MS = 60;

async function proxyTo(toxiproxy: Toxiproxy, upstream: string, name = "p") {
  const proxy = await toxiproxy.createProxy({ name, listen: "127.0.0.1:0", upstream });
  return { proxy, port: portOf(proxy.listen) };
}

type AnyToxic = Parameters<Awaited<ReturnType<Toxiproxy["get"]>>["addToxic"]>[0];
const toxic = (t: Omit<Partial<AnyToxic>, "type"> & { type: string; attributes: object }) =>
  ({ stream: "downstream", toxicity: 1, ...t }) as AnyToxic;

describe("latency", () => {
  test("downstream 100 ms: round trip within [100, 100+SLACK]", async ({ toxiproxy, echo }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ type: "latency", attributes: { latency: 100, jitter: 0 } }));
    const c = await dial(port);
    for (let i = 0; i < 3; i++) {
      const rtt = await c.roundTrip("ping");
      expect(rtt).toBeGreaterThanOrEqual(99);
      expect(rtt).toBeLessThanOrEqual(100 + SLACK_MS);
    }
    c.destroy();
  });

  test("upstream 50 + downstream 100 add up; two in series add up", async ({ toxiproxy, echo }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ name: "down", type: "latency", attributes: { latency: 100, jitter: 0 } }));
    await proxy.addToxic(
      toxic({ name: "up", stream: "upstream", type: "latency", attributes: { latency: 50, jitter: 0 } }),
    );
    const c = await dial(port);
    const rtt = await c.roundTrip("x");
    expect(rtt).toBeGreaterThanOrEqual(149);
    expect(rtt).toBeLessThanOrEqual(150 + SLACK_MS);
    await proxy.addToxic(
      toxic({ name: "up2", stream: "upstream", type: "latency", attributes: { latency: 50, jitter: 0 } }),
    );
    const rtt2 = await c.roundTrip("y");
    expect(rtt2).toBeGreaterThanOrEqual(199);
    expect(rtt2).toBeLessThanOrEqual(200 + SLACK_MS);
    c.destroy();
  });

  test("FIFO and concurrent: 5 writes 20 ms apart under 200 ms arrive 200 ms after each write", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ type: "latency", attributes: { latency: 200, jitter: 0 } }));
    const c = await dial(port);
    const sentAt: number[] = [];
    for (let i = 0; i < 5; i++) {
      sentAt.push(c.send(String(i)));
      await pause(20); // spacing the writes, not waiting for anything
    }
    await c.waitForBytes(5);
    expect(c.received.toString()).toBe("01234");
    // each byte arrives 200 ms after its own write (not after the previous release)
    let byte = 0;
    for (const a of c.arrivals) {
      const delay = a.atMs - (sentAt[byte] as number);
      expect(delay).toBeGreaterThanOrEqual(199);
      expect(delay).toBeLessThanOrEqual(200 + SLACK_MS);
      byte += a.size;
    }
    expect((c.arrivals.at(-1)?.atMs ?? 0) - (sentAt[0] as number)).toBeLessThan(200 + 80 + SLACK_MS);
    c.destroy();
  });

  test("jitter: every round trip within latency ± jitter (+SLACK)", async ({ toxiproxy, echo }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ type: "latency", attributes: { latency: 60, jitter: 30 } }));
    const c = await dial(port);
    const rtts: number[] = [];
    for (let i = 0; i < 8; i++) rtts.push(await c.roundTrip("j"));
    for (const rtt of rtts) {
      expect(rtt).toBeGreaterThanOrEqual(29);
      expect(rtt).toBeLessThanOrEqual(90 + SLACK_MS);
    }
    expect(Math.max(...rtts) - Math.min(...rtts)).toBeGreaterThan(5); // jitter does vary
    c.destroy();
  });

  test("1 MiB through 100 ms latency arrives intact, in ~100 ms, not 100 ms per chunk", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ type: "latency", attributes: { latency: 100, jitter: 0 } }));
    const c = await dial(port);
    const data = Buffer.alloc(1 << 20, 7);
    for (let i = 0; i < data.length; i++) data[i] = i % 251;
    const at = c.send(data);
    await c.waitForBytes(data.length, 10_000);
    expect(c.received.equals(data)).toBe(true);
    expect((c.arrivals.at(-1)?.atMs ?? 0) - at).toBeLessThan(100 + 400); // 16+ chunks would take 1.6 s serially
    c.destroy();
  });
});

describe("bandwidth", () => {
  test("300 000 B upstream at 1000 KB/s takes 300 ms (tolerance -10/+SLACK), bytes intact", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ stream: "upstream", type: "bandwidth", attributes: { rate: 1000 } }));
    const c = await dial(port);
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = i % 253;
    const at = c.send(data);
    const doneAt = await c.waitForBytes(data.length);
    expect(c.received.equals(data)).toBe(true);
    expect(doneAt - at).toBeGreaterThanOrEqual(290);
    expect(doneAt - at).toBeLessThanOrEqual(300 + SLACK_MS);
    c.destroy();
  });

  test("rate 0 stalls the link; the data is released when the toxic is removed", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    const t = await proxy.addToxic(toxic({ type: "bandwidth", attributes: { rate: 0 } }));
    const c = await dial(port);
    c.send("stuck");
    await pause(300); // observation window: nothing may arrive in it
    expect(c.received.length).toBe(0);
    await t.remove();
    await c.waitForBytes(5, 1000);
    expect(c.received.toString()).toBe("stuck");
    c.destroy();
  });
});

describe("slow_close", () => {
  test("upstream FIN reaches the client 300 ms later (tolerance -1/+SLACK); data first", async ({
    toxiproxy,
  }) => {
    const upstream = await startEcho((s) => s.end("bye"));
    try {
      const { proxy, port } = await proxyTo(toxiproxy, upstream.address);
      await proxy.addToxic(toxic({ type: "slow_close", attributes: { delay: 300 } }));
      const c = await dial(port);
      const dataAt = await c.waitForBytes(3);
      const end = await c.ended;
      expect(c.received.toString()).toBe("bye");
      expect(end.kind).toBe("eof");
      expect(end.atMs - dataAt).toBeGreaterThanOrEqual(299);
      expect(end.atMs - dataAt).toBeLessThanOrEqual(300 + SLACK_MS);
    } finally {
      await upstream.close();
    }
  });
});

describe("timeout", () => {
  test("timeout 300 on an idle connection closes it at 300 ms; data in its direction is dropped", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ stream: "upstream", type: "timeout", attributes: { timeout: 300 } }));
    const c = await dial(port);
    const at = c.send("dropped");
    const end = await c.ended;
    expect(end.kind).toBe("eof");
    expect(end.atMs - at).toBeGreaterThanOrEqual(299);
    expect(end.atMs - at).toBeLessThanOrEqual(300 + SLACK_MS);
    expect(c.received.length).toBe(0);
  });

  test("idle semantics: every dropped chunk restarts the timer", async ({ toxiproxy, echo }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ type: "timeout", attributes: { timeout: 300 } }));
    const c = await dial(port);
    let lastAt = 0;
    for (let i = 0; i < 4; i++) {
      lastAt = c.send("tick"); // echoed, and the echo is dropped by the downstream timeout
      await pause(150); // spacing the writes
    }
    const end = await c.ended;
    expect(c.received.length).toBe(0);
    expect(end.atMs - lastAt).toBeGreaterThanOrEqual(299);
    expect(end.atMs - lastAt).toBeLessThanOrEqual(300 + SLACK_MS);
  });

  test("timeout 0 holds the connection open until the toxic is removed, then closes it", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    const t = await proxy.addToxic(toxic({ type: "timeout", attributes: { timeout: 0 } }));
    const c = await dial(port);
    c.send("x");
    await pause(200); // observation window
    expect(c.ending).toBeUndefined();
    const removedAt = performance.now();
    await t.remove();
    const end = await c.ended;
    expect(end.kind).toBe("eof");
    expect(end.atMs - removedAt).toBeLessThan(SLACK_MS);
    await expect.poll(() => echo.open(), { timeout: 2000 }).toBe(0);
  });
});

describe("reset_peer", () => {
  test("downstream, timeout 0: ECONNRESET right after the first server bytes; idle never resets", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ type: "reset_peer", attributes: { timeout: 0 } }));
    const c = await dial(port);
    await pause(100); // observation window: idle
    expect(c.ending).toBeUndefined();
    const at = c.send("hello");
    const end = await c.ended;
    expect(end.kind).toBe("reset");
    expect(end.atMs - at).toBeLessThan(SLACK_MS);
    expect(c.received.length).toBe(0);
  });

  test("upstream, timeout 200: reset 200 ms after the first chunk (tolerance -1/+SLACK)", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ stream: "upstream", type: "reset_peer", attributes: { timeout: 200 } }));
    const c = await dial(port);
    const at = c.send("hello");
    const end = await c.ended;
    expect(end.kind).toBe("reset");
    expect(end.atMs - at).toBeGreaterThanOrEqual(199);
    expect(end.atMs - at).toBeLessThanOrEqual(200 + SLACK_MS);
  });

  test("a connection opened before the toxic sees FIN, not RST", async ({ toxiproxy, echo }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    const c = await dial(port);
    await c.roundTrip("warm");
    await proxy.addToxic(toxic({ type: "reset_peer", attributes: { timeout: 0 } }));
    c.send("x");
    expect((await c.ended).kind).toBe("eof");
  });
});

describe("slicer", () => {
  test("100 bytes at avg 10 / var 5 / 2000 µs arrive intact in several small reads", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(
      toxic({ type: "slicer", attributes: { average_size: 10, size_variation: 5, delay: 2000 } }),
    );
    const c = await dial(port);
    const data = Buffer.from("abcdefghijklmnopqrstuvwxyz0123456789".repeat(3).slice(0, 100));
    c.send(data);
    await c.waitForBytes(100);
    expect(c.received.equals(data)).toBe(true);
    // 7+ pieces 2 ms apart; a loaded machine may coalesce some reads, never into one
    expect(c.arrivals.length).toBeGreaterThanOrEqual(3);
    c.destroy();
  });
});

describe("limit_data", () => {
  test("bytes 10: exactly 10 bytes, the crossing chunk truncated, then EOF", async ({ toxiproxy, echo }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ type: "limit_data", attributes: { bytes: 10 } }));
    const c = await dial(port);
    await c.roundTrip("0123456");
    c.send("789abcdef");
    const end = await c.ended;
    expect(end.kind).toBe("eof");
    expect(c.received.toString()).toBe("0123456789");
  });

  test("bytes 0: open until the first chunk, then EOF with nothing forwarded", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ stream: "upstream", type: "limit_data", attributes: { bytes: 0 } }));
    const c = await dial(port);
    await pause(100); // observation window
    expect(c.ending).toBeUndefined();
    c.send("x");
    expect((await c.ended).kind).toBe("eof");
    expect(c.received.length).toBe(0);
  });

  test("the count survives an update", async ({ toxiproxy, echo }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    const t = await proxy.addToxic(toxic({ type: "limit_data", attributes: { bytes: 100 } }));
    const c = await dial(port);
    await c.roundTrip("x".repeat(90));
    await t.update({ attributes: { bytes: 95 } } as never);
    c.send("y".repeat(20));
    await c.ended;
    expect(c.received.length).toBe(95);
  });
});

describe("noop and toxicity", () => {
  test("noop passes bytes unchanged; toxicity 0 never applies, toxicity >= 1 always", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ name: "n", type: "noop", attributes: {} }));
    await proxy.addToxic(
      toxic({ name: "never", type: "latency", toxicity: 0, attributes: { latency: 300, jitter: 0 } }),
    );
    const c = await dial(port);
    expect(await c.roundTrip("hello")).toBeLessThan(SLACK_MS);
    expect(c.received.toString()).toBe("hello");
    await proxy.addToxic(
      toxic({ name: "always", type: "latency", toxicity: 5, attributes: { latency: 80, jitter: 0 } }),
    );
    expect(await c.roundTrip("again")).toBeGreaterThanOrEqual(79);
    c.destroy();
  });
});
