import fs from "node:fs";
import path from "node:path";
import type { Profile } from "../../profile/profile.ts";
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
import { LocalPool, type PoolDatabase } from "./pool.ts";
import { recordChild, type StartedPostgres } from "./postgres.ts";
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
  /** the profile: its schema is in each run's database, its folder the workers' default cwd */
  profile: Profile;
  /** a cluster and proxy shared by many runs; one of its own when absent */
  pool?: LocalPool;
}

/** The local provider: embedded Postgres and workers as child processes of this one. */
export class LocalEnvironment {
  constructor(private readonly options: LocalEnvironmentOptions) {}

  /**
   * Takes a fresh database (with the profile's schema) and proxies on the pool's cluster and fault
   * proxy; without a pool, starts a pool of its own, stopped with the environment.
   */
  async start(): Promise<StartedLocalEnvironment> {
    const { toxiproxyUrl, seed, postgresLog } = this.options;
    const owned = this.options.pool === undefined;
    const pool =
      this.options.pool ??
      (await LocalPool.start({
        seed,
        single: true,
        ...(toxiproxyUrl ? { toxiproxyUrl } : {}),
        ...(postgresLog ? { postgresLog } : {}),
      }));
    let db: PoolDatabase | null = null;
    try {
      db = await pool.database(this.options.profile);
      const proxies = new WorkerProxies(
        pool.proxyUrl,
        `127.0.0.1:${pool.postgres.endpoint.port}`,
        "127.0.0.1",
        "127.0.0.1",
        owned ? "" : `${db.tag}-`,
      );
      try {
        await proxies.client.getVersion();
      } catch (err) {
        throw new EnvironmentStartError(
          `the Toxiproxy API at ${pool.proxyUrl} does not answer: ${(err as Error).message}`,
          { cause: err },
        );
      }
      return new StartedLocalEnvironment(pool, owned, db, proxies, this.options);
    } catch (err) {
      if (db) await pool.release(db);
      if (owned) await pool.stop();
      throw err;
    }
  }
}

/** A running local environment. Disposing it stops every worker and drops its database (and its own pool). */
export class StartedLocalEnvironment implements StartedEnvironment {
  readonly provider = "local";
  readonly pauseMethod = "SIGSTOP";
  readonly #workers = new Map<string, WorkerProcess>();
  readonly #endpoints = new Map<string, DbEndpoint>();
  readonly #instances = new Map<string, number>();
  #stopped = false;

  constructor(
    readonly pool: LocalPool,
    /** the pool was started for this environment alone */
    private readonly ownsPool: boolean,
    private readonly db: PoolDatabase,
    readonly proxies: WorkerProxies,
    private readonly options: LocalEnvironmentOptions,
  ) {}

  /** The cluster this environment's database lives on. */
  get postgres(): StartedPostgres {
    return this.pool.postgres;
  }

  get observerDb(): DbEndpoint {
    return this.db;
  }

  get journalInstalled(): boolean {
    return this.db.journalInstalled;
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
    const endpoint = await this.proxies.create(key, this.db);
    this.#endpoints.set(key, endpoint);
    const dir = path.join(this.postgres.root, "workers", this.db.tag, key);
    fs.mkdirSync(dir, { recursive: true });
    const worker = new WorkerProcess(key, launch, endpoint, {
      sink: this.options.sink,
      nextInstance: () => this.#nextInstance(id),
      dir,
      profileDir: this.options.profile.dir,
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

  async restartWorker(key: string, launch?: WorkerLaunch): Promise<void> {
    const worker = this.#worker(key);
    await worker.kill();
    if (launch) worker.launch = launch;
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
    await Promise.all([...this.#workers.values()].map((w) => w.retire()));
    // Nothing of this run is running now: its proxies, database and files go while the next run starts.
    const dir = path.join(this.postgres.root, "workers", this.db.tag);
    if (this.ownsPool) {
      await this.pool.stop();
      return;
    }
    this.pool.retire(async () => {
      await this.proxies.removeAll();
      await this.pool.release(this.db);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
