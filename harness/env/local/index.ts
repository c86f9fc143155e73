import { UnknownWorkerError } from "../errors.ts";
import type { DbEndpoint, EventSink, StartedEnvironment, WorkerLaunch, WorkerState } from "../provider.ts";
import { type StartedPostgres, startPostgres } from "./postgres.ts";
import { WorkerProcess } from "./worker-process.ts";

/** Options of the local (embedded, no Docker) provider. */
export interface LocalEnvironmentOptions {
  /** receives worker log lines and process events as they happen */
  sink: EventSink;
  /** Postgres server log lines, for --verbose */
  postgresLog?: (line: string) => void;
}

/** The local provider: embedded Postgres and workers as child processes of this one. */
export class LocalEnvironment {
  constructor(private readonly options: LocalEnvironmentOptions) {}

  /** Starts Postgres; workers are started by the run through the returned environment. */
  async start(): Promise<StartedLocalEnvironment> {
    const postgres = await startPostgres(this.options.postgresLog ? { log: this.options.postgresLog } : {});
    return new StartedLocalEnvironment(postgres, this.options.sink);
  }
}

/** A running local environment. Disposing it stops every worker and Postgres and removes the data. */
export class StartedLocalEnvironment implements StartedEnvironment {
  readonly provider = "local";
  readonly #workers = new Map<string, WorkerProcess>();
  #stopped = false;

  constructor(
    readonly postgres: StartedPostgres,
    private readonly sink: EventSink,
  ) {}

  get observerDb(): DbEndpoint {
    return this.postgres.endpoint;
  }

  /** The endpoint a worker is given; the fault-proxy issue puts a proxy per worker here. */
  #workerDb(_id: string): DbEndpoint {
    return this.postgres.endpoint;
  }

  #worker(id: string): WorkerProcess {
    const worker = this.#workers.get(id);
    if (!worker) throw new UnknownWorkerError(id);
    return worker;
  }

  async startWorker(launch: WorkerLaunch): Promise<void> {
    const worker = new WorkerProcess(launch, this.#workerDb(launch.spec.id), this.sink);
    this.#workers.set(launch.spec.id, worker);
    await worker.start();
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
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all([...this.#workers.values()].map((w) => w.stop()));
    await this.postgres.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
