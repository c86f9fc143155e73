import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { killQuietly, onExitSync } from "../../cleanup.ts";
import type { WorkerLog } from "../../observe/evidence.ts";
import type { DbEndpoint, EventSink, WorkerLaunch, WorkerState } from "../provider.ts";
import { workerBundle } from "./worker-bundle.ts";

const PACKAGE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const STDERR_TAIL_LINES = 20;

/** Parses one stdout line of a worker into a log event; non-JSON output is kept as a raw line. */
export function parseWorkerLine(text: string, fallbackWorker: string, fallbackLease: string): WorkerLog {
  try {
    const line = JSON.parse(text) as Record<string, unknown>;
    if (line && typeof line === "object" && typeof line.msg === "string") {
      const ts = typeof line.ts === "number" ? line.ts : Date.parse(String(line.ts));
      return {
        kind: "worker-log",
        ts: Number.isFinite(ts) ? ts : Date.now(),
        worker: typeof line.workload_id === "string" ? line.workload_id : fallbackWorker,
        leaseName: typeof line.lease_name === "string" ? line.lease_name : fallbackLease,
        level: typeof line.level === "string" ? line.level : "info",
        msg: line.msg,
        ...(typeof line.epoch === "number" ? { epoch: line.epoch } : {}),
        line,
      };
    }
  } catch {
    // fall through: not JSON
  }
  return {
    kind: "worker-log",
    ts: Date.now(),
    worker: fallbackWorker,
    leaseName: fallbackLease,
    level: "raw",
    msg: text,
    line: { raw: text },
  };
}

/** Reads the scheduler state of a pid from /proc: 'T' is stopped (SIGSTOP), 'Z' a zombie. */
export function procState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? null;
  } catch {
    return null;
  }
}

/** One reference-worker child process: started, paused, killed and restarted by pid and signal. */
export class WorkerProcess {
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  #expectExit = false;
  #unregister: () => void = () => {};
  readonly stderrTail: string[] = [];

  constructor(
    readonly launch: WorkerLaunch,
    private readonly db: DbEndpoint,
    private readonly sink: EventSink,
  ) {}

  get id(): string {
    return this.launch.spec.id;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Spawns the worker and resolves once the process exists (not once it leads). */
  async start(): Promise<void> {
    const { spec, env } = this.launch;
    const entry = await workerBundle();
    const child = spawn(process.execPath, [entry], {
      cwd: PACKAGE_ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        PGHOST: this.db.host,
        PGPORT: String(this.db.port),
        PGUSER: this.db.user,
        PGPASSWORD: this.db.password,
        PGDATABASE: this.db.database,
        WORKLOAD_ID: spec.id,
        LEASE_NAME: spec.leaseName,
        WORKER_ROLE: spec.role,
        ...(spec.bug ? { LEASE_CHAOS_BUG: spec.bug } : {}),
        LEASE_CHAOS_WATCH_STDIN: "1",
        ...env,
      },
    });
    this.#child = child;
    this.#expectExit = false;
    this.#unregister = onExitSync(() => killQuietly(child.pid, "SIGKILL"));
    child.stdin?.on("error", () => {});
    if (!child.stdout || !child.stderr) throw new Error("worker spawned without piped stdout/stderr");
    readline.createInterface({ input: child.stdout }).on("line", (text) => {
      if (text.trim()) this.sink(parseWorkerLine(text, spec.id, spec.leaseName));
    });
    readline.createInterface({ input: child.stderr }).on("line", (text) => {
      this.stderrTail.push(text);
      if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    });
    this.#exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.#unregister();
        this.sink({
          kind: "process",
          ts: Date.now(),
          worker: spec.id,
          event: "exit",
          code,
          signal,
          expected: this.#expectExit,
          ...(this.#expectExit || code === 0 ? {} : { stderrTail: [...this.stderrTail] }),
        });
        resolve();
      });
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    this.sink({ kind: "process", ts: Date.now(), worker: spec.id, event: "start" });
  }

  /** Where the process is now, read from /proc. */
  state(): WorkerState {
    const pid = this.#child?.pid;
    if (pid === undefined || this.#child?.exitCode !== null || this.#child?.signalCode !== null)
      return "exited";
    const s = procState(pid);
    if (s === null || s === "Z" || s === "X") return "exited";
    return s === "T" ? "paused" : "running";
  }

  pause(): void {
    killQuietly(this.#child?.pid, "SIGSTOP");
    this.sink({ kind: "process", ts: Date.now(), worker: this.id, event: "pause" });
  }

  resume(): void {
    killQuietly(this.#child?.pid, "SIGCONT");
    this.sink({ kind: "process", ts: Date.now(), worker: this.id, event: "resume" });
  }

  async kill(): Promise<void> {
    if (this.state() === "exited") return;
    this.#expectExit = true;
    killQuietly(this.#child?.pid, "SIGKILL");
    this.sink({ kind: "process", ts: Date.now(), worker: this.id, event: "kill" });
    await this.#exited;
  }

  /** SIGTERM so the worker releases its lease; SIGKILL if it is still there after graceMs. */
  async stop(graceMs = 2_000): Promise<void> {
    if (this.state() === "exited") return;
    this.#expectExit = true;
    const pid = this.#child?.pid;
    killQuietly(pid, "SIGCONT");
    killQuietly(pid, "SIGTERM");
    this.sink({ kind: "process", ts: Date.now(), worker: this.id, event: "stop" });
    const timer = setTimeout(() => killQuietly(pid, "SIGKILL"), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
