import { Toxiproxy } from "toxiproxy-node-client";
import { describe, expect } from "vitest";
import { startProxyServer } from "./index.ts";
import { test } from "./test-fixtures.ts";
import { Client, portOf } from "./test-helpers.ts";

// Many connections opened and dropped in every way a client can drop one, through a proxy with
// toxics in both directions: nothing crashes, and afterwards no connection or timer is left.
describe("stress", () => {
  test("300 connections: resets mid-stream, half-closes, clean closes; zero left afterwards", async ({
    server,
    toxiproxy,
    echo,
  }) => {
    const plain = await toxiproxy.createProxy({
      name: "plain",
      listen: "127.0.0.1:0",
      upstream: echo.address,
    });
    const toxic = await toxiproxy.createProxy({
      name: "toxic",
      listen: "127.0.0.1:0",
      upstream: echo.address,
    });
    await toxic.addToxic({
      name: "lat",
      type: "latency",
      stream: "downstream",
      toxicity: 1,
      attributes: { latency: 20, jitter: 10 },
    });
    await toxic.addToxic({
      name: "bw",
      type: "bandwidth",
      stream: "upstream",
      toxicity: 1,
      attributes: { rate: 5000 },
    });
    await toxic.addToxic({
      name: "sl",
      type: "slicer",
      stream: "downstream",
      toxicity: 0.5,
      attributes: { average_size: 512, size_variation: 100, delay: 50 },
    } as never);
    await toxic.addToxic({
      name: "slow",
      type: "slow_close",
      stream: "downstream",
      toxicity: 1,
      attributes: { delay: 10 },
    });
    const ports = [portOf(plain.listen), portOf(toxic.listen)];
    const payload = Buffer.alloc(64 * 1024, 1);

    const one = async (i: number): Promise<void> => {
      const c = new Client(ports[i % 2] as number);
      await c.connected();
      c.send(payload);
      switch (i % 3) {
        case 0: // reset mid-stream
          await c.waitForBytes(1, 10_000).catch(() => {});
          c.socket.resetAndDestroy();
          break;
        case 1: // half-close with data in flight
          c.socket.end(payload);
          await c.ended;
          break;
        default: // read everything, then close
          await c.waitForBytes(payload.length, 10_000);
          c.destroy();
      }
    };
    const batch = 100;
    for (let start = 0; start < 300; start += batch) {
      await Promise.all(Array.from({ length: batch }, (_, k) => one(start + k)));
    }
    // evidence, not a sleep: poll the server's own counters until everything has closed
    await expect.poll(() => server.openConnectionCount(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => server.pendingTimerCount(), { timeout: 5_000 }).toBe(0);
    await expect.poll(() => echo.open(), { timeout: 5_000 }).toBe(0);
    // still serving
    expect((await fetch(`${server.url}/version`)).status).toBe(200);
    const check = new Client(ports[0] as number);
    await check.connected();
    await check.roundTrip("alive"); // within its deadline
    expect(check.received.toString()).toBe("alive");
    check.destroy();
  });

  test("a reset client's connection closes once the toxics have passed on what they hold", async ({
    server,
    toxiproxy,
    echo,
  }) => {
    // As in Toxiproxy, the client's close travels through the chain as EOF, behind the held chunk.
    const p = await toxiproxy.createProxy({ name: "hold", listen: "127.0.0.1:0", upstream: echo.address });
    await p.addToxic({
      name: "lat",
      type: "latency",
      stream: "upstream",
      toxicity: 1,
      attributes: { latency: 300, jitter: 0 },
    });
    await p.addToxic({
      name: "to",
      type: "timeout",
      stream: "downstream",
      toxicity: 1,
      attributes: { timeout: 5000 },
    });
    const clients = await Promise.all(
      Array.from({ length: 50 }, () => new Client(portOf(p.listen)).connected()),
    );
    for (const c of clients) c.send("held for 300 ms");
    await expect.poll(() => server.pendingTimerCount()).toBeGreaterThan(0);
    for (const c of clients) c.socket.resetAndDestroy();
    await expect.poll(() => server.openConnectionCount(), { timeout: 3_000 }).toBe(0);
    expect(server.pendingTimerCount()).toBe(0);
    await expect.poll(() => echo.open(), { timeout: 3_000 }).toBe(0);
  });

  test("stop() with toxics holding data closes every connection and timer at once", async ({ echo }) => {
    const own = await startProxyServer({ port: 0, seed: 1 });
    const p = await new Toxiproxy(own.url).createProxy({
      name: "h",
      listen: "127.0.0.1:0",
      upstream: echo.address,
    });
    await p.addToxic({
      name: "lat",
      type: "latency",
      stream: "upstream",
      toxicity: 1,
      attributes: { latency: 60_000, jitter: 0 },
    });
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => new Client(portOf(p.listen)).connected()),
    );
    for (const c of clients) c.send("held");
    await expect.poll(() => own.pendingTimerCount()).toBe(20);
    await own.stop();
    expect(own.pendingTimerCount()).toBe(0);
    for (const c of clients) expect((await c.ended).kind).toBe("eof");
    await expect.poll(() => own.openConnectionCount()).toBe(0);
    await expect.poll(() => echo.open(), { timeout: 3_000 }).toBe(0);
  });
});
