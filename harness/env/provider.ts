import type { LineParser } from "../observe/adapters/log-line.ts";
import type { EvidenceEvent, WorkerSpec } from "../observe/evidence.ts";
import type { ProfileRole } from "../profile/profile.ts";
import type { TemplateValues } from "../profile/template.ts";
import type { ProbeConnection, WorkerProxies } from "./worker-proxies.ts";

/** How to reach Postgres: the libpq fields a client needs. */
export interface DbEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** A worker to start: who it is, its profile role, and the template values besides the connection. */
export interface WorkerLaunch {
  spec: WorkerSpec;
  role: ProfileRole;
  /** ttlMs, intervals, workloadId, leaseName, role, bug ...; the provider adds pg.* and files.* */
  values: TemplateValues;
  /** env the chosen variant adds (rendered like the role's) */
  variantEnv: Record<string, string>;
  /** turns the worker's output lines into evidence */
  parser: LineParser;
  /** start it under libfaketime so a clock fault can move its clock (F13): the wall clock only, or all clocks */
  clockFaults?: "wall" | "all";
}

/** A clock fault: the worker's clock reads real + offsetMs, running at `rate` from now on. */
export interface ClockSetting {
  offsetMs: number;
  rate: number;
}

/** What the harness sees of a worker process or container at a moment. */
export type WorkerState = "running" | "paused" | "exited";

/**
 * A started environment: Postgres, the workers and their proxies. Scenarios, faults and recorders
 * drive it through this interface only, so they never ask which provider runs them. A worker is
 * addressed by its key: its workload id, or `<id>.<n>` for a second process of that id (a zombie).
 */
export interface StartedEnvironment extends AsyncDisposable {
  readonly provider: string;
  /** the observer's direct connection, never faulted */
  readonly observerDb: DbEndpoint;
  /** the Toxiproxy-compatible proxies in front of the workers, one each */
  readonly proxies: WorkerProxies;
  /** how pauseWorker freezes a worker, as an engineer would name it (`SIGSTOP`, `docker pause`), for narration */
  readonly pauseMethod?: string;
  /** true when the harness attached to a stack it did not start (it removes its triggers at the end) */
  readonly attached?: boolean;
  /**
   * true when the database came with the harness's journal and triggers installed and empty (a
   * copy of a template that had them): workers may start while the observer connects, and the
   * observer reads the journal from its first row
   */
  readonly journalInstalled?: boolean;
  /** times SELECT 1 on a fresh connection through the worker's proxy; rejects after timeoutMs */
  probeWorkerDb(key: string, timeoutMs: number): Promise<number>;
  /** opens a connection through the worker's proxy, to time statements while a fault is on */
  openWorkerProbe(key: string, timeoutMs: number): Promise<ProbeConnection>;
  /** starts a worker; resolves with its key once the process exists (not once it leads) */
  startWorker(launch: WorkerLaunch): Promise<string>;
  workerIds(): string[];
  workerState(key: string): Promise<WorkerState>;
  pauseWorker(key: string): Promise<void>;
  resumeWorker(key: string): Promise<void>;
  killWorker(key: string): Promise<void>;
  /** SIGTERM (the worker may release its lease), then SIGKILL after graceMs */
  stopWorker(key: string, graceMs?: number): Promise<void>;
  /**
   * kills the worker and starts it again with the same identity; with `launch`, under another
   * configuration (a rolling deploy of a changed ttl), or a typed error where the provider cannot
   */
  restartWorker(key: string, launch?: WorkerLaunch): Promise<void>;
  /** moves a worker's clock (libfaketime); a typed error where the provider or worker cannot */
  setClock(key: string, clock: ClockSetting): Promise<void>;
  /** proof that the clock fault reached the process (its libfaketime mapping), for verify() */
  clockEvidence(key: string): Promise<string>;
  stop(): Promise<void>;
}

/** Where an environment delivers worker log lines and process events as they happen. */
export type EventSink = (event: EvidenceEvent) => void;
