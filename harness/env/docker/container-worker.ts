import os from "node:os";
import readline from "node:readline";
import { PassThrough } from "node:stream";
import type Dockerode from "dockerode";
import type { LineParser } from "../../observe/adapters/log-line.ts";
import { parseRfc3339 } from "../../observe/adapters/time.ts";
import type { WorkerSpec } from "../../observe/evidence.ts";
import { WorkerClock } from "../launch.ts";
import type { EventSink, WorkerState } from "../provider.ts";

const LOG_TAIL_LINES = 30;

/** What a worker's first line was: one its profile's format parses, or anything else (stderr, an error). */
export type FirstLine = "parsed" | "other";

// A container killed by signal n exits with 128 + n; the local provider reports such exits by name.
const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(os.constants.signals).map(([name, n]) => [n, name]),
);

/** Docker's `since` parameter for "from now on": seconds.nanoseconds on the host's wall clock. */
export function sinceNow(): string {
  const ms = Date.now();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1_000_000).padStart(9, "0")}`;
}

/**
 * A worker running as a container, driven through the engine's API: its stdout (with the engine's
 * timestamps) feeds the event sink like a local worker's, and its exit becomes a process event.
 */
export class ContainerWorker {
  #exited: Promise<void> = Promise.resolve();
  #running = false;
  #expectExit = false;
  #streams = new Set<NodeJS.ReadableStream & { destroy?: () => void }>();
  #firstLine: ((kind: FirstLine) => void) | null = null;
  readonly logTail: string[] = [];
  readonly stderrTail: string[] = [];
  #instance = 0;
  /** the clock faults set on it, to turn the worker's timestamps back into real time */
  readonly clock = new WorkerClock();

  constructor(
    private readonly docker: Dockerode,
    readonly containerId: string,
    readonly spec: WorkerSpec,
    private readonly sink: EventSink,
    private readonly parser: LineParser,
    private readonly nextInstance: () => number,
  ) {}

  /** The process number of the container's current run (1, then 2 after a restart ...). */
  get instance(): number {
    return this.#instance;
  }

  get #container(): Dockerode.Container {
    return this.docker.getContainer(this.containerId);
  }

  /**
   * Follows the running container's log and its exit. `since` (sinceNow() taken earlier) skips what
   * it logged before; without it the whole log since the container's start is read.
   */
  async attach(
    since?: string,
    options: { attached?: boolean } = {},
  ): Promise<{ firstLine: Promise<FirstLine>; exited: Promise<void> }> {
    const firstLine = new Promise<FirstLine>((resolve) => {
      this.#firstLine = resolve;
    });
    this.#instance = this.nextInstance();
    await this.#follow(since);
    this.#running = true;
    this.#expectExit = false;
    this.#exited = this.#container.wait().then(
      (result: { StatusCode: number }) => this.#onExit(result.StatusCode),
      () => this.#onExit(null),
    );
    this.sink({
      kind: "process",
      ts: Date.now(),
      worker: this.spec.id,
      instance: this.#instance,
      event: "start",
      ...(options.attached ? { attached: true } : {}),
    });
    return { firstLine, exited: this.#exited };
  }

  async #follow(since: string | undefined): Promise<void> {
    const stream = (await this.#container.logs({
      follow: true,
      stdout: true,
      stderr: true,
      timestamps: true,
      ...(since ? { since } : {}),
    })) as NodeJS.ReadableStream & { destroy?: () => void };
    this.#streams.add(stream);
    const out = new PassThrough();
    const err = new PassThrough();
    this.docker.modem.demuxStream(stream, out, err);
    stream.on("end", () => {
      out.end();
      err.end();
      this.#streams.delete(stream);
    });
    stream.on("error", () => {});
    // The engine stamps each line when it receives it (RFC 3339, ns): the harness's receipt clock.
    const split = (line: string): [number, string] => {
      const space = line.indexOf(" ");
      const ts = parseRfc3339(line.slice(0, space));
      return [Number.isFinite(ts) ? ts : Date.now(), line.slice(space + 1)];
    };
    const instance = this.#instance;
    for (const [stream, input] of [
      ["stdout", out],
      ["stderr", err],
    ] as const) {
      readline.createInterface({ input }).on("line", (line) => {
        const [receivedAt, text] = split(line);
        if (!text.trim()) return;
        const clockCorrection = this.clock.correction(receivedAt);
        const event = this.parser(text, {
          worker: this.spec.id,
          instance,
          leaseName: this.spec.leaseName,
          stream,
          receivedAt,
          ...(clockCorrection ? { clockCorrection } : {}),
        });
        this.#remember(text, event?.kind === "worker-log" && event.parsed ? "parsed" : "other", stream);
        if (event) this.sink(event);
      });
    }
  }

  #remember(text: string, kind: FirstLine, stream: "stdout" | "stderr"): void {
    this.#firstLine?.(kind);
    this.#firstLine = null;
    this.logTail.push(text);
    if (this.logTail.length > LOG_TAIL_LINES) this.logTail.shift();
    if (stream === "stderr") {
      this.stderrTail.push(text);
      if (this.stderrTail.length > LOG_TAIL_LINES) this.stderrTail.shift();
    }
  }

  #onExit(status: number | null): void {
    this.#running = false;
    const signal = status !== null && status > 128 ? (SIGNAL_NAMES.get(status - 128) ?? null) : null;
    this.sink({
      kind: "process",
      ts: Date.now(),
      worker: this.spec.id,
      instance: this.#instance,
      event: "exit",
      code: signal ? null : status,
      signal,
      expected: this.#expectExit,
      ...(this.#expectExit || status === 0
        ? {}
        : { outputTail: [...this.logTail], stderrTail: [...this.stderrTail] }),
    });
  }

  /** The last lines of its log (stdout and stderr), for an error message. */
  logs(lines = LOG_TAIL_LINES): Promise<string> {
    return containerLogs(this.#container, lines);
  }

  /** Paused (frozen by the cgroup freezer), running, or exited, as the engine reports it. */
  async state(): Promise<WorkerState> {
    const info = await this.#container.inspect();
    if (info.State.Paused) return "paused";
    return info.State.Running ? "running" : "exited";
  }

  async pause(): Promise<void> {
    await this.#container.pause();
    this.sink({
      kind: "process",
      ts: Date.now(),
      worker: this.spec.id,
      instance: this.#instance,
      event: "pause",
    });
  }

  async resume(): Promise<void> {
    await this.#container.unpause();
    this.sink({
      kind: "process",
      ts: Date.now(),
      worker: this.spec.id,
      instance: this.#instance,
      event: "resume",
    });
  }

  /** `docker kill` (SIGKILL); resolves once the exit is recorded. */
  async kill(): Promise<void> {
    if (!this.#running) return;
    this.#expectExit = true;
    this.sink({
      kind: "process",
      ts: Date.now(),
      worker: this.spec.id,
      instance: this.#instance,
      event: "kill",
    });
    await this.#container.kill().catch(ignoreNotRunning);
    await this.#exited;
  }

  /** `docker stop`: SIGTERM (the worker releases its lease), SIGKILL after graceMs. */
  async stop(graceMs = 2_000): Promise<void> {
    if (!this.#running) return;
    this.#expectExit = true;
    if ((await this.state()) === "paused") await this.#container.unpause().catch(ignoreNotRunning);
    this.sink({
      kind: "process",
      ts: Date.now(),
      worker: this.spec.id,
      instance: this.#instance,
      event: "stop",
    });
    await this.#container.stop({ t: Math.max(1, Math.ceil(graceMs / 1000)) }).catch(ignoreNotRunning);
    await this.#exited;
  }

  /** Kill, then start the same container again: same identity, nothing remembered in memory. */
  async restart(): Promise<void> {
    await this.kill();
    const since = sinceNow();
    await this.#container.start();
    await this.attach(since);
  }

  /** Stops following the log (the container itself is left as it is). */
  detach(): void {
    for (const stream of this.#streams) stream.destroy?.();
    this.#streams.clear();
  }
}

// 304 (already stopped) and 409 (not running) are the state the caller wanted.
function ignoreNotRunning(err: { statusCode?: number }): void {
  if (err.statusCode !== 304 && err.statusCode !== 409) throw err;
}

/** The last lines of a container's log (stdout and stderr interleaved), for an error message. */
export async function containerLogs(container: Dockerode.Container, lines = LOG_TAIL_LINES): Promise<string> {
  const buffer = (await container.logs({ stdout: true, stderr: true, tail: lines })) as unknown as Buffer;
  // Without a TTY each chunk has an 8-byte header (stream, size) before its payload.
  const parts: string[] = [];
  for (let at = 0; at + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(at + 4);
    parts.push(buffer.subarray(at + 8, at + 8 + size).toString("utf8"));
    at += 8 + size;
  }
  return parts.join("").trimEnd() || "(no output)";
}
