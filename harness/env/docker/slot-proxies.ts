import { EnvironmentStartError, workerEntry } from "../errors.ts";
import type { DbEndpoint } from "../provider.ts";
import { proxyName, WorkerProxies } from "../worker-proxies.ts";

/** The proxy ports inside the Toxiproxy container, one per worker (Toxiproxy's customary range). */
export const PROXY_PORTS = Array.from({ length: 32 }, (_, i) => 8666 + i);

/**
 * Worker proxies on fixed ports inside a Toxiproxy container: a container's published ports are
 * fixed when it is created, so each worker gets the next port of the range and the harness reaches
 * it through that port's mapping on 127.0.0.1.
 */
export class SlotProxies extends WorkerProxies {
  readonly #slots = new Map<string, number>();

  constructor(
    url: string,
    private readonly upstreamAddress: string,
    private readonly ports: number[],
    private readonly hostPort: (containerPort: number) => number,
  ) {
    super(url, upstreamAddress, "0.0.0.0", "127.0.0.1");
  }

  /** Creates the worker's proxy on its slot; returns the endpoint the harness's probes use. */
  override async create(workerId: string, db: DbEndpoint): Promise<DbEndpoint> {
    const port = this.#slots.get(workerId) ?? this.ports[this.#slots.size];
    if (port === undefined)
      throw new EnvironmentStartError(
        `no proxy port left for worker ${workerId}: the Toxiproxy container publishes ${this.ports.length}`,
      );
    // Claimed before the first await: workers start concurrently.
    this.#slots.set(workerId, port);
    const name = proxyName(workerId);
    const existing = await this.client.getAll();
    if (existing[name]) await existing[name].remove();
    await this.client.createProxy({
      name,
      listen: `0.0.0.0:${port}`,
      upstream: this.upstreamAddress,
      enabled: true,
    });
    return { ...db, host: "127.0.0.1", port: this.hostPort(port) };
  }

  /** The port a worker container connects to, on the Toxiproxy container's network alias. */
  containerPort(workerId: string): number {
    const port = workerEntry(this.#slots, workerId);
    return port;
  }
}
