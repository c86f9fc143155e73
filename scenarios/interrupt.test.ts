import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { isAlive } from "../harness/cleanup.ts";

const BIN = fileURLToPath(new URL("../bin/lease-chaos.js", import.meta.url));
const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-interrupt-"));
afterAll(() => fs.rmSync(reportDir, { recursive: true, force: true }));

const childrenOf = (pid: number): number[] =>
  spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
    .stdout.split("\n")
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);

const dataDirsOf = (pid: number): string[] =>
  fs
    .readdirSync(os.tmpdir())
    .filter((n) => n.startsWith("lease-chaos-pg-"))
    .map((n) => path.join(os.tmpdir(), n))
    .filter((d) => {
      try {
        return fs.readFileSync(path.join(d, "lease-chaos.owner"), "utf8") === String(pid);
      } catch {
        return false;
      }
    });

describe("Ctrl-C in the middle of the drill", () => {
  test("every worker, the Postgres server and its data directory are gone afterwards", async () => {
    const cli = spawn(process.execPath, [BIN, "drill", "--ttl-ms", "2000", "--report-dir", reportDir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines = readline.createInterface({ input: cli.stdout });
    const exited = new Promise<number | null>((resolve) => cli.once("exit", (code) => resolve(code)));
    // Wait for evidence that the environment is fully up: the leader is being paused.
    const step = await new Promise<string>((resolve, reject) => {
      lines.on("line", (line) => line.includes("(SIGSTOP) between batches") && resolve(line));
      void exited.then(() => reject(new Error("drill exited before pausing")));
    });
    // The local provider's step names what it does: SIGSTOP, not the runbook's `docker pause`.
    expect(step).toMatch(/\] 3\. pause fwd-\w \(SIGSTOP\) between batches; its renewer stalls$/);
    const pid = cli.pid ?? 0;
    const started = childrenOf(pid);
    const dirs = dataDirsOf(pid);
    expect(started.length).toBeGreaterThanOrEqual(5); // four workers and the postmaster
    expect(dirs).toHaveLength(1);

    cli.kill("SIGINT");
    expect(await exited).toBe(130);
    // Tolerance: the postmaster's backends exit on their own within a second or two.
    await expect.poll(() => started.filter(isAlive), { timeout: 10_000, interval: 100 }).toEqual([]);
    await expect
      .poll(() => dirs.filter((d) => fs.existsSync(d)), { timeout: 10_000, interval: 100 })
      .toEqual([]);
  });
});
