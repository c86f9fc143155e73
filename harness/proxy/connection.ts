import { connect, type Socket } from "node:net";
import type { Scheduler } from "./clock.ts";
import { Link, type LinkOwner } from "./link.ts";
import { splitHostPort } from "./listen.ts";
import type { ProxyLog } from "./log.ts";
import type { ByteCounter } from "./metrics.ts";
import { seededRandom } from "./random.ts";
import type { Direction, ToxicSpec } from "./toxic-spec.ts";

/** What a connection needs from its proxy. */
export interface ConnectionHost {
  readonly name: string;
  readonly upstream: string;
  readonly toxics: Readonly<Record<Direction, readonly ToxicSpec[]>>;
  readonly scheduler: Scheduler;
  readonly seed: number;
  readonly log: ProxyLog;
  /** the byte counter of one direction, labelled as the proxy is now (called when links start) */
  counter(direction: Direction): ByteCounter;
  /** the connection has fully closed (both sockets) */
  forget(connection: Connection): void;
}

const ignore = (): void => {};

/**
 * One accepted client and its upstream socket, joined by two links. The upstream is dialled per
 * client; if that fails the client, already accepted, is closed at once (it sees EOF, as with
 * Toxiproxy, never ECONNREFUSED).
 */
export class Connection implements LinkOwner {
  /** set when a reset_peer toxic existed at link start: every close is then an RST */
  private resetOnClose = false;
  private upstreamSocket: Socket | undefined;
  private links: Partial<Record<Direction, Link>> = {};
  private socketsOpen = 1;
  private dropped = false;

  constructor(
    private readonly host: ConnectionHost,
    private readonly client: Socket,
    private readonly index: number,
  ) {
    client.on("error", ignore);
    client.once("close", this.onSocketClose);
  }

  get scheduler(): Scheduler {
    return this.host.scheduler;
  }

  /** The link carrying bytes in `direction`, once the upstream is connected. */
  link(direction: Direction): Link | undefined {
    return this.links[direction];
  }

  /** Dials the upstream and joins the two sockets. */
  open(): void {
    let target: { host: string; port: number };
    try {
      const { host, port } = splitHostPort(this.host.upstream);
      target = { host: host === "" ? "localhost" : host, port: Number(port) };
    } catch (err) {
      this.host.log("warn", "bad upstream address", { proxy: this.host.name, error: (err as Error).message });
      this.client.destroy();
      return;
    }
    const upstream = connect({ ...target, allowHalfOpen: true, noDelay: true });
    this.upstreamSocket = upstream;
    this.socketsOpen++;
    upstream.once("close", this.onSocketClose);
    upstream.on("error", (err) => {
      if (upstream.connecting || !this.links.upstream) {
        this.host.log("warn", "unable to open connection to upstream", {
          proxy: this.host.name,
          upstream: this.host.upstream,
          error: err.message,
        });
        this.client.destroy();
      }
    });
    upstream.once("connect", () => {
      if (this.dropped || this.client.destroyed) {
        upstream.destroy();
        return;
      }
      const { upstream: up, downstream: down } = this.host.toxics;
      this.resetOnClose = [...up, ...down].some((t) => t.kind.resetsOnClose);
      const { seed, name } = this.host;
      this.links.upstream = new Link(
        this.client,
        upstream,
        this,
        seededRandom(seed, name, this.index, "upstream"),
        up,
        this.host.counter("upstream"),
      );
      this.links.downstream = new Link(
        upstream,
        this.client,
        this,
        seededRandom(seed, name, this.index, "downstream"),
        down,
        this.host.counter("downstream"),
      );
      this.client.resume();
    });
  }

  closeSocket(socket: Socket): void {
    if (socket.destroyed) return;
    if (this.resetOnClose) {
      reset(socket);
      return;
    }
    socket.end();
    if (socket.writableFinished) socket.destroy();
    else socket.once("finish", () => socket.destroy());
  }

  /** Closes both sockets now, dropping whatever the toxics still hold (proxy disabled or deleted). */
  drop(): void {
    this.dropped = true;
    this.disposeLinks();
    for (const socket of [this.client, this.upstreamSocket]) {
      if (!socket || socket.destroyed) continue;
      if (this.resetOnClose) reset(socket);
      else socket.destroy();
    }
  }

  private disposeLinks(): void {
    this.links.upstream?.dispose();
    this.links.downstream?.dispose();
  }

  private readonly onSocketClose = (): void => {
    if (--this.socketsOpen > 0) return;
    this.disposeLinks();
    this.host.forget(this);
  };
}

function reset(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
