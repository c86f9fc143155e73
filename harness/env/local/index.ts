import fs from "node:fs";
import path from "node:path";
import { EnvironmentStartError, workerEntry } from "../errors.ts";
import type {
  ClockSetting,
  DbEndpoint,
  EventSink,
  StartedEnvironment,
  WorkerLaunch,
  WorkerState,
} from "../provider.ts";
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
  /** the profile's folder: the default working directory of its workers */
  profileDir: string;
}

/** The local provider: embedded Postgres and workers as child processes of this one. */
export class LocalEnvironment {
  constructor(private readonly options: LocalEnvironmentOptions) {}

  /** Starts Postgres and the fault proxy; workers are started by the run through the returned environment. */
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
    const env = new StartedLocalEnvironment(postgres.value, proxy.value, proxies, this.options);
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
  readonly #instances = new Map<string, number>();
  #stopped = false;

  constructor(
    readonly postgres: StartedPostgres,
    /** our fault proxy's process; null when a real Toxiproxy was given */
    readonly proxyProcess: StartedProxyProcess | null,
    readonly proxies: WorkerProxies,
    private readonly options: LocalEnvironmentOptions,
  ) {}

  get observerDb(): DbEndpoint {
    return this.postgres.endpoint;
  }

  #worker(key: string): WorkerProcess {
    return workerEntry(this.#workers, key);
  }

  #nextInstance(id: string): number {
    const n = (this.#instances.get(id) ?? 0) + 1;
    this.#instances.set(id, n);
    return n;
  }

  async startWorker(launch: WorkerLaunch): Promise<string> {
    const { id } = launch.spec;
    // A second process of an id (a zombie) is a worker of its own, behind a proxy of its own.
    const key = launch.spec.extra ? `${id}.${(this.#instances.get(id) ?? 0) + 1}` : id;
    const endpoint = await this.proxies.create(key, this.postgres.endpoint);
    this.#endpoints.set(key, endpoint);
    const dir = path.join(this.postgres.root, "workers", key);
    fs.mkdirSync(dir, { recursive: true });
    const worker = new WorkerProcess(key, launch, endpoint, {
      sink: this.options.sink,
      nextInstance: () => this.#nextInstance(id),
      dir,
      profileDir: this.options.profileDir,
      recordPid: (pid) => recordChild(this.postgres.root, pid),
    });
    this.#workers.set(key, worker);
    await worker.start();
    return key;
  }

  #endpoint(key: string): DbEndpoint {
    return workerEntry(this.#endpoints, key);
  }

  async probeWorkerDb(key: string, timeoutMs: number): Promise<number> {
    return probe(key, this.#endpoint(key), timeoutMs);
  }

  async openWorkerProbe(key: string, timeoutMs: number): Promise<ProbeConnection> {
    return ProbeConnection.open(key, this.#endpoint(key), timeoutMs);
  }

  workerIds(): string[] {
    return [...this.#workers.keys()];
  }

  /** The process group leader's pid, for faults that act on it directly. */
  workerPid(key: string): number | undefined {
    return this.#worker(key).pid;
  }

  /** The last lines a worker printed (both streams), for error messages. */
  outputTail(key: string): string[] {
    return [...this.#worker(key).outputTail];
  }

  async workerState(key: string): Promise<WorkerState> {
    return this.#worker(key).state();
  }

  async pauseWorker(key: string): Promise<void> {
    this.#worker(key).pause();
  }

  async resumeWorker(key: string): Promise<void> {
    this.#worker(key).resume();
  }

  async killWorker(key: string): Promise<void> {
    await this.#worker(key).kill();
  }

  async stopWorker(key: string, graceMs?: number): Promise<void> {
    await this.#worker(key).stop(graceMs);
  }

  async restartWorker(key: string): Promise<void> {
    const worker = this.#worker(key);
    await worker.kill();
    await worker.start();
  }

  async setClock(key: string, clock: ClockSetting): Promise<void> {
    this.#worker(key).setClock(clock);
  }

  async clockEvidence(key: string): Promise<string> {
    return this.#worker(key).clockEvidence();
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
