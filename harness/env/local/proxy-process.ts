import { spawn } from "node:child_process";
import readline from "node:readline";
import { killQuietly, onExitSync } from "../../cleanup.ts";
import { nodeArgs, PACKAGE_ROOT } from "../../paths.ts";
import { EnvironmentStartError } from "../errors.ts";

const START_TIMEOUT_MS = 15_000;

/** Our fault proxy running as a child process: its API URL and stop(). */
export interface StartedProxyProcess {
  url: string;
  pid: number | undefined;
  seed: number;
  stop(): Promise<void>;
}

/**
 * Starts the embedded fault proxy as a child process on a free loopback port. A process of its
 * own keeps proxied traffic off the harness's event loop, so recording and checks add no jitter.
 */
export async function startProxyProcess(seed: number): Promise<StartedProxyProcess> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [...nodeArgs("harness/cli/proxy.ts"), "--port", "0", "--seed", String(seed), "--proxy-metrics"],
    {
      cwd: PACKAGE_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LOG_LEVEL: "info" },
    },
  );
  const unregister = onExitSync(() => killQuietly(child.pid, "SIGKILL"));
  const tail: string[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stderr?.on("data", (d) => tail.push(String(d)));
  if (!child.stdout) throw new Error("proxy spawned without piped stdout");
  const lines = readline.createInterface({ input: child.stdout });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no API URL after ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      // Every later line is read and dropped (keeping a short tail), so the pipe never fills.
      lines.on("line", (line) => {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        try {
          const parsed = JSON.parse(line) as { url?: string };
          if (parsed.url) {
            clearTimeout(timer);
            resolve(parsed.url);
          }
        } catch {
          // not a JSON line: kept in the tail
        }
      });
      void exited.then(() => reject(new Error(`exited with code ${child.exitCode}`)));
    });
    let stopped = false;
    return {
      url,
      pid: child.pid,
      seed,
      async stop() {
        if (stopped) return;
        stopped = true;
        killQuietly(child.pid, "SIGTERM");
        const timer = setTimeout(() => killQuietly(child.pid, "SIGKILL"), 3_000);
        await exited;
        clearTimeout(timer);
        unregister();
      },
    };
  } catch (err) {
    killQuietly(child.pid, "SIGKILL");
    await exited;
    unregister();
    throw new EnvironmentStartError(
      `fault proxy failed to start after ${Math.round(performance.now() - t0)} ms: ${(err as Error).message}; output:\n${tail.join("").slice(-2000)}`,
      { cause: err },
    );
  }
}
