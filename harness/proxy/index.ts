import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Scheduler } from "./clock.ts";
import { decodeProxyInput, ProxyCollection } from "./collection.ts";
import { bindErrorText } from "./listen.ts";
import { type ProxyLog, silentLog } from "./log.ts";
import { ProxyMetrics } from "./metrics.ts";
import { freshSeed } from "./random.ts";
import { apiHandler, TOXIPROXY_VERSION } from "./server.ts";
import { ProxyStartError } from "./start-error.ts";

export type { LogLevel, ProxyLog } from "./log.ts";
export { jsonLineLog } from "./log.ts";
export { TOXIPROXY_VERSION } from "./server.ts";
export { ProxyStartError } from "./start-error.ts";

/** Options of an embedded Toxiproxy-compatible server. */
export interface ProxyServerOptions {
  /** API listen host; loopback by default */
  host?: string;
  /** API port; 0 picks a free one (default 8474, as Toxiproxy) */
  port?: number;
  /** seed of every random draw (toxicity, jitter, slicer); random when absent, logged either way */
  seed?: number;
  /** proxies to create before the API listens: the JSON array /populate takes */
  config?: unknown[];
  log?: ProxyLog;
  /**
   * Toxiproxy's -proxy-metrics: count bytes per proxy and direction, served as Prometheus text on
   * GET /metrics (which is a 404 unless this or `runtimeMetrics` is on)
   */
  proxyMetrics?: boolean;
  /** Toxiproxy's -runtime-metrics: only routes /metrics; there are no runtime collectors here */
  runtimeMetrics?: boolean;
}

/** A running server: its API URL, counters for tests, and stop(). */
export interface StartedProxyServer {
  /** e.g. http://127.0.0.1:8474, for `new Toxiproxy(url)` */
  readonly url: string;
  readonly port: number;
  readonly seed: number;
  /** connections accepted by any proxy and not yet fully closed */
  openConnectionCount(): number;
  /** toxic timers still waiting (zero once traffic has stopped) */
  pendingTimerCount(): number;
  /** closes the API, every proxy and connection, and every timer */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts the fault proxy's HTTP API (and the proxies of `config`) in this process. */
export async function startProxyServer(options: ProxyServerOptions = {}): Promise<StartedProxyServer> {
  const host = options.host ?? "127.0.0.1";
  const seed = options.seed ?? freshSeed();
  const log = options.log ?? silentLog;
  const scheduler = new Scheduler();
  // Lines logged while the config is applied wait, so that "listening" is the first line.
  const held: Parameters<ProxyLog>[] = [];
  let ready = false;
  const metrics = options.proxyMetrics ? new ProxyMetrics() : undefined;
  const services = {
    scheduler,
    seed,
    log: ((...args) => (ready ? log(...args) : held.push(args))) as ProxyLog,
    metrics,
  };
  const collection = new ProxyCollection(services);
  const api: Server = createServer(
    { noDelay: true },
    apiHandler(collection, services.log, { proxy: metrics, runtime: options.runtimeMetrics === true }),
  );
  const sockets = new Set<Socket>();
  api.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  const shutdown = async (): Promise<void> => {
    collection.stopAll();
    scheduler.clear();
    if (api.listening) {
      const closed = once(api, "close");
      api.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    }
  };

  try {
    if (options.config) {
      const result = await collection.populate(options.config.map((entry) => decodeProxyInput(entry)));
      if (result.error) throw result.error;
    }
  } catch (err) {
    await shutdown();
    throw new ProxyStartError(`proxy config failed: ${(err as Error).message}`, { cause: err });
  }
  try {
    await new Promise<void>((resolve, reject) => {
      api.once("error", reject);
      api.listen({ host, port: options.port ?? 8474 }, () => {
        api.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    await shutdown();
    const e = err as NodeJS.ErrnoException;
    throw new ProxyStartError(
      `proxy api cannot listen on ${host}:${options.port ?? 8474}: ${bindErrorText(e)}`,
      {
        cause: err,
      },
    );
  }
  const { port } = api.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  log("info", "proxy api listening", { url, seed, version: TOXIPROXY_VERSION });
  ready = true;
  for (const args of held.splice(0)) log(...args);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= shutdown().then(() => log("info", "proxy api stopped", { url }));
    return stopping;
  };
  return {
    url,
    port,
    seed,
    openConnectionCount: () => collection.openConnections(),
    pendingTimerCount: () => scheduler.pending,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
