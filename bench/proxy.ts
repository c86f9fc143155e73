// Figures for the fault proxy on this machine (loopback only, bounded in count and time):
// throughput through the proxy vs direct, added round trip with no toxic, the error of 50 ms and
// 200 ms latency toxics, and connections held open at once. Prints a table; asserts nothing.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { Toxiproxy } from "toxiproxy-node-client";
import { type Client, dial, portOf, startEcho } from "../harness/proxy/test-helpers.ts";

const THROUGHPUT_BYTES = 256 * 1024 * 1024;
const PING_COUNT = 2000;
const LATENCY_SAMPLES = 100;
const HELD_CONNECTIONS = 2000;

/** A sink upstream: reads and discards, replies "done" after `expect` bytes. */
async function startSink(): Promise<{ port: number; close(): void }> {
  const server = createServer((s: Socket) => {
    let got = 0;
    s.on("error", () => {});
    s.on("data", (d: Buffer) => {
      got += d.length;
      if (got >= THROUGHPUT_BYTES) s.end("done");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

async function throughputMBs(port: number): Promise<number> {
  const s = connect({ host: "127.0.0.1", port, noDelay: true });
  await once(s, "connect");
  const block = Buffer.alloc(256 * 1024, 0x5a);
  const start = performance.now();
  const done = once(s, "data");
  let sent = 0;
  while (sent < THROUGHPUT_BYTES) {
    sent += block.length;
    if (!s.write(block)) await once(s, "drain");
  }
  await done;
  const seconds = (performance.now() - start) / 1000;
  s.destroy();
  return THROUGHPUT_BYTES / 1e6 / seconds;
}

async function rtts(port: number, n: number, size = 32): Promise<number[]> {
  const c = await dial(port);
  const msg = Buffer.alloc(size, 1);
  for (let i = 0; i < 50; i++) await c.roundTrip(msg); // warm-up
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await c.roundTrip(msg));
  c.destroy();
  return out;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
const f = (x: number, d = 3): string => x.toFixed(d);

const rows: [string, string, string][] = [];
const row = (what: string, value: string, note = ""): void => {
  rows.push([what, value, note]);
  console.error(`  ${what}: ${value}`);
};

const echo = await startEcho();
const sink = await startSink();
// The proxy runs as its own process, as the harness runs it (and as Toxiproxy was measured).
const child = spawn(
  process.execPath,
  ["--import", "tsx", "harness/cli/proxy.ts", "--port", "0", "--seed", "1"],
  {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, LOG_LEVEL: "warn" },
  },
);
const [firstLine] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
const apiUrl = (JSON.parse(firstLine) as { url: string }).url;
try {
  const tp = new Toxiproxy(apiUrl);
  const viaEcho = await tp.createProxy({ name: "echo", listen: "127.0.0.1:0", upstream: echo.address });
  const viaSink = await tp.createProxy({
    name: "sink",
    listen: "127.0.0.1:0",
    upstream: `127.0.0.1:${sink.port}`,
  });

  const direct = await throughputMBs(sink.port);
  const proxied = await throughputMBs(portOf(viaSink.listen));
  row("throughput direct", `${f(direct, 0)} MB/s`, "256 MiB client -> sink");
  row("throughput through proxy", `${f(proxied, 0)} MB/s`, `${f((proxied / direct) * 100, 0)}% of direct`);

  const d = await rtts(echo.port, PING_COUNT);
  const p = await rtts(portOf(viaEcho.listen), PING_COUNT);
  row(
    "round trip direct p50 / p99",
    `${f(pct(d, 50))} / ${f(pct(d, 99))} ms`,
    `${PING_COUNT} x 32 B ping-pong`,
  );
  row("round trip proxy p50 / p99", `${f(pct(p, 50))} / ${f(pct(p, 99))} ms`);
  row(
    "added round trip p50 / p99",
    `${f(pct(p, 50) - pct(d, 50))} / ${f(pct(p, 99) - pct(d, 99))} ms`,
    "proxy minus direct",
  );

  for (const latency of [50, 200]) {
    const t = await viaEcho.addToxic({
      name: `lat${latency}`,
      type: "latency",
      stream: "downstream",
      toxicity: 1,
      attributes: { latency, jitter: 0 },
    });
    const c = await dial(portOf(viaEcho.listen));
    const errors: number[] = [];
    for (let i = 0; i < 3; i++) await c.roundTrip("warm-up");
    for (let i = 0; i < LATENCY_SAMPLES; i++) errors.push((await c.roundTrip("x")) - latency);
    c.destroy();
    await t.remove();
    row(
      `latency ${latency} ms error p50 / p99`,
      `${f(pct(errors, 50))} / ${f(pct(errors, 99))} ms`,
      `${LATENCY_SAMPLES} round trips, measured minus configured (min ${f(Math.min(...errors))})`,
    );
  }

  const start = performance.now();
  const clients: Client[] = [];
  for (let i = 0; i < HELD_CONNECTIONS; i += 200) {
    clients.push(...(await Promise.all(Array.from({ length: 200 }, () => dial(portOf(viaEcho.listen))))));
  }
  const answered = await Promise.all(
    clients.map((c) =>
      c.roundTrip("held", 20_000).then(
        () => 1,
        () => 0,
      ),
    ),
  );
  const ok = answered.reduce<number>((a, b) => a + b, 0);
  row(
    "connections held at once",
    `${ok} / ${HELD_CONNECTIONS}`,
    `each echoed while all open, ${f(performance.now() - start, 0)} ms`,
  );
  for (const c of clients) c.destroy();
} finally {
  child.kill("SIGTERM");
  await once(child, "exit");
  sink.close();
  await echo.close();
}

const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0), 6));
const line = (r: string[]): string => r.map((cell, i) => cell.padEnd(widths[i] as number)).join("  ");
console.log(`\nlease-chaos fault proxy bench (node ${process.version}, loopback)\n`);
console.log(line(["figure", "value", "note"]));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const r of rows) console.log(line(r));
