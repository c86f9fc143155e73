import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { internal } from "./api-error.ts";
import type { Scheduler } from "./clock.ts";
import { Connection, type ConnectionHost } from "./connection.ts";
import { bindErrorText, isWildcard, joinHostPort, resolveListen } from "./listen.ts";
import type { ProxyLog } from "./log.ts";
import type { ByteCounter, ProxyMetrics } from "./metrics.ts";
import { type Direction, type ToxicSpec, toxicJson } from "./toxic-spec.ts";

/** Shared by every proxy of a server. */
export interface ProxyServices {
  scheduler: Scheduler;
  seed: number;
  log: ProxyLog;
  /** byte counters for /metrics; absent unless the server runs with proxy metrics */
  metrics?: ProxyMetrics;
}

/** The fields a client may set on a proxy. */
export interface ProxyFields {
  listen: string;
  upstream: string;
  enabled: boolean;
}

/**
 * A named TCP proxy: a listener (while enabled), its open connections, and its toxics per
 * direction in insertion order.
 */
export class FaultProxy implements ConnectionHost {
  listen: string;
  upstream: string;
  enabled = false;
  readonly toxics: Record<Direction, ToxicSpec[]> = { upstream: [], downstream: [] };
  private listener: Server | undefined;
  private readonly connections = new Set<Connection>();
  private connectionCount = 0;

  constructor(
    readonly name: string,
    fields: { listen: string; upstream: string },
    private readonly services: ProxyServices,
  ) {
    this.listen = fields.listen;
    this.upstream = fields.upstream;
  }

  get scheduler(): Scheduler {
    return this.services.scheduler;
  }

  get seed(): number {
    return this.services.seed;
  }

  get log(): ProxyLog {
    return this.services.log;
  }

  /** Connections accepted and not yet fully closed. */
  get openConnections(): number {
    return this.connections.size;
  }

  /**
   * Listens, then stores the bound address as `listen` (127.0.0.1:0 becomes 127.0.0.1:<port>,
   * wildcard addresses become [::]:<port>). Throws a 500 ProxyApiError with Go's error text.
   */
  async start(): Promise<void> {
    if (this.enabled) return;
    let resolved: Awaited<ReturnType<typeof resolveListen>>;
    try {
      resolved = await resolveListen(this.listen);
    } catch (err) {
      throw internal(`listen tcp: ${(err as Error).message}`, err);
    }
    const wildcard = isWildcard(resolved.host);
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: wildcard ? "::" : resolved.host, port: resolved.port, ipv6Only: false }, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (err) {
      throw internal(`listen tcp ${resolved.text}: ${bindErrorText(err as NodeJS.ErrnoException)}`, err);
    }
    server.on("error", (err) =>
      this.log("error", "proxy listener failed", { proxy: this.name, error: err.message }),
    );
    server.on("connection", this.accept);
    const { port } = server.address() as AddressInfo;
    this.listen = wildcard ? `[::]:${port}` : joinHostPort(resolved.host, port);
    this.listener = server;
    this.enabled = true;
    this.log("info", "started proxy", { name: this.name, proxy: this.listen, upstream: this.upstream });
  }

  /** Closes the listener (new connects are refused) and every open connection; toxics stay. */
  stop(): void {
    if (!this.enabled) return;
    this.enabled = false;
    this.listener?.close();
    this.listener = undefined;
    for (const connection of this.connections) connection.drop();
    this.log("info", "terminated proxy", { name: this.name, proxy: this.listen, upstream: this.upstream });
  }

  /** Whether `fields` differ from the current ones by Toxiproxy's rule (listen compared after resolution). */
  async differs(fields: { listen: string; upstream: string }): Promise<boolean> {
    const resolved = await resolveListen(fields.listen);
    return resolved.text !== this.listen || fields.upstream !== this.upstream;
  }

  /** Applies an update: restart on a listen/upstream change, else only the enabled change. */
  async update(fields: ProxyFields): Promise<void> {
    if (await this.differs(fields)) {
      this.stop();
      this.listen = fields.listen;
      this.upstream = fields.upstream;
      if (fields.enabled) await this.start();
      return;
    }
    if (fields.enabled && !this.enabled) await this.start();
    if (!fields.enabled) this.stop();
  }

  /** Finds a toxic by name in either direction. */
  toxic(name: string): ToxicSpec | undefined {
    return (
      this.toxics.upstream.find((t) => t.name === name) ?? this.toxics.downstream.find((t) => t.name === name)
    );
  }

  /** Appends a toxic; open connections get it at once. */
  addToxic(spec: ToxicSpec): void {
    this.toxics[spec.direction].push(spec);
    for (const c of this.connections) c.link(spec.direction)?.add(spec);
    this.log("info", "added toxic", {
      proxy: this.name,
      toxic: spec.name,
      type: spec.type,
      stream: spec.stream,
    });
  }

  /** Restarts the toxic's stage on open connections after its values changed. */
  updatedToxic(spec: ToxicSpec): void {
    for (const c of this.connections) c.link(spec.direction)?.restart(spec.name);
    this.log("info", "updated toxic", { proxy: this.name, toxic: spec.name });
  }

  /** Removes a toxic; on open connections its queued bytes go on at once (timeout closes them). */
  removeToxic(spec: ToxicSpec): void {
    const list = this.toxics[spec.direction];
    list.splice(list.indexOf(spec), 1);
    const close = spec.kind.closesOnRemove === true;
    for (const c of this.connections) {
      const link = c.link(spec.direction);
      if (link) link.remove(spec.name, close);
      else if (close) c.drop();
    }
    this.log("info", "removed toxic", { proxy: this.name, toxic: spec.name });
  }

  /** Removes every toxic, upstream first (as /reset does). */
  removeAllToxics(): void {
    for (const spec of [...this.toxics.upstream, ...this.toxics.downstream]) this.removeToxic(spec);
  }

  /** Toxiproxy's JSON for the proxy, "Logger":{} quirk included. */
  toJson(): string {
    const toxics = [...this.toxics.upstream, ...this.toxics.downstream].map(toxicJson).join(",");
    return (
      `{"name":${JSON.stringify(this.name)},"listen":${JSON.stringify(this.listen)},` +
      `"upstream":${JSON.stringify(this.upstream)},"enabled":${this.enabled},"Logger":{},"toxics":[${toxics}]}`
    );
  }

  counter(direction: Direction): ByteCounter {
    // Without proxy metrics each link counts into an object nobody reads.
    return (
      this.services.metrics?.counter(direction, this.name, this.listen, this.upstream) ?? {
        received: 0,
        sent: 0,
      }
    );
  }

  forget(connection: Connection): void {
    this.connections.delete(connection);
  }

  private readonly accept = (client: Socket): void => {
    const connection = new Connection(this, client, this.connectionCount++);
    this.connections.add(connection);
    this.log("debug", "accepted client", {
      name: this.name,
      client: `${client.remoteAddress}:${client.remotePort}`,
    });
    connection.open();
  };
}
