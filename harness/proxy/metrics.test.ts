import { Toxiproxy } from "toxiproxy-node-client";
import { describe, expect, test as plain } from "vitest";
import { type StartedProxyServer, startProxyServer } from "./index.ts";
import { formatSampleValue, METRICS_CONTENT_TYPE, ProxyMetrics } from "./metrics.ts";
import { test as base } from "./test-fixtures.ts";
import { dial, portOf, startEcho } from "./test-helpers.ts";

// GET /metrics with --proxy-metrics: Toxiproxy's byte counters, as its promhttp handler writes them.

/** The fixtures of test-fixtures.ts plus a server started with proxy metrics and its client. */
const test = base.extend<{ metered: StartedProxyServer; client: Toxiproxy }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring
  metered: async ({}, use) => {
    const server = await startProxyServer({ port: 0, seed: 42, proxyMetrics: true });
    await use(server);
    await server.stop();
  },
  client: async ({ metered }, use) => {
    await use(new Toxiproxy(metered.url));
  },
});

async function get(url: string, path = "/metrics", init?: RequestInit) {
  const res = await fetch(`${url}${path}`, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const metricsText = async (server: StartedProxyServer): Promise<string> => (await get(server.url)).text;

interface Labels {
  name: string;
  listen: string;
  upstream: string;
}

/** The whole /metrics body for one proxy: [received, sent] per direction. */
function expectedText(p: Labels, up: [number, number], down: [number, number]): string {
  const line = (metric: string, direction: string, value: number) =>
    `toxiproxy_proxy_${metric}_bytes_total{direction="${direction}",listener="${p.listen}",proxy="${p.name}",upstream="${p.upstream}"} ${formatSampleValue(value)}\n`;
  return (
    "# HELP toxiproxy_proxy_received_bytes_total \n" +
    "# TYPE toxiproxy_proxy_received_bytes_total counter\n" +
    line("received", "downstream", down[0]) +
    line("received", "upstream", up[0]) +
    "# HELP toxiproxy_proxy_sent_bytes_total \n" +
    "# TYPE toxiproxy_proxy_sent_bytes_total counter\n" +
    line("sent", "downstream", down[1]) +
    line("sent", "upstream", up[1])
  );
}

describe("/metrics routing", () => {
  test("without proxy or runtime metrics it is an unknown path: the same 404 as any other", async ({
    server,
  }) => {
    const unknown = await get(server.url, "/nope");
    for (const method of ["GET", "POST"]) {
      const r = await get(server.url, "/metrics", { method });
      expect(r.status, method).toBe(404);
      expect(r.text).toBe(unknown.text);
      expect(r.text).toBe("404 page not found\n");
      expect(r.headers.get("content-type")).toBe(unknown.headers.get("content-type"));
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      expect(r.headers.get("x-toxiproxy-request-id")).toBeNull();
    }
  });

  test("with proxy metrics: 200, Prometheus text, request id; empty until a connection starts", async ({
    metered,
    client,
    echo,
  }) => {
    const r = await get(metered.url);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(r.headers.get("x-toxiproxy-request-id")).toMatch(/^[0-9a-v]{20}$/);
    expect(r.text).toBe("");
    await client.createProxy({ name: "idle", listen: "127.0.0.1:0", upstream: echo.address });
    expect(await metricsText(metered)).toBe(""); // a proxy without connections has no series
    // Routed like Toxiproxy's (no method restriction, browser blocker in front).
    expect((await get(metered.url, "/metrics", { method: "POST" })).status).toBe(200);
    const browser = await get(metered.url, "/metrics", { headers: { "User-Agent": "Mozilla/5.0" } });
    expect(browser.status).toBe(403);
  });

  plain("runtime metrics alone route /metrics, with no proxy counters in it", async () => {
    await using server = await startProxyServer({ port: 0, runtimeMetrics: true });
    const echo = await startEcho();
    try {
      const proxy = await new Toxiproxy(server.url).createProxy({
        name: "p",
        listen: "127.0.0.1:0",
        upstream: echo.address,
      });
      const c = await dial(portOf(proxy.listen));
      await c.roundTrip("hello");
      c.destroy();
      const r = await get(server.url);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe(METRICS_CONTENT_TYPE);
      expect(r.text).toBe(""); // as Toxiproxy: proxy collectors are only registered by -proxy-metrics
    } finally {
      await echo.close();
    }
  });
});

describe("byte counters", () => {
  test("count per direction exactly, and survive the connections closing", async ({ metered, client }) => {
    // An upstream that answers 250 bytes per 1000 it reads, so the two directions differ.
    const upstream = await startEcho((socket) => {
      let got = 0;
      socket.on("data", (d: Buffer) => {
        got += d.length;
        for (; got >= 1000; got -= 1000) socket.write(Buffer.alloc(250, 0x62));
      });
      socket.on("end", () => socket.end());
    });
    try {
      const proxy = await client.createProxy({
        name: "pg",
        listen: "127.0.0.1:0",
        upstream: upstream.address,
      });
      const a = await dial(portOf(proxy.listen));
      a.send(Buffer.alloc(1000, 0x61));
      await a.waitForBytes(250);
      a.send(Buffer.alloc(3000, 0x61));
      await a.waitForBytes(1000);
      const b = await dial(portOf(proxy.listen));
      b.send(Buffer.alloc(1000, 0x61));
      await b.waitForBytes(250);
      // Every byte the clients got was written by the proxy after it read what caused it: final figures.
      const want = expectedText(proxy, [5000, 5000], [1250, 1250]);
      expect(await metricsText(metered)).toBe(want);
      a.destroy();
      b.destroy();
      await expect.poll(() => metered.openConnectionCount(), { timeout: 2000 }).toBe(0);
      expect(await metricsText(metered)).toBe(want);
    } finally {
      await upstream.close();
    }
  });

  test("many chunks, through toxic stages and the direct path; Go's float format past a million", async ({
    metered,
    client,
    echo,
  }) => {
    const proxy = await client.createProxy({ name: "big", listen: "127.0.0.1:0", upstream: echo.address });
    // A zero latency toxic puts the upstream direction through a stage; downstream stays direct.
    await proxy.addToxic({
      name: "lat",
      type: "latency",
      stream: "upstream",
      toxicity: 1,
      attributes: { latency: 0, jitter: 0 },
    });
    const c = await dial(portOf(proxy.listen));
    await c.roundTrip(Buffer.alloc(1_500_000, 0x7a), 10_000);
    expect(await metricsText(metered)).toBe(
      expectedText(proxy, [1_500_000, 1_500_000], [1_500_000, 1_500_000]),
    );
    expect(await metricsText(metered)).toContain('upstream="127.0.0.1:');
    expect(await metricsText(metered)).toContain("} 1.5e+06\n");
    c.destroy();
  });

  test("received is what was read, sent what reached the socket: a timeout toxic drops it all", async ({
    metered,
    client,
    echo,
  }) => {
    const proxy = await client.createProxy({ name: "drop", listen: "127.0.0.1:0", upstream: echo.address });
    await proxy.addToxic({
      name: "t",
      type: "timeout",
      stream: "downstream",
      toxicity: 1,
      attributes: { timeout: 0 },
    });
    const c = await dial(portOf(proxy.listen));
    c.send(Buffer.alloc(64, 0x61));
    // The echo's reply is read by the proxy and dropped, so the client never sees it: poll.
    await expect
      .poll(() => metricsText(metered), { timeout: 2000 })
      .toBe(expectedText(proxy, [64, 64], [64, 0]));
    expect(c.received.length).toBe(0);
    c.destroy();
  });

  test("labels: the listen the API shows, the upstream as given, values escaped", async ({
    metered,
    client,
    echo,
  }) => {
    const created = await fetch(`${metered.url}/proxies`, {
      method: "POST",
      body: JSON.stringify({
        name: 'we"ird\\na\nme',
        listen: "0.0.0.0:0",
        upstream: `localhost:${echo.port}`,
      }),
    });
    const proxy = (await created.json()) as Labels;
    expect(proxy.listen).toMatch(/^\[::\]:\d+$/);
    const c = await dial(portOf(proxy.listen));
    await c.roundTrip("12345");
    c.destroy();
    const text = await metricsText(metered);
    expect(text).toContain(
      `toxiproxy_proxy_sent_bytes_total{direction="upstream",listener="${proxy.listen}",proxy="we\\"ird\\\\na\\nme",upstream="localhost:${echo.port}"} 5\n`,
    );
    expect((await client.getAll())['we"ird\\na\nme']).toBeDefined();
  });

  test("a deleted proxy keeps its series (Toxiproxy never prunes them); re-created alike it adds to them", async ({
    metered,
    client,
    echo,
  }) => {
    const first = await client.createProxy({ name: "w1", listen: "127.0.0.1:0", upstream: echo.address });
    const c = await dial(portOf(first.listen));
    await c.roundTrip("0123456789");
    await first.remove();
    c.destroy();
    expect(await client.getAll()).toEqual({});
    await expect.poll(() => metered.openConnectionCount(), { timeout: 2000 }).toBe(0);
    expect(await metricsText(metered)).toBe(expectedText(first, [10, 10], [10, 10]));

    // Same name, listen and upstream: the same series goes on counting.
    const again = await client.createProxy({ name: "w1", listen: first.listen, upstream: echo.address });
    expect(again.listen).toBe(first.listen);
    const d = await dial(portOf(again.listen));
    await d.roundTrip("abc");
    d.destroy();
    expect(await metricsText(metered)).toBe(expectedText(first, [13, 13], [13, 13]));

    // Another label set (here the upstream spelled differently): a second series beside the old one.
    const moved = await again.update({
      enabled: true,
      listen: again.listen,
      upstream: `localhost:${echo.port}`,
    });
    expect(moved.listen).toBe(first.listen);
    const e = await dial(portOf(moved.listen));
    await e.roundTrip("xy");
    e.destroy();
    const lines = (await metricsText(metered))
      .split("\n")
      .filter((l) => l.startsWith("toxiproxy_proxy_sent"));
    expect(lines).toHaveLength(4);
    expect(
      lines.filter((l) => l.includes(`upstream="localhost:${echo.port}"`)).map((l) => l.split(" ")[1]),
    ).toEqual(["2", "2"]);
  });
});

describe("rendering", () => {
  plain(
    "series are sorted by label values in label-name order (direction, listener, proxy, upstream)",
    () => {
      const m = new ProxyMetrics();
      m.counter("upstream", "b", "127.0.0.1:2000", "u").sent = 1;
      m.counter("upstream", "a", "127.0.0.1:3000", "u").sent = 2;
      m.counter("downstream", "z", "127.0.0.1:9", "u").sent = 3;
      const sent = m
        .render()
        .split("\n")
        .filter((l) => l.startsWith("toxiproxy_proxy_sent"));
      expect(sent).toEqual([
        'toxiproxy_proxy_sent_bytes_total{direction="downstream",listener="127.0.0.1:9",proxy="z",upstream="u"} 3',
        'toxiproxy_proxy_sent_bytes_total{direction="upstream",listener="127.0.0.1:2000",proxy="b",upstream="u"} 1',
        'toxiproxy_proxy_sent_bytes_total{direction="upstream",listener="127.0.0.1:3000",proxy="a",upstream="u"} 2',
      ]);
      // The same label set is the same counter.
      expect(m.counter("upstream", "a", "127.0.0.1:3000", "u").sent).toBe(2);
    },
  );

  plain("values as Go's strconv 'g' shortest format writes them", () => {
    expect(
      [0, 1, 42, 999_999, 1_000_000, 1_234_567, 1_500_000, 123_456_789_012, Number.MAX_SAFE_INTEGER].map(
        formatSampleValue,
      ),
    ).toEqual([
      "0",
      "1",
      "42",
      "999999",
      "1e+06",
      "1.234567e+06",
      "1.5e+06",
      "1.23456789012e+11",
      "9.007199254740991e+15",
    ]);
  });
});
