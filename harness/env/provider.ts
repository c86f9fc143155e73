import type { EvidenceEvent, WorkerSpec } from "../observe/evidence.ts";
import type { ProbeConnection, WorkerProxies } from "./worker-proxies.ts";

/** How to reach Postgres: the libpq fields a client needs. */
export interface DbEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** A worker to start: who it is plus the worker-contract variables beyond the connection. */
export interface WorkerLaunch {
  spec: WorkerSpec;
  /** LEASE_TTL_MS, intervals, LEASE_CHAOS_BUG ...; the provider adds PG* and identity */
  env: Record<string, string>;
}

/** What the harness sees of a worker process or container at a moment. */
export type WorkerState = "running" | "paused" | "exited";

/**
 * A started environment: Postgres, the workers and (later) their proxies. Scenarios, faults and
 * recorders drive it through this interface only, so they never ask which provider runs them.
 */
export interface StartedEnvironment extends AsyncDisposable {
  readonly provider: string;
  /** the observer's direct connection, never faulted */
  readonly observerDb: DbEndpoint;
  /** the Toxiproxy-compatible proxies in front of the workers, one each */
  readonly proxies: WorkerProxies;
  /** times SELECT 1 on a fresh connection through the worker's proxy; rejects after timeoutMs */
  probeWorkerDb(id: string, timeoutMs: number): Promise<number>;
  /** opens a connection through the worker's proxy, to time statements while a fault is on */
  openWorkerProbe(id: string, timeoutMs: number): Promise<ProbeConnection>;
  startWorker(launch: WorkerLaunch): Promise<void>;
  workerIds(): string[];
  workerState(id: string): Promise<WorkerState>;
  pauseWorker(id: string): Promise<void>;
  resumeWorker(id: string): Promise<void>;
  killWorker(id: string): Promise<void>;
  /** SIGTERM (the worker releases its lease), then SIGKILL after graceMs */
  stopWorker(id: string, graceMs?: number): Promise<void>;
  restartWorker(id: string): Promise<void>;
  stop(): Promise<void>;
}

/** Where an environment delivers worker log lines and process events as they happen. */
export type EventSink = (event: EvidenceEvent) => void;
