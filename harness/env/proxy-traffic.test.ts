import { once } from "node:events";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { Toxiproxy } from "toxiproxy-node-client";
import { describe, expect, test } from "vitest";
import { startProxyServer } from "../proxy/index.ts";
import { dial, portOf, startEcho } from "../proxy/test-helpers.ts";
import { parseProxyTraffic, readProxyTraffic } from "./proxy-traffic.ts";

// The shape of a Toxiproxy 2.12 /metrics answer with -proxy-metrics and -runtime-metrics (go_*,
// process_* and go_build_info from the runtime collectors; empty HELP on toxiproxy's counters;
// Go's float format past a million), plus hand-made oddities: other label orders, escapes, a
// trailing comma, a timestamp, CRLF line ends.
const REAL_SHAPED = [
  "# HELP go_build_info Build information about the main Go module.",
  "# TYPE go_build_info gauge",
  'go_build_info{checksum="",path="github.com/Shopify/toxiproxy/v2",version="v2.12.0"} 1',
  "# HELP go_gc_duration_seconds A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.",
  "# TYPE go_gc_duration_seconds summary",
  'go_gc_duration_seconds{quantile="0"} 2.3641e-05',
  'go_gc_duration_seconds{quantile="1"} 0.000212302',
  "go_gc_duration_seconds_sum 0.000563216",
  "go_gc_duration_seconds_count 5",
  "# HELP go_goroutines Number of goroutines that currently exist.",
  "# TYPE go_goroutines gauge",
  "go_goroutines 23",
  "# HELP go_info Information about the Go environment.",
  "# TYPE go_info gauge",
  'go_info{version="go1.23.7"} 1',
  "# HELP go_memstats_alloc_bytes Number of bytes allocated in heap and currently in use.",
  "# TYPE go_memstats_alloc_bytes gauge",
  "go_memstats_alloc_bytes 3.194552e+06",
  "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.",
  "# TYPE process_cpu_seconds_total counter",
  "process_cpu_seconds_total 0.41",
  "# HELP toxiproxy_proxy_received_bytes_total ",
  "# TYPE toxiproxy_proxy_received_bytes_total counter",
  'toxiproxy_proxy_received_bytes_total{direction="downstream",listener="[::]:8666",proxy="pg-w1",upstream="postgres:5432"} 9.99e+06',
  'toxiproxy_proxy_received_bytes_total{direction="upstream",listener="[::]:8666",proxy="pg-w1",upstream="postgres:5432"} 777',
  "# HELP toxiproxy_proxy_sent_bytes_total ",
  "# TYPE toxiproxy_proxy_sent_bytes_total counter",
  'toxiproxy_proxy_sent_bytes_total{direction="downstream",listener="[::]:8666",proxy="pg-w1",upstream="postgres:5432"} 1.234567e+06',
  'toxiproxy_proxy_sent_bytes_total{direction="upstream",listener="[::]:8666",proxy="pg-w1",upstream="postgres:5432"} 512',
  // pg-w1 re-created on another port: a second series, summed with the first
  'toxiproxy_proxy_sent_bytes_total{direction="upstream",listener="[::]:8667",proxy="pg-w1",upstream="postgres:5432"} 88',
  // other label order, escaped quote/backslash/newline, a "}" and "," inside a value, trailing comma
  'toxiproxy_proxy_sent_bytes_total{upstream="db:5432}, x",proxy="we\\"ird\\\\na\\nme",direction="downstream",listener="127.0.0.1:1",} 40',
  // spaces around tokens, a timestamp, a CRLF line end
  'toxiproxy_proxy_sent_bytes_total{ proxy = "pg-w2" , direction = "upstream" , listener = "x" , upstream = "y" } 7 1712345678000\r',
  // not ours: another direction, another metric with our name as prefix, a broken line
  'toxiproxy_proxy_sent_bytes_total{direction="sideways",proxy="pg-w2",listener="x",upstream="y"} 1000',
  'toxiproxy_proxy_sent_bytes_total_created{direction="upstream",proxy="pg-w2",listener="x",upstream="y"} 1.7e+09',
  'toxiproxy_proxy_sent_bytes_total{direction="upstream",proxy="pg-w2 5',
  "",
].join("\n");

/** Listens on a free loopback port and returns it. */
async function listening(server: Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

describe("parseProxyTraffic", () => {
  test("reads sent bytes per proxy and direction out of a real-Toxiproxy-shaped answer", () => {
    expect(parseProxyTraffic(REAL_SHAPED)).toEqual(
      new Map([
        ["pg-w1", { upstream: 600, downstream: 1_234_567 }],
        ['we"ird\\na\nme', { upstream: 0, downstream: 40 }],
        ["pg-w2", { upstream: 7, downstream: 0 }],
      ]),
    );
  });

  test("nothing to read: empty answer, runtime metrics only, not Prometheus at all", () => {
    expect(parseProxyTraffic("")).toEqual(new Map());
    expect(parseProxyTraffic("go_goroutines 23\n# TYPE x counter\n")).toEqual(new Map());
    expect(parseProxyTraffic("<html>404</html>")).toEqual(new Map());
  });
});

describe("readProxyTraffic", () => {
  test("against our server with --proxy-metrics: the bytes each proxy delivered", async () => {
    await using server = await startProxyServer({ port: 0, proxyMetrics: true });
    const echo = await startEcho();
    try {
      const client = new Toxiproxy(server.url);
      const a = await client.createProxy({ name: "pg-a", listen: "127.0.0.1:0", upstream: echo.address });
      const b = await client.createProxy({ name: "pg-b", listen: "127.0.0.1:0", upstream: echo.address });
      expect(await readProxyTraffic(server.url)).toEqual(new Map());
      const ca = await dial(portOf(a.listen));
      await ca.roundTrip(Buffer.alloc(70_000, 1));
      const cb = await dial(portOf(b.listen));
      await cb.roundTrip("ping");
      ca.destroy();
      cb.destroy();
      await b.remove(); // still reported, as a real Toxiproxy does
      const want = new Map([
        ["pg-a", { upstream: 70_000, downstream: 70_000 }],
        ["pg-b", { upstream: 4, downstream: 4 }],
      ]);
      expect(await readProxyTraffic(server.url)).toEqual(want);
      expect(await readProxyTraffic(`${server.url}/`)).toEqual(want);
    } finally {
      await echo.close();
    }
  });

  test("null when /metrics is off (404), as on a Toxiproxy started without -proxy-metrics", async () => {
    await using server = await startProxyServer({ port: 0 });
    expect(await readProxyTraffic(server.url)).toBeNull();
  });

  test("null on a server error and on a refused connection", async () => {
    const failing = createHttpServer((_req, res) => res.writeHead(500).end("boom"));
    const port = await listening(failing);
    try {
      expect(await readProxyTraffic(`http://127.0.0.1:${port}`)).toBeNull();
    } finally {
      failing.close();
    }
    const closed = createServer();
    const freed = await listening(closed);
    closed.close();
    await once(closed, "close");
    expect(await readProxyTraffic(`http://127.0.0.1:${freed}`)).toBeNull();
  });

  test("null after timeoutMs when the server never answers", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s)); // accepts, never replies
    const port = await listening(silent);
    try {
      const t0 = performance.now();
      expect(await readProxyTraffic(`http://127.0.0.1:${port}`, 200)).toBeNull();
      const elapsed = performance.now() - t0;
      // the abort fires at 200 ms; up to 1 s more for a loaded machine
      expect(elapsed).toBeGreaterThanOrEqual(190);
      expect(elapsed).toBeLessThan(1200);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
