import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { killQuietly, onExitSync } from "../../cleanup.ts";
import { UnsupportedCapabilityError, WorkerStartError } from "../errors.ts";
import {
  faketimeEnv,
  faketimeSpec,
  instanceValues,
  LIBFAKETIME,
  renderLaunch,
  WorkerClock,
  writeFiles,
} from "../launch.ts";
import type { ClockSetting, DbEndpoint, EventSink, WorkerLaunch, WorkerState } from "../provider.ts";

const OUTPUT_TAIL_LINES = 20;

/** Reads the scheduler state of a pid from /proc: 'T' is stopped (SIGSTOP), 'Z' a zombie. */
export function procState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? null;
  } catch {
    return null;
  }
}

/** The live processes of a process group, with their scheduler state, read from /proc. */
export function groupMembers(pgid: number): { pid: number; state: string }[] {
  const members: { pid: number; state: string }[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) members.push({ pid: Number(name), state: fields[0] ?? "?" });
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

/** Signals a whole process group (a `sh -c` wrapper and what it runs, an interpreter's children). */
function signalGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    killQuietly(pgid, signal);
  }
}

/** How the provider numbers processes and where each keeps its files. */
export interface WorkerProcessContext {
  sink: EventSink;
  /** the next process number of this workload id */
  nextInstance: () => number;
  /** a folder of its own for files and the clock file */
  dir: string;
  /** the profile's folder: the default cwd */
  profileDir: string;
  /** records a pid for the reaper of a later run */
  recordPid: (pid: number | undefined) => void;
}

/**
 * One worker process of a profile role, in a process group of its own, so pause, kill and restart
 * act on wrappers and interpreters alike. Its stdout and stderr go through the role's line parser.
 */
export class WorkerProcess {
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  #expectExit = false;
  #unregister: () => void = () => {};
  #instance = 0;
  #startedAt = 0;
  readonly #clock = new WorkerClock();
  readonly outputTail: string[] = [];
  readonly stderrTail: string[] = [];

  constructor(
    readonly key: string,
    public launch: WorkerLaunch,
    private readonly db: DbEndpoint,
    private readonly ctx: WorkerProcessContext,
  ) {}

  get id(): string {
    return this.launch.spec.id;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get #clockFile(): string {
    return path.join(this.ctx.dir, "faketime");
  }

  // start, kill and stop run one at a time: two restarts of one worker at once (a ttl-change and a
  // restart fault on the same target) would otherwise both spawn, and the first child, no longer
  // tracked, would outlive the run (explore found one still running ten minutes on).
  #ops: Promise<unknown> = Promise.resolve();
  #serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.#ops.then(op, op);
    this.#ops = next.catch(() => {});
    return next;
  }
  /** once retired (the run's teardown), it is never started again */
  #retired = false;

  /** Spawns the worker and resolves once the process exists (not once it leads). */
  start(): Promise<void> {
    return this.#serial(async () => {
      if (this.#retired)
        throw new WorkerStartError(`worker ${this.key} was not started again: its run is over`);
      // A process of it still running (another restart got here first) is replaced, never orphaned.
      if (this.state() !== "exited") await this.#kill();
      await this.#start();
    });
  }

  async #start(): Promise<void> {
    const { spec, role } = this.launch;
    this.#instance = this.ctx.nextInstance();
    const filesDir = path.join(this.ctx.dir, "files");
    const values = instanceValues(this.launch, this.db, filesDir, this.#instance);
    const rendered = renderLaunch(this.launch, "local", values, this.ctx.profileDir);
    if (!rendered.command)
      throw new WorkerStartError(
        `roles.${role.name}.local is not set: the profile says how to start this role with docker or compose only`,
      );
    writeFiles(filesDir, rendered.files);
    const clockEnv = this.launch.clockFaults ? this.#prepareClock(this.launch.clockFaults) : {};
    const child = spawn(rendered.command, rendered.args, {
      cwd: rendered.cwd,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/",
        LANG: process.env.LANG ?? "C.UTF-8",
        ...rendered.env,
        ...clockEnv,
      },
    });
    this.#child = child;
    this.#expectExit = false;
    this.#startedAt = Date.now();
    this.#clock.reset();
    const pgid = child.pid;
    this.#unregister = onExitSync(() => signalGroup(pgid, "SIGKILL"));
    child.stdin?.on("error", () => {});
    if (!child.stdout || !child.stderr) throw new Error("worker spawned without piped stdout/stderr");
    const instance = this.#instance;
    for (const [stream, input] of [
      ["stdout", child.stdout],
      ["stderr", child.stderr],
    ] as const) {
      readline.createInterface({ input }).on("line", (text) => {
        this.outputTail.push(text);
        if (this.outputTail.length > OUTPUT_TAIL_LINES) this.outputTail.shift();
        if (stream === "stderr") {
          this.stderrTail.push(text);
          if (this.stderrTail.length > OUTPUT_TAIL_LINES) this.stderrTail.shift();
        }
        const receivedAt = Date.now();
        const clockCorrection = this.#clock.correction(receivedAt);
        const event = this.launch.parser(text, {
          worker: spec.id,
          instance,
          leaseName: spec.leaseName,
          stream,
          receivedAt,
          ...(clockCorrection ? { clockCorrection } : {}),
        });
        if (event) this.ctx.sink(event);
      });
    }
    this.#exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.#unregister();
        // The group goes with its leader: nothing of a worker may outlive it.
        signalGroup(pgid, "SIGKILL");
        this.ctx.sink({
          kind: "process",
          ts: Date.now(),
          worker: spec.id,
          instance,
          event: "exit",
          code,
          signal,
          expected: this.#expectExit,
          ...(this.#expectExit || code === 0
            ? {}
            : { outputTail: [...this.outputTail], stderrTail: [...this.stderrTail] }),
        });
        resolve();
      });
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (err) =>
        reject(
          new WorkerStartError(
            `worker ${spec.id}: roles.${role.name}.local.command ${JSON.stringify(rendered.command)} could not start in ${rendered.cwd}: ${err.message}`,
            { cause: err },
          ),
        ),
      );
    });
    this.ctx.recordPid(child.pid);
    this.ctx.sink({ kind: "process", ts: Date.now(), worker: spec.id, instance, event: "start" });
  }

  #prepareClock(mode: "wall" | "all"): Record<string, string> {
    if (!fs.existsSync(LIBFAKETIME))
      throw new UnsupportedCapabilityError(
        "local",
        `move a worker's clock: ${LIBFAKETIME} is missing (apt-get install libfaketime)`,
      );
    fs.mkdirSync(this.ctx.dir, { recursive: true });
    fs.writeFileSync(this.#clockFile, "+0");
    return faketimeEnv(this.#clockFile, mode);
  }

  /** The process number of the current (or last) process: 1, then 2 after a restart ... */
  get instance(): number {
    return this.#instance;
  }

  /** Where the process group is now, read from /proc: paused only when every member is stopped. */
  state(): WorkerState {
    const pid = this.#child?.pid;
    if (pid === undefined || this.#child?.exitCode !== null || this.#child?.signalCode !== null)
      return "exited";
    const members = groupMembers(pid).filter((m) => m.state !== "Z" && m.state !== "X");
    if (members.length === 0) return "exited";
    return members.every((m) => m.state === "T" || m.state === "t") ? "paused" : "running";
  }

  pause(): void {
    signalGroup(this.#child?.pid, "SIGSTOP");
    this.ctx.sink({
      kind: "process",
      ts: Date.now(),
      worker: this.id,
      instance: this.#instance,
      event: "pause",
    });
  }

  resume(): void {
    signalGroup(this.#child?.pid, "SIGCONT");
    this.ctx.sink({
      kind: "process",
      ts: Date.now(),
      worker: this.id,
      instance: this.#instance,
      event: "resume",
    });
  }

  kill(): Promise<void> {
    return this.#serial(() => this.#kill());
  }

  async #kill(): Promise<void> {
    if (this.state() === "exited") return;
    this.#expectExit = true;
    signalGroup(this.#child?.pid, "SIGKILL");
    this.ctx.sink({
      kind: "process",
      ts: Date.now(),
      worker: this.id,
      instance: this.#instance,
      event: "kill",
    });
    await this.#exited;
  }

  /** SIGTERM so the worker can release its lease; SIGKILL if it is still there after graceMs. */
  stop(graceMs = 2_000): Promise<void> {
    return this.#serial(() => this.#stop(graceMs));
  }

  /** The run's teardown: stopped, after any start or kill already asked for, and never started again. */
  retire(graceMs?: number): Promise<void> {
    this.#retired = true;
    return this.stop(graceMs);
  }

  async #stop(graceMs: number): Promise<void> {
    if (this.state() === "exited") return;
    this.#expectExit = true;
    const pid = this.#child?.pid;
    signalGroup(pid, "SIGCONT");
    signalGroup(pid, "SIGTERM");
    this.ctx.sink({
      kind: "process",
      ts: Date.now(),
      worker: this.id,
      instance: this.#instance,
      event: "stop",
    });
    const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Moves the worker's clock through its libfaketime clock file (started with clockFaults only). */
  setClock(clock: ClockSetting): void {
    if (!this.launch.clockFaults)
      throw new UnsupportedCapabilityError(
        "local",
        `move ${this.key}'s clock: it was not started under libfaketime`,
      );
    const now = Date.now();
    fs.writeFileSync(this.#clockFile, faketimeSpec(clock, this.#startedAt, now));
    this.#clock.set(clock, now);
  }

  /** Which of the group's processes have libfaketime mapped (the proof a clock fault can reach them). */
  clockEvidence(): string {
    const pid = this.#child?.pid;
    if (pid === undefined) return "no process";
    const mapped = groupMembers(pid).filter((m) => {
      try {
        return fs.readFileSync(`/proc/${m.pid}/maps`, "utf8").includes("libfaketime");
      } catch {
        return false;
      }
    });
    return mapped.length ? `libfaketime mapped in pid ${mapped.map((m) => m.pid).join(", ")}` : "";
  }
}
