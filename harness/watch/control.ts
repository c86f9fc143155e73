import { randomBytes, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { onExitSync } from "../cleanup.ts";
import { LeaseChaosError, UsageError } from "../errors.ts";

// A watch is driven from a second terminal: `inject` and `heal` find it through a small state file
// (where its control API listens, and a token only the file's reader knows) and speak JSON over
// HTTP on loopback. The file is the watch's own: written at start, removed at exit.

/** What a running watch publishes about itself. */
export interface WatchState {
  pid: number;
  url: string;
  token: string;
  runId: string;
  provider: string;
  startedAt: number;
  reportDir: string;
  workers: string[];
}

/** Where the state file lives: LEASE_CHAOS_WATCH_FILE, else the user's runtime folder, else the temp folder. */
export function watchFile(): string {
  if (process.env.LEASE_CHAOS_WATCH_FILE) return process.env.LEASE_CHAOS_WATCH_FILE;
  const runtime = process.env.XDG_RUNTIME_DIR;
  return runtime && fs.existsSync(runtime)
    ? path.join(runtime, "lease-chaos-watch.json")
    : path.join(os.tmpdir(), `lease-chaos-watch-${userPart()}.json`);
}

/** A process of ours with this pid runs (one of another user's, EPERM, is not our watch). */
function ourProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function userPart(): string {
  try {
    return String(os.userInfo().uid);
  } catch {
    return "user";
  }
}

/** The running watch's state, or null when none is running (a file left by a dead one counts as none). */
export function readWatchState(file = watchFile()): WatchState | null {
  let text: string;
  try {
    // Only a plain file of ours that nobody else can read holds a token worth using.
    const st = fs.lstatSync(file);
    if (
      !st.isFile() ||
      (typeof process.getuid === "function" && st.uid !== process.getuid()) ||
      st.mode & 0o077
    )
      return null;
    text = fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
  try {
    const state = JSON.parse(text) as WatchState;
    return typeof state.pid === "number" && ourProcess(state.pid) ? state : null;
  } catch {
    return null;
  }
}

/** A request the watch refused or could not do: its code decides the exit code of `inject`/`heal`. */
export class ControlError extends LeaseChaosError {}

/** One control route: takes the parsed JSON body, resolves with the JSON answer. */
export type Route = (body: unknown) => Promise<unknown>;

/**
 * The watch's control API on 127.0.0.1 (a random port), every request carrying the token. A
 * LeaseChaosError a route throws is answered with its code and message; the client raises it again.
 */
export class ControlServer {
  readonly token = randomBytes(24).toString("hex");
  #server: http.Server | null = null;
  #removeFile: (() => void) | null = null;
  #file = "";

  constructor(private readonly routes: Record<string, Route>) {}

  /** Listens and writes the state file; refuses when another watch is running. */
  async start(state: Omit<WatchState, "pid" | "url" | "token">, file = watchFile()): Promise<WatchState> {
    const other = readWatchState(file);
    if (other)
      throw new UsageError(
        `a watch is already running (pid ${other.pid}, started ${new Date(other.startedAt).toISOString()}); stop it first or give this one its own LEASE_CHAOS_WATCH_FILE`,
      );
    const server = http.createServer((req, res) =>
      this.#handle(req, res).catch(() => {
        // A client gone mid-request: nothing to answer.
        res.destroy();
      }),
    );
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const full: WatchState = {
      ...state,
      pid: process.pid,
      url: `http://127.0.0.1:${port}`,
      token: this.token,
    };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // A new file, only ours, moved into place: an existing file (or a link) under the name keeps
    // neither its mode nor its target.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.rmSync(tmp, { force: true });
    fs.writeFileSync(tmp, `${JSON.stringify(full, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    fs.renameSync(tmp, file);
    this.#file = file;
    this.#removeFile = onExitSync(() => this.#unlink());
    return full;
  }

  #unlink(): void {
    try {
      // Only our own: a second watch may have taken the name since.
      const now = JSON.parse(fs.readFileSync(this.#file, "utf8")) as WatchState;
      if (now.pid === process.pid) fs.rmSync(this.#file, { force: true });
    } catch {
      // Already gone.
    }
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const given = Buffer.from(String(req.headers.authorization ?? "").replace(/^Bearer /, ""));
    const token = Buffer.from(this.token);
    if (given.length !== token.length || !timingSafeEqual(given, token))
      return answer(401, { error: { code: "E_USAGE", message: "wrong or missing token" } });
    const route = this.routes[`${req.method} ${req.url}`];
    if (!route)
      return answer(404, { error: { code: "E_USAGE", message: `no route ${req.method} ${req.url}` } });
    let raw = "";
    for await (const chunk of req) {
      raw += chunk;
      if (raw.length > 64 * 1024)
        return answer(413, { error: { code: "E_USAGE", message: "request too large" } });
    }
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return answer(400, { error: { code: "E_USAGE", message: "the request is not JSON" } });
    }
    try {
      answer(200, await route(body));
    } catch (err) {
      const code = err instanceof LeaseChaosError ? err.code : "E_UNKNOWN";
      answer(code === "E_USAGE" ? 400 : 500, { error: { code, message: (err as Error).message } });
    }
  }

  /** Stops listening and removes the state file. */
  async close(): Promise<void> {
    this.#removeFile?.();
    this.#removeFile = null;
    if (this.#file) this.#unlink();
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Calls a route of the running watch; a refusal comes back as a ControlError with the watch's code. */
export async function callWatch<T>(
  state: WatchState,
  route: string,
  body: unknown,
  timeoutMs: number,
): Promise<T> {
  const [method, url] = route.split(" ") as [string, string];
  let res: Response;
  try {
    res = await fetch(`${state.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${state.token}`, "content-type": "application/json" },
      ...(method === "GET" ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new ControlError(
      "E_WATCH_UNREACHABLE",
      `the watch (pid ${state.pid}) did not answer at ${state.url}: ${(err as Error).message}`,
    );
  }
  const answer = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } } & T;
  if (answer.error) throw new ControlError(answer.error.code, answer.error.message);
  return answer;
}

/** The running watch, or a UsageError saying how to start one. */
export function requireWatch(): WatchState {
  const file = watchFile();
  const state = readWatchState(file);
  if (!state)
    throw new UsageError(
      `no watch is running (no live state file at ${file}); start one with \`lease-chaos watch\` in another terminal`,
    );
  return state;
}
