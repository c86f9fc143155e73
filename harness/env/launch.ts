// What every provider does to start a profile's worker: render its env, args and files from the
// templates with the values of this instance (its own proxy as host:port), and, for clock faults,
// preload libfaketime with a clock file the harness writes.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { render, type TemplateValues } from "../profile/template.ts";
import type { ClockSetting, DbEndpoint, WorkerLaunch } from "./provider.ts";

/** Debian's libfaketime (package libfaketime), on the host and in the project's images. */
export const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/** A worker's rendered start: env, command and args, and the files to write first. */
export interface RenderedLaunch {
  env: Record<string, string>;
  command: string;
  args: string[];
  cwd: string;
  files: Record<string, string>;
}

/** The template values of one instance: the run's values plus its connection and its files' paths. */
export function instanceValues(
  launch: WorkerLaunch,
  db: DbEndpoint,
  filesDir: string,
  instance: number,
): TemplateValues {
  const files = Object.fromEntries(
    Object.keys(launch.role.files).map((n) => [`files.${n}`, path.posix.join(filesDir, n)]),
  );
  return {
    ...launch.values,
    "pg.host": db.host,
    "pg.port": db.port,
    "pg.user": db.user,
    "pg.password": db.password,
    "pg.database": db.database,
    "pg.url": `postgres://${encodeURIComponent(db.user)}:${encodeURIComponent(db.password)}@${db.host}:${db.port}/${encodeURIComponent(db.database)}`,
    instance,
    ...files,
  };
}

/** Renders a role's env (+ the provider's and the variant's), args and files for one instance. */
export function renderLaunch(
  launch: WorkerLaunch,
  provider: "local" | "docker",
  values: TemplateValues,
  defaultCwd: string,
): RenderedLaunch {
  const role = launch.role;
  const key = (k: string) => `roles.${role.name}.${k}`;
  const env: Record<string, string> = {};
  const extra = provider === "local" ? (role.local?.env ?? {}) : (role.docker?.env ?? {});
  for (const [k, v] of Object.entries({ ...role.env, ...extra, ...launch.variantEnv }))
    env[k] = render(v, values, key(`env.${k}`));
  const files: Record<string, string> = {};
  for (const [k, v] of Object.entries(role.files)) files[k] = render(v, values, key(`files.${k}`));
  if (provider === "local") {
    const local = role.local;
    if (!local) return { env, command: "", args: [], cwd: defaultCwd, files };
    return {
      env,
      command: render(local.command, values, key("local.command")),
      args: local.args.map((a, i) => render(a, values, key(`local.args.${i}`))),
      cwd: local.cwd ? render(local.cwd, values, key("local.cwd")) : defaultCwd,
      files,
    };
  }
  const command = role.docker?.command?.map((a, i) => render(a, values, key(`docker.command.${i}`))) ?? [];
  return { env, command: command[0] ?? "", args: command.slice(1), cwd: defaultCwd, files };
}

/**
 * Writes an instance's files into its own folder, removed with the run: private to this user for a
 * local process; readable by all for a container, whose user is not ours.
 */
export function writeFiles(dir: string, files: Record<string, string>, shared = false): void {
  if (Object.keys(files).length === 0) return;
  fs.mkdirSync(dir, { recursive: true, mode: shared ? 0o755 : 0o700 });
  fs.chmodSync(dir, shared ? 0o755 : 0o700);
  for (const [name, text] of Object.entries(files))
    fs.writeFileSync(path.join(dir, name), text, { mode: shared ? 0o644 : 0o600 });
}

/** A temp folder for an environment's per-instance files and clock files. */
export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * The variables that put a worker under libfaketime, reading its clock from `clockFile` on every
 * call. `wall`: only the wall clock moves (a step); `all`: the monotonic clock too (a rate skew).
 */
export function faketimeEnv(
  clockFile: string,
  mode: "wall" | "all",
  library = LIBFAKETIME,
): Record<string, string> {
  return {
    LD_PRELOAD: library,
    FAKETIME_TIMESTAMP_FILE: clockFile,
    FAKETIME_NO_CACHE: "1",
    ...(mode === "wall" ? { FAKETIME_DONT_FAKE_MONOTONIC: "1" } : {}),
  };
}

/**
 * libfaketime's FAKETIME for a clock that reads real + offsetMs and from `now` runs at `rate`.
 * libfaketime scales from the process's start, so the offset makes up for the time run at 1x.
 * The rate is always written, 1 too: a setting without one keeps the rate read before (libfaketime
 * 0.9.10 sets it only when it parses one), so a healed skew would go on drifting.
 */
export function faketimeSpec(clock: ClockSetting, processStart: number, now: number): string {
  const offsetMs =
    clock.rate === 1 ? clock.offsetMs : clock.offsetMs + (now - processStart) * (1 - clock.rate);
  const seconds = (offsetMs / 1000).toFixed(3);
  const signed = offsetMs >= 0 ? `+${seconds}` : seconds;
  return `${signed}s x${clock.rate}`;
}

/** The inverse of a clock fault: the real time at which the worker's clock read `workerTs`. */
export function realTime(workerTs: number, clock: ClockSetting & { since: number }): number {
  // worker = real + offset + (real - since) * (rate - 1)
  return (workerTs - clock.offsetMs + clock.since * (clock.rate - 1)) / clock.rate;
}

// How far a line's own time may lie after the moment it was read (clock resolution, rounding).
const FUTURE_TOLERANCE_MS = 25;

/**
 * The real time of a line stamped `workerTs` by a worker under a clock fault, read at `receivedAt`.
 * The fault reaches the process a little after the harness sets it, and a line stamped just before
 * a change is read just after it, so a line may still carry an earlier clock: of the stamp as
 * written and the stamp corrected by each setting in `clocks`, the one that is not in the future
 * and lies nearest to when it was read wins.
 */
export function lineRealTime(workerTs: number, clocks: readonly ClockInForce[], receivedAt: number): number {
  const corrected = clocks.map((c) => realTime(workerTs, c));
  const candidates = [...corrected, workerTs].filter((t) => t <= receivedAt + FUTURE_TOLERANCE_MS);
  if (candidates.length === 0) return corrected[0] ?? workerTs;
  return candidates.reduce((best, t) => (Math.abs(receivedAt - t) < Math.abs(receivedAt - best) ? t : best));
}

/** A clock setting and when the harness set it. */
export type ClockInForce = ClockSetting & { since: number };

// How long after a clock change a line may still carry the setting before it (read from a pipe).
const PREVIOUS_CLOCK_MS = 1_000;

/**
 * A worker's clock as the harness set it: the setting in force, and for a while after a change the
 * one before it, so a line stamped under the old setting and read after the change (a heal's first
 * moments) is still turned back into real time.
 */
export class WorkerClock {
  #current: ClockInForce | null = null;
  #previous: ClockInForce | null = null;
  #changedAt = Number.NEGATIVE_INFINITY;

  /** Records a new setting at `now` (offset 0 and rate 1: the real clock). */
  set(clock: ClockSetting, now: number): void {
    this.#previous = this.#current;
    this.#changedAt = now;
    this.#current = clock.offsetMs === 0 && clock.rate === 1 ? null : { ...clock, since: now };
  }

  /** A new process: its clock is real, and no earlier setting applies to its lines. */
  reset(): void {
    this.#current = null;
    this.#previous = null;
  }

  /** The correction of a line read at `receivedAt`, or none when the clock was real throughout. */
  correction(receivedAt: number): ((workerTs: number) => number) | undefined {
    const recent = this.#previous !== null && receivedAt - this.#changedAt <= PREVIOUS_CLOCK_MS;
    const clocks = [this.#current, recent ? this.#previous : null].filter(
      (c): c is ClockInForce => c !== null,
    );
    if (clocks.length === 0) return undefined;
    return (ts) => lineRealTime(ts, clocks, receivedAt);
  }
}
