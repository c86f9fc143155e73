import pg from "pg";
import { Toxiproxy, type Proxy as ToxiproxyProxy } from "toxiproxy-node-client";
import { LeaseChaosError } from "../errors.ts";
import type { DbEndpoint } from "./provider.ts";

/** A probe through a worker's proxy got no answer in time, or was refused. */
export class ProbeError extends LeaseChaosError {
  constructor(worker: string, elapsedMs: number, cause: unknown) {
    super(
      "E_PROBE",
      `SELECT 1 through ${worker}'s proxy failed after ${Math.round(elapsedMs)} ms: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/** The proxy name of a worker, as it appears in Toxiproxy's API. */
export const proxyName = (workerId: string): string => `pg-${workerId}`;

/**
 * One Toxiproxy proxy per worker in front of Postgres, driven through toxiproxy-node-client, so
 * the same code works on our embedded proxy and on a real Toxiproxy server.
 */
export class WorkerProxies {
  readonly client: Toxiproxy;
  readonly #proxies = new Map<string, ToxiproxyProxy>();

  /**
   * @param url Toxiproxy API URL
   * @param upstream Postgres as the proxy server reaches it (host:port)
   * @param listenHost where proxies listen, as the server binds it
   * @param reachHost how workers and probes reach a proxy's port
   * @param prefix set before `pg-<worker>` when several runs share one proxy server
   */
  constructor(
    readonly url: string,
    private readonly upstream: string,
    private readonly listenHost = "127.0.0.1",
    private readonly reachHost = "127.0.0.1",
    private readonly prefix = "",
  ) {
    this.client = new Toxiproxy(url);
  }

  /** The name of a worker's proxy on this server. */
  nameOf(workerId: string): string {
    return `${this.prefix}${proxyName(workerId)}`;
  }

  /** Creates (or replaces) the worker's proxy and returns the endpoint the worker connects to. */
  async create(workerId: string, db: DbEndpoint): Promise<DbEndpoint> {
    const name = this.nameOf(workerId);
    const existing = await this.client.getAll();
    if (existing[name]) await existing[name].remove();
    const proxy = await this.client.createProxy({
      name,
      listen: `${this.listenHost}:0`,
      upstream: this.upstream,
      enabled: true,
    });
    this.#proxies.set(workerId, proxy);
    return {
      ...db,
      host: this.reachHost,
      port: Number(proxy.listen.slice(proxy.listen.lastIndexOf(":") + 1)),
    };
  }

  /** The worker's proxy, as the client sees it now. */
  async proxy(workerId: string): Promise<ToxiproxyProxy> {
    return this.client.get(this.nameOf(workerId));
  }

  /** Removes every proxy this object created. */
  async removeAll(): Promise<void> {
    await Promise.all(
      [...this.#proxies.keys()].map((id) =>
        this.client
          .get(this.nameOf(id))
          .then((p) => p.remove())
          .catch(() => {}),
      ),
    );
    this.#proxies.clear();
  }
}

/** Times `SELECT 1` on a fresh connection to `db` (connect included); throws ProbeError after timeoutMs. */
export async function probe(worker: string, db: DbEndpoint, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  const client = new pg.Client({ ...db, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on("error", () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await client.query("SELECT 1");
      })(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return performance.now() - t0;
  } catch (err) {
    throw new ProbeError(worker, performance.now() - t0, err);
  } finally {
    clearTimeout(timer);
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }
}

/** A probe connection opened before a fault, so its timing shows the fault and not the handshake. */
export class ProbeConnection {
  private constructor(
    private readonly worker: string,
    private readonly client: pg.Client,
  ) {}

  /** Connects to `db` (a worker's proxy) within timeoutMs. */
  static async open(worker: string, db: DbEndpoint, timeoutMs: number): Promise<ProbeConnection> {
    const client = new pg.Client({ ...db, connectionTimeoutMillis: timeoutMs });
    client.on("error", () => {});
    await client.connect();
    return new ProbeConnection(worker, client);
  }

  /** Times one `SELECT 1`; throws ProbeError when no reply comes within timeoutMs. */
  async selectOne(timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.client.query("SELECT 1"),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return performance.now() - t0;
    } catch (err) {
      throw new ProbeError(this.worker, performance.now() - t0, err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drops the connection at once (a blackholed socket would never finish a clean close). */
  close(): void {
    (
      this.client as unknown as { connection?: { stream?: { destroy(): void } } }
    ).connection?.stream?.destroy();
  }
}
