import { performance } from "node:perf_hooks";
import type { Toxiproxy } from "toxiproxy-node-client";
import { describe, expect } from "vitest";
import { test } from "./test-fixtures.ts";
import { dial, pause, portOf, startEcho } from "./test-helpers.ts";
import { expectDue, expectPrompt, LOADED_SLACK_MS } from "./test-timing.ts";

// Timing: lower bounds exact, upper bounds LOADED_SLACK_MS late (measured under load, see
// test-timing.ts). Delays are 300 ms or more wherever a toxic applied twice must show.

async function proxyTo(toxiproxy: Toxiproxy, upstream: string, name = "p") {
  const proxy = await toxiproxy.createProxy({ name, listen: "127.0.0.1:0", upstream });
  return { proxy, port: portOf(proxy.listen) };
}

type AnyToxic = Parameters<Awaited<ReturnType<Toxiproxy["get"]>>["addToxic"]>[0];
const toxic = (t: Omit<Partial<AnyToxic>, "type"> & { type: string; attributes: object }) =>
  ({ stream: "downstream", toxicity: 1, ...t }) as AnyToxic;

describe("latency", () => {
  test("downstream 300 ms: round trip 300 ms (not 600: applied once)", async ({ toxiproxy, echo }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ type: "latency", attributes: { latency: 300, jitter: 0 } }));
    const c = await dial(port);
    for (let i = 0; i < 3; i++) expectDue(`round trip ${i}`, await c.roundTrip("ping"), 300);
    c.destroy();
  });

  test("upstream 300 + downstream 300 add up; two in series add up", async ({ toxiproxy, echo }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ name: "down", type: "latency", attributes: { latency: 300, jitter: 0 } }));
    await proxy.addToxic(
      toxic({ name: "up", stream: "upstream", type: "latency", attributes: { latency: 300, jitter: 0 } }),
    );
    const c = await dial(port);
    expectDue("round trip, up + down", await c.roundTrip("x"), 600);
    await proxy.addToxic(
      toxic({ name: "up2", stream: "upstream", type: "latency", attributes: { latency: 300, jitter: 0 } }),
    );
    expectDue("round trip, up + up2 + down", await c.roundTrip("y"), 900);
    c.destroy();
  });

  test("FIFO and concurrent: 5 writes 20 ms apart under 300 ms arrive 300 ms after each write", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ type: "latency", attributes: { latency: 300, jitter: 0 } }));
    const c = await dial(port);
    const sentAt: number[] = [];
    for (let i = 0; i < 5; i++) {
      sentAt.push(c.send(String(i)));
      await pause(20); // spacing the writes, not waiting for anything
    }
    await c.waitForBytes(5);
    expect(c.received.toString()).toBe("01234");
    // each byte arrives 300 ms after its own write (not after the previous release: 600, 900...)
    let byte = 0;
    for (const a of c.arrivals) {
      expectDue(`byte ${byte}`, a.atMs - (sentAt[byte] as number), 300);
      byte += a.size;
    }
    c.destroy();
  });

  test("jitter: every round trip within latency ± jitter", async ({ toxiproxy, echo }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ type: "latency", attributes: { latency: 300, jitter: 100 } }));
    const c = await dial(port);
    const rtts: number[] = [];
    for (let i = 0; i < 8; i++) rtts.push(await c.roundTrip("j"));
    for (const [i, rtt] of rtts.entries()) {
      expect(rtt, `round trip ${i}`).toBeGreaterThanOrEqual(199);
      expect(rtt, `round trip ${i}`).toBeLessThanOrEqual(400 + LOADED_SLACK_MS);
    }
    expect(Math.max(...rtts) - Math.min(...rtts)).toBeGreaterThan(5); // jitter does vary
    // Applied twice, every round trip would be 400 ms or more; once, the shortest of 8 draws in
    // [200, 400) is that far below 400 that load would have to delay every one of them.
    expect(Math.min(...rtts)).toBeLessThan(400);
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
    // 16+ chunks would take 1.6 s serially; allowed: the slack for the delay and again for 2 MiB
    expect((c.arrivals.at(-1)?.atMs ?? 0) - at).toBeLessThan(100 + 2 * LOADED_SLACK_MS);
    c.destroy();
  });
});

describe("bandwidth", () => {
  test("300 000 B upstream at 1000 KB/s takes 300 ms (10 ms early allowed, as Toxiproxy's test), bytes intact", async ({
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
    expectDue("300 000 B", doneAt - at, 300, 10);
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
    await c.waitForBytes(5);
    expect(c.received.toString()).toBe("stuck");
    c.destroy();
  });
});

describe("slow_close", () => {
  test("upstream FIN reaches the client 300 ms later; data first", async ({ toxiproxy }) => {
    const upstream = await startEcho((s) => s.end("bye"));
    try {
      const { proxy, port } = await proxyTo(toxiproxy, upstream.address);
      await proxy.addToxic(toxic({ type: "slow_close", attributes: { delay: 300 } }));
      const c = await dial(port);
      const dataAt = await c.waitForBytes(3);
      const end = await c.ended;
      expect(c.received.toString()).toBe("bye");
      expect(end.kind).toBe("eof");
      expectDue("EOF after the data", end.atMs - dataAt, 300);
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
    expectDue("EOF after the write", end.atMs - at, 300);
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
    expectDue("EOF after the last write", end.atMs - lastAt, 300);
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
    expectPrompt("EOF after the removal", end.atMs - removedAt);
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
    expectPrompt("reset after the write", end.atMs - at);
    expect(c.received.length).toBe(0);
  });

  test("upstream, timeout 300: reset 300 ms after the first chunk", async ({ toxiproxy, echo }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ stream: "upstream", type: "reset_peer", attributes: { timeout: 300 } }));
    const c = await dial(port);
    const at = c.send("hello");
    const end = await c.ended;
    expect(end.kind).toBe("reset");
    expectDue("reset after the write", end.atMs - at, 300);
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
    expectPrompt("round trip past toxicity 0 latency 300", await c.roundTrip("hello"));
    expect(c.received.toString()).toBe("hello");
    await proxy.addToxic(
      toxic({ name: "always", type: "latency", toxicity: 5, attributes: { latency: 80, jitter: 0 } }),
    );
    expect(await c.roundTrip("again")).toBeGreaterThanOrEqual(79);
    c.destroy();
  });
});
