// watch / inject / heal on the local provider: real CLI processes, Postgres, proxy and workers.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { isAlive } from "../harness/cleanup.ts";
import { cli, latencyTakeover, WatchProcess } from "./support/watch-flow.ts";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-watch-test-"));
const env = { ...process.env, LEASE_CHAOS_WATCH_FILE: path.join(scratch, "watch.json") };
let watch: WatchProcess | null = null;

afterAll(async () => {
  await watch?.kill();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const childrenOf = (pid: number): number[] =>
  spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
    .stdout.split("\n")
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);

describe("watch, inject, heal on the local provider", () => {
  test("latency on the leader for 6 s: the takeover is narrated live, Ctrl-C ends in a report with the window, both terms and every check", async () => {
    const reportDir = path.join(scratch, "report");
    watch = new WatchProcess(["--ttl-ms", "1500", "--seed", "11", "--report-dir", reportDir], env);
    // Tolerance: a cold start on a loaded machine takes some seconds; a lease has a holder within 60 s.
    await watch.seen(/lease outbox-forwarder: \S+ acquires it, epoch \d+/, 60_000);
    expect(fs.existsSync(env.LEASE_CHAOS_WATCH_FILE)).toBe(true);

    // Bad requests are refused before anything is touched: exit 2, the option named.
    const bad = cli(env, "inject", "latency", "--target", "fwd-z");
    expect(bad.code, bad.err).toBe(2);
    expect(bad.err).toMatch(/--target "fwd-z" is not a watched worker; did you mean fwd-a\?/);
    expect(cli(env, "inject", "pause", "--target", "leader", "--latency-ms", "5").code).toBe(2);

    const workers = childrenOf(watch.child.pid ?? 0);
    expect(workers.length).toBeGreaterThanOrEqual(5); // four workers and the postmaster
    await latencyTakeover(watch, reportDir, 1_500, 6_000);
    expect(fs.existsSync(env.LEASE_CHAOS_WATCH_FILE)).toBe(false);
    // Tolerance: backends of the postmaster exit on their own within a second or two.
    await expect.poll(() => workers.filter(isAlive), { timeout: 10_000, interval: 100 }).toEqual([]);
  });
});
