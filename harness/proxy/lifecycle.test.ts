import { once } from "node:events";
import { connect } from "node:net";
import { performance } from "node:perf_hooks";
import type { Toxiproxy } from "toxiproxy-node-client";
import { describe, expect } from "vitest";
import { test } from "./test-fixtures.ts";
import { dial, pause, portOf, startEcho } from "./test-helpers.ts";
import { expectDue, expectPrompt } from "./test-timing.ts";

// Timing: lower bounds exact, upper bounds LOADED_SLACK_MS late (measured under load, see
// test-timing.ts). A delay that must not happen (a toxic still applied, a late reply) is larger.

async function proxyTo(toxiproxy: Toxiproxy, upstream: string, name = "p", listen = "127.0.0.1:0") {
  const proxy = await toxiproxy.createProxy({ name, listen, upstream });
  return { proxy, port: portOf(proxy.listen) };
}

type AnyToxic = Parameters<Awaited<ReturnType<Toxiproxy["get"]>>["addToxic"]>[0];
const toxic = (t: Omit<Partial<AnyToxic>, "type"> & { type: string; attributes: object }) =>
  ({ stream: "downstream", toxicity: 1, ...t }) as AnyToxic;

async function refused(port: number): Promise<string | undefined> {
  const s = connect({ host: "127.0.0.1", port });
  try {
    await once(s, "connect");
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  } finally {
    s.destroy();
  }
}

describe("listen addresses", () => {
  test("127.0.0.1:0 and localhost:0 report 127.0.0.1:<port>; 0.0.0.0:0 and empty report [::]:<port>", async ({
    server,
    toxiproxy,
    echo,
  }) => {
    expect(
      (await toxiproxy.createProxy({ name: "a", listen: "127.0.0.1:0", upstream: echo.address })).listen,
    ).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect(
      (await toxiproxy.createProxy({ name: "b", listen: "localhost:0", upstream: echo.address })).listen,
    ).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    const wild = await toxiproxy.createProxy({ name: "c", listen: "0.0.0.0:0", upstream: echo.address });
    expect(wild.listen).toMatch(/^\[::\]:[1-9]\d*$/);
    const r = await fetch(`${server.url}/proxies`, {
      method: "POST",
      body: JSON.stringify({ name: "d", upstream: echo.address }),
    });
    expect(((await r.json()) as { listen: string }).listen).toMatch(/^\[::\]:[1-9]\d*$/);
    const c = await dial(portOf(wild.listen)); // reachable on loopback
    await c.roundTrip("hi");
    expect(c.received.toString()).toBe("hi");
    c.destroy();
  });

  test("update: same listen by name keeps connections; a :0 listen moves the proxy and drops them", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    const c = await dial(port);
    await c.roundTrip("a");
    const same = await proxy.update({ listen: `localhost:${port}`, upstream: echo.address, enabled: true });
    expect(same.listen).toBe(`127.0.0.1:${port}`);
    await c.roundTrip("b"); // the connection survived
    expect(c.received.toString()).toBe("ab");
    const moved = await proxy.update({ listen: "127.0.0.1:0", upstream: echo.address, enabled: true });
    expect(moved.listen).not.toBe(`127.0.0.1:${port}`);
    expect((await c.ended).kind).toBe("eof");
  });
});

describe("enable / disable / delete", () => {
  test("disable closes every open connection and the listener; enable reuses the port", async ({
    server,
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ type: "latency", attributes: { latency: 1, jitter: 0 } }));
    const clients = await Promise.all([dial(port), dial(port), dial(port)]);
    for (const c of clients) await c.roundTrip("x");
    await expect.poll(() => echo.open()).toBe(3);
    const off = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect(off.enabled).toBe(false);
    for (const c of clients) expect((await c.ended).kind).toBe("eof");
    expect(await refused(port)).toBe("ECONNREFUSED");
    await expect.poll(() => echo.open(), { timeout: 2000 }).toBe(0);
    await expect.poll(() => server.openConnectionCount(), { timeout: 2000 }).toBe(0);
    const on = await proxy.update({ enabled: true, listen: off.listen, upstream: off.upstream });
    expect(on.listen).toBe(`127.0.0.1:${port}`);
    const c = await dial(port);
    await c.roundTrip("back");
    expect(c.received.toString()).toBe("back");
    expect((await toxiproxy.get("p")).enabled).toBe(true);
    c.destroy();
  });

  test("a proxy created disabled keeps its literal listen until enabled", async ({ toxiproxy, echo }) => {
    const p = await toxiproxy.createProxy({
      name: "d",
      listen: "127.0.0.1:0",
      upstream: echo.address,
      enabled: false,
    });
    expect(p.listen).toBe("127.0.0.1:0");
    const on = await p.update({ enabled: true, listen: p.listen, upstream: p.upstream });
    expect(on.listen).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
  });

  test("delete closes connections and frees the port", async ({ server, toxiproxy, echo }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    const c = await dial(port);
    await c.roundTrip("x");
    await proxy.remove();
    expect((await c.ended).kind).toBe("eof");
    expect(await refused(port)).toBe("ECONNREFUSED");
    await expect.poll(() => server.openConnectionCount()).toBe(0);
  });

  test("upstream down: the client connects, then gets EOF at once (never ECONNREFUSED)", async ({
    toxiproxy,
  }) => {
    const dead = await startEcho();
    await dead.close();
    const { port } = await proxyTo(toxiproxy, dead.address);
    const c = await dial(port);
    const end = await c.ended;
    expect(end.kind).toBe("eof");
    expectPrompt("EOF after the connect", end.atMs - c.startedMs);
  });

  test("no half-close: after the client's FIN, a late upstream reply is lost and the client gets EOF", async ({
    toxiproxy,
  }) => {
    const late = await startEcho((s) => s.on("end", () => setTimeout(() => s.end("late reply"), 1000)));
    try {
      const { port } = await proxyTo(toxiproxy, late.address);
      const c = await dial(port);
      c.socket.end("req");
      const end = await c.ended;
      expect(end.kind).toBe("eof");
      expect(c.received.length).toBe(0);
      expectPrompt("EOF after the FIN, not after the late reply", end.atMs - c.startedMs);
    } finally {
      await late.close();
    }
  });
});

describe("live changes on open connections", () => {
  test("adding latency applies to the next chunk of an open connection", async ({ toxiproxy, echo }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    const c = await dial(port);
    await c.roundTrip("fast");
    await proxy.addToxic(toxic({ type: "latency", attributes: { latency: 300, jitter: 0 } }));
    expectDue("round trip after the add", await c.roundTrip("slow"), 300);
    c.destroy();
  });

  test("updating latency releases the held chunk at once, then applies the new value", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    const t = await proxy.addToxic(toxic({ type: "latency", attributes: { latency: 1000, jitter: 0 } }));
    const c = await dial(port);
    const at = c.send("held");
    await pause(50); // let the chunk be held by the toxic
    const updatedAt = performance.now();
    await t.update({ attributes: { latency: 20 } } as never);
    const arrived = await c.waitForBytes(4);
    expect(arrived - at).toBeGreaterThanOrEqual(50);
    expectPrompt("held chunk after the update (not at 1000 ms)", arrived - updatedAt);
    expectDue("round trip at the new value", await c.roundTrip("next"), 20);
    c.destroy();
  });

  test("removing latency flushes what it holds at once; later chunks pass undelayed", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    const t = await proxy.addToxic(toxic({ type: "latency", attributes: { latency: 1000, jitter: 0 } }));
    const c = await dial(port);
    c.send("a");
    await pause(20);
    c.send("b");
    await pause(50);
    const removedAt = performance.now();
    await t.remove();
    const arrived = await c.waitForBytes(2);
    expect(c.received.toString()).toBe("ab");
    expectPrompt("held chunks after the removal (not at 1000 ms)", arrived - removedAt);
    expectPrompt("round trip after the removal", await c.roundTrip("c"));
    c.destroy();
  });

  test("adding a toxic restarts the timeout before it (its idle timer starts again)", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ name: "t", type: "timeout", attributes: { timeout: 400 } }));
    const c = await dial(port);
    await pause(250); // then add while the timer runs
    const addedAt = performance.now();
    await proxy.addToxic(toxic({ name: "n", type: "noop", attributes: {} }));
    const end = await c.ended;
    expectDue("EOF after the add", end.atMs - addedAt, 400);
  });

  test("no data lost or reordered while a latency toxic is added and removed repeatedly", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    const c = await dial(port);
    const total = 20_000;
    const expected = Buffer.alloc(total * 2);
    for (let i = 0; i < total; i++) expected.writeUInt16BE(i, i * 2);
    let written = 0;
    const writer = (async () => {
      while (written < total) {
        const end = Math.min(total, written + 500);
        c.send(expected.subarray(written * 2, end * 2));
        written = end;
        await pause(1); // spacing the writes across the toxic changes
      }
    })();
    for (let round = 0; round < 15; round++) {
      const t = await proxy.addToxic(
        toxic({
          name: "flap",
          stream: round % 2 ? "upstream" : "downstream",
          type: "latency",
          attributes: { latency: 5, jitter: 0 },
        }),
      );
      await pause(1);
      await t.remove();
    }
    await writer;
    await c.waitForBytes(expected.length, 10_000);
    expect(c.received.equals(expected)).toBe(true);
    c.destroy();
  });

  test("reset: removes toxics from open connections; a timeout toxic's removal closes them", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    await proxy.addToxic(toxic({ type: "latency", attributes: { latency: 1000, jitter: 0 } }));
    const kept = await dial(port);
    await toxiproxy.reset();
    expectPrompt("round trip after the reset (not 1000 ms)", await kept.roundTrip("fast again"));
    await proxy.addToxic(toxic({ type: "timeout", toxicity: 0, attributes: { timeout: 0 } }));
    await kept.roundTrip("still"); // toxicity 0: noop, the echo is not dropped
    await toxiproxy.reset();
    expect((await kept.ended).kind).toBe("eof");
  });

  test("reset_peer's RST persists: a connection opened under it is reset when the proxy is disabled", async ({
    toxiproxy,
    echo,
  }) => {
    const { proxy, port } = await proxyTo(toxiproxy, echo.address);
    const t = await proxy.addToxic(toxic({ type: "reset_peer", toxicity: 0, attributes: { timeout: 0 } }));
    const c = await dial(port);
    await c.roundTrip("x"); // toxicity 0: no reset here
    await t.remove();
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect((await c.ended).kind).toBe("reset");
  });
});
