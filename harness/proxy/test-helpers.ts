import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { performance } from "node:perf_hooks";

/** A TCP upstream on 127.0.0.1:0 that echoes what it reads, counting live sockets. */
export interface EchoServer {
  port: number;
  address: string;
  /** sockets accepted and not closed yet */
  open(): number;
  /** every socket accepted so far */
  sockets: Socket[];
  close(): Promise<void>;
}

/** Starts an echo upstream; `onSocket` may replace the echo behaviour. */
export async function startEcho(onSocket?: (socket: Socket) => void): Promise<EchoServer> {
  const sockets: Socket[] = [];
  let live = 0;
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.push(socket);
    live++;
    socket.on("error", () => {});
    socket.once("close", () => live--);
    if (onSocket) onSocket(socket);
    else {
      socket.on("data", (d) => socket.write(d));
      socket.on("end", () => socket.end());
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    port,
    address: `127.0.0.1:${port}`,
    open: () => live,
    sockets,
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

/** How a client socket ended: a clean EOF, a reset, or still open. */
export type Ending = { kind: "eof" | "reset" | "error"; atMs: number; code?: string };

/** A test client: records every byte received with its arrival time, and how the socket ended. */
export class Client {
  readonly socket: Socket;
  readonly startedMs = performance.now();
  received = Buffer.alloc(0);
  arrivals: { atMs: number; size: number }[] = [];
  ending: Ending | undefined;
  readonly ended: Promise<Ending>;

  constructor(port: number) {
    this.socket = connect({ host: "127.0.0.1", port, noDelay: true, allowHalfOpen: true });
    this.ended = new Promise((resolve) => {
      const finish = (e: Ending): void => {
        if (this.ending) return;
        this.ending = e;
        resolve(e);
      };
      this.socket.on("data", (d: Buffer) => {
        this.received = Buffer.concat([this.received, d]);
        this.arrivals.push({ atMs: performance.now(), size: d.length });
      });
      this.socket.on("end", () => finish({ kind: "eof", atMs: performance.now() }));
      this.socket.on("error", (err: NodeJS.ErrnoException) =>
        finish({
          kind: err.code === "ECONNRESET" ? "reset" : "error",
          atMs: performance.now(),
          code: err.code,
        }),
      );
      this.socket.on("close", () => finish({ kind: "eof", atMs: performance.now() }));
    });
  }

  /** Resolves once connected (the proxy accepts before it dials the upstream). */
  async connected(): Promise<this> {
    if (this.socket.connecting) await once(this.socket, "connect");
    return this;
  }

  /** Writes and resolves with the monotonic time of the write. */
  send(data: string | Buffer): number {
    const at = performance.now();
    this.socket.write(data);
    return at;
  }

  /** Waits until `n` bytes in total arrived (or the deadline passes) and returns the arrival time. */
  async waitForBytes(n: number, deadlineMs = 5000): Promise<number> {
    const until = performance.now() + deadlineMs;
    while (this.received.length < n) {
      if (performance.now() > until)
        throw new Error(`only ${this.received.length} of ${n} bytes within ${deadlineMs} ms`);
      if (this.ending && this.received.length < n) {
        throw new Error(`socket ended (${this.ending.kind}) after ${this.received.length} of ${n} bytes`);
      }
      await once(this.socket, "data").catch(() => {});
    }
    return this.arrivals.at(-1)?.atMs ?? performance.now();
  }

  /** Round trip: sends `data` and waits for the same number of extra bytes; returns ms. */
  async roundTrip(data: string | Buffer, deadlineMs = 5000): Promise<number> {
    const want = this.received.length + Buffer.byteLength(data);
    const at = this.send(data);
    const arrived = await this.waitForBytes(want, deadlineMs);
    return arrived - at;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Opens a client through a proxy port and waits for the TCP connect. */
export function dial(port: number): Promise<Client> {
  return new Client(port).connected();
}

/** The port of a "host:port" or "[::]:port" listen string. */
export function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(":") + 1));
}

/** Promise that resolves after `ms`; only for *spacing* writes in time, never to wait for a condition. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
