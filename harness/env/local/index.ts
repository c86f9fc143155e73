import { EnvironmentStartError, workerEntry } from "../errors.ts";
import type { DbEndpoint, EventSink, StartedEnvironment, WorkerLaunch, WorkerState } from "../provider.ts";
import { ProbeConnection, probe, WorkerProxies } from "../worker-proxies.ts";
import { recordChild, type StartedPostgres, startPostgres } from "./postgres.ts";
import { type StartedProxyProcess, startProxyProcess } from "./proxy-process.ts";
import { WorkerProcess } from "./worker-process.ts";

/** Options of the local (embedded, no Docker) provider. */
export interface LocalEnvironmentOptions {
  /** receives worker log lines and process events as they happen */
  sink: EventSink;
  /** Postgres server log lines, for --verbose */
  postgresLog?: (line: string) => void;
  /** seed of the embedded proxy's random draws */
  seed: number;
  /** a running Toxiproxy server to use instead of starting ours (it must reach 127.0.0.1) */
  toxiproxyUrl?: string;
}

/** The local provider: embedded Postgres and workers as child processes of this one. */
export class LocalEnvironment {
  constructor(private readonly options: LocalEnvironmentOptions) {}

  /** Starts Postgres; workers are started by the run through the returned environment. */
  async start(): Promise<StartedLocalEnvironment> {
    const { toxiproxyUrl, seed, postgresLog } = this.options;
    const [postgres, proxy] = await Promise.allSettled([
      startPostgres(postgresLog ? { log: postgresLog } : {}),
      toxiproxyUrl ? Promise.resolve(null) : startProxyProcess(seed),
    ]);
    if (postgres.status === "rejected" || proxy.status === "rejected") {
      if (postgres.status === "fulfilled") await postgres.value.stop();
      if (proxy.status === "fulfilled") await proxy.value?.stop();
      throw postgres.status === "rejected" ? postgres.reason : (proxy as PromiseRejectedResult).reason;
    }
    recordChild(postgres.value.root, proxy.value?.pid);
    const url = toxiproxyUrl ?? proxy.value?.url ?? "";
    const proxies = new WorkerProxies(url, `127.0.0.1:${postgres.value.endpoint.port}`);
    const env = new StartedLocalEnvironment(postgres.value, proxy.value, proxies, this.options.sink);
    try {
      await proxies.client.getVersion();
    } catch (err) {
      await env.stop();
      throw new EnvironmentStartError(
        `the Toxiproxy API at ${url} does not answer: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    return env;
  }
}

/** A running local environment. Disposing it stops every worker and Postgres and removes the data. */
export class StartedLocalEnvironment implements StartedEnvironment {
  readonly provider = "local";
  readonly #workers = new Map<string, WorkerProcess>();
  readonly #endpoints = new Map<string, DbEndpoint>();
  #stopped = false;

  constructor(
    readonly postgres: StartedPostgres,
    /** our fault proxy's process; null when a real Toxiproxy was given */
    readonly proxyProcess: StartedProxyProcess | null,
    readonly proxies: WorkerProxies,
    private readonly sink: EventSink,
  ) {}

  get observerDb(): DbEndpoint {
    return this.postgres.endpoint;
  }

  #worker(id: string): WorkerProcess {
    return workerEntry(this.#workers, id);
  }

  async startWorker(launch: WorkerLaunch): Promise<void> {
    const endpoint = await this.proxies.create(launch.spec.id, this.postgres.endpoint);
    this.#endpoints.set(launch.spec.id, endpoint);
    const worker = new WorkerProcess(launch, endpoint, this.sink);
    this.#workers.set(launch.spec.id, worker);
    await worker.start();
    recordChild(this.postgres.root, worker.pid);
  }

  #endpoint(id: string): DbEndpoint {
    return workerEntry(this.#endpoints, id);
  }

  async probeWorkerDb(id: string, timeoutMs: number): Promise<number> {
    return probe(id, this.#endpoint(id), timeoutMs);
  }

  async openWorkerProbe(id: string, timeoutMs: number): Promise<ProbeConnection> {
    return ProbeConnection.open(id, this.#endpoint(id), timeoutMs);
  }

  workerIds(): string[] {
    return [...this.#workers.keys()];
  }

  /** The process's pid, for faults that act on it directly. */
  workerPid(id: string): number | undefined {
    return this.#worker(id).pid;
  }

  async workerState(id: string): Promise<WorkerState> {
    return this.#worker(id).state();
  }

  async pauseWorker(id: string): Promise<void> {
    this.#worker(id).pause();
  }

  async resumeWorker(id: string): Promise<void> {
    this.#worker(id).resume();
  }

  async killWorker(id: string): Promise<void> {
    await this.#worker(id).kill();
  }

  async stopWorker(id: string, graceMs?: number): Promise<void> {
    await this.#worker(id).stop(graceMs);
  }

  async restartWorker(id: string): Promise<void> {
    const worker = this.#worker(id);
    await worker.kill();
    await worker.start();
    recordChild(this.postgres.root, worker.pid);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all([...this.#workers.values()].map((w) => w.stop()));
    if (this.proxyProcess) await this.proxyProcess.stop();
    else await this.proxies.removeAll();
    await this.postgres.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
