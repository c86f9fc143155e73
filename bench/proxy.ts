// Figures for the fault proxy on this machine (loopback only, bounded in count and time):
// throughput through the proxy vs direct, added round trip with no toxic, the error of 50 ms and
// 200 ms latency toxics, and connections held open at once. Prints a table; asserts nothing.
//
// With `--toxiproxy-url URL` (a running Toxiproxy server, e.g. the real 2.12.0) every figure is
// measured on both servers in the same run, one after the other figure by figure, so that a change
// in the machine's load hits both alike; the table prints ours beside theirs and the target (ours
// at least as good).

import { spawn } from "node:child_process";
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { Toxiproxy } from "toxiproxy-node-client";
import { type Client, dial, portOf, startEcho } from "../harness/proxy/test-helpers.ts";

const THROUGHPUT_BYTES = 256 * 1024 * 1024;
const PING_COUNT = 2000;
const HELD_CONNECTIONS = 2000;
/** round trips per latency toxic: enough that p99 is not simply the single worst sample */
const LATENCY_SAMPLES: Record<number, number> = { 50: 300, 200: 150 };

const { values: args } = parseArgs({
  options: { "toxiproxy-url": { type: "string" } },
  allowPositionals: false,
});
const realUrl = args["toxiproxy-url"];

/** A sink upstream: reads and discards, replies "done" after THROUGHPUT_BYTES on each connection. */
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

/** Nearest-rank percentile: the smallest sample with at least p% of the samples at or below it. */
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] as number;
};
const f = (x: number, d = 3): string => x.toFixed(d);

/** One server under test: ours (spawned) or a real Toxiproxy at a URL. */
interface Subject {
  label: string;
  tp: Toxiproxy;
  echoPort: number;
  sinkPort: number;
  echo: Awaited<ReturnType<Toxiproxy["createProxy"]>>;
  cleanup(): Promise<void>;
}

async function subject(label: string, url: string, echoAddress: string, sinkPort: number): Promise<Subject> {
  const tp = new Toxiproxy(url);
  // Names of our own, so that a shared real server's other proxies are left alone.
  const tag = `bench-${process.pid}`;
  const echo = await tp.createProxy({ name: `${tag}-echo`, listen: "127.0.0.1:0", upstream: echoAddress });
  const sink = await tp.createProxy({
    name: `${tag}-sink`,
    listen: "127.0.0.1:0",
    upstream: `127.0.0.1:${sinkPort}`,
  });
  return {
    label,
    tp,
    echo,
    echoPort: portOf(echo.listen),
    sinkPort: portOf(sink.listen),
    async cleanup() {
      await echo.remove().catch(() => {});
      await sink.remove().catch(() => {});
    },
  };
}

async function latencyErrors(s: Subject, latency: number): Promise<number[]> {
  const t = await s.echo.addToxic({
    name: `lat${latency}`,
    type: "latency",
    stream: "downstream",
    toxicity: 1,
    attributes: { latency, jitter: 0 },
  });
  const c = await dial(s.echoPort);
  const errors: number[] = [];
  for (let i = 0; i < 3; i++) await c.roundTrip("warm-up");
  for (let i = 0; i < (LATENCY_SAMPLES[latency] as number); i++) {
    errors.push((await c.roundTrip("x")) - latency);
  }
  c.destroy();
  await t.remove();
  return errors;
}

async function heldConnections(s: Subject): Promise<{ ok: number; ms: number }> {
  const start = performance.now();
  const clients: Client[] = [];
  for (let i = 0; i < HELD_CONNECTIONS; i += 200) {
    clients.push(...(await Promise.all(Array.from({ length: 200 }, () => dial(s.echoPort)))));
  }
  const answered = await Promise.all(
    clients.map((c) =>
      c.roundTrip("held", 20_000).then(
        () => 1,
        () => 0,
      ),
    ),
  );
  for (const c of clients) c.destroy();
  return { ok: answered.reduce<number>((a, b) => a + b, 0), ms: performance.now() - start };
}

/** A figure: its value per subject, and which way is better (for the target column). */
interface Row {
  what: string;
  values: string[];
  /** per subject, the number compared with the target; undefined when the row has no target */
  scores?: number[];
  better?: "lower" | "higher";
  note: string;
}
const rows: Row[] = [];

const echo = await startEcho();
const sink = await startSink();
// Ours runs as its own process, as the harness runs it (and as Toxiproxy runs).
const child = spawn(
  process.execPath,
  ["--import", "tsx", "harness/cli/proxy.ts", "--port", "0", "--seed", "1"],
  { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, LOG_LEVEL: "warn" } },
);
const [firstLine] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
const ourUrl = (JSON.parse(firstLine) as { url: string }).url;
const subjects: Subject[] = [];
try {
  subjects.push(await subject("ours", ourUrl, echo.address, sink.port));
  if (realUrl) {
    const version = await new Toxiproxy(realUrl).getVersion();
    console.error(`real server at ${realUrl}: ${String(version).trim()}`);
    subjects.push(await subject("real", realUrl, echo.address, sink.port));
  }
  const each = async <T>(what: string, fn: (s: Subject) => Promise<T>): Promise<T[]> => {
    const out: T[] = [];
    for (const s of subjects) {
      console.error(`  ${what}: ${s.label}`);
      out.push(await fn(s));
    }
    return out;
  };

  const direct = await throughputMBs(sink.port);
  const proxied = await each("throughput", (s) => throughputMBs(s.sinkPort));
  rows.push({
    what: "throughput direct",
    values: subjects.map(() => `${f(direct, 0)} MB/s`),
    note: "256 MiB client -> sink",
  });
  rows.push({
    what: "throughput through proxy",
    values: proxied.map((x) => `${f(x, 0)} MB/s (${f((x / direct) * 100, 0)}%)`),
    scores: proxied,
    better: "higher",
    note: "% of direct",
  });

  const d = await rtts(echo.port, PING_COUNT);
  const p = await each("round trips", (s) => rtts(s.echoPort, PING_COUNT));
  rows.push({
    what: "round trip direct p50 / p99",
    values: subjects.map(() => `${f(pct(d, 50))} / ${f(pct(d, 99))} ms`),
    note: `${PING_COUNT} x 32 B ping-pong`,
  });
  for (const q of [50, 99]) {
    const added = p.map((x) => pct(x, q) - pct(d, q));
    rows.push({
      what: `added round trip p${q}`,
      values: added.map((ms) => `${f(ms)} ms`),
      scores: added,
      better: "lower",
      note: "proxy minus direct",
    });
  }

  for (const latency of [50, 200]) {
    const errors = await each(`latency ${latency}`, (s) => latencyErrors(s, latency));
    for (const q of [50, 99]) {
      rows.push({
        what: `latency ${latency} ms error p${q}`,
        values: errors.map((e) => `${f(pct(e, q))} ms`),
        scores: errors.map((e) => pct(e, q)),
        better: "lower",
        note:
          q === 50
            ? `${LATENCY_SAMPLES[latency]} round trips, measured minus configured`
            : `min / max ${errors.map((e) => `${f(Math.min(...e), 2)} / ${f(Math.max(...e), 2)}`).join(" vs ")}`,
      });
    }
  }

  const held = await each("held connections", heldConnections);
  rows.push({
    what: "connections held at once",
    values: held.map((h) => `${h.ok} / ${HELD_CONNECTIONS} in ${f(h.ms, 0)} ms`),
    scores: held.map((h) => h.ok),
    better: "higher",
    note: "each echoed while all open",
  });
} finally {
  for (const s of subjects) await s.cleanup();
  child.kill("SIGTERM");
  await once(child, "exit");
  sink.close();
  await echo.close();
}

const target = (r: Row): string => {
  if (!r.scores || r.scores.length < 2 || !r.better) return "";
  const [ours, real] = r.scores as [number, number];
  const met = r.better === "lower" ? ours <= real : ours >= real;
  return `${r.better === "lower" ? "<=" : ">="} real: ${met ? "met" : "MISSED"}`;
};
const header = ["figure", ...subjects.map((s) => s.label), ...(realUrl ? ["target"] : []), "note"];
const table = rows.map((r) => [r.what, ...r.values, ...(realUrl ? [target(r)] : []), r.note]);
const widths = header.map((_, i) => Math.max(...[header, ...table].map((r) => r[i]?.length ?? 0)));
const line = (r: string[]): string =>
  r
    .map((cell, i) => cell.padEnd(widths[i] as number))
    .join("  ")
    .trimEnd();
console.log(
  `\nlease-chaos fault proxy bench (node ${process.version}, loopback${realUrl ? `, real Toxiproxy at ${realUrl}` : ""})\n`,
);
console.log(line(header));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const r of table) console.log(line(r));
