// The incident-review loop, as an engineer does it in two terminals: `watch` holds the stack,
// `inject` puts 1500 ms of latency on the leader's connection for a while, the takeover shows up in
// the narration, Ctrl-C stops the watch, and its report has the fault window, both terms and every
// check's verdict. Real processes: the CLI, Postgres, the fault proxy, the workers.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { isAlive } from "../harness/cleanup.ts";
import type { EvidenceEvent, FaultWindow, LeaseChange } from "../harness/observe/evidence.ts";
import type { VerdictFile } from "../harness/report/write.ts";

const BIN = fileURLToPath(new URL("../bin/lease-chaos.js", import.meta.url));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-watch-test-"));
const env = { ...process.env, LEASE_CHAOS_WATCH_FILE: path.join(scratch, "watch.json") };
let watch: ChildProcess | null = null;

afterAll(() => {
  if (watch?.exitCode === null) watch.kill("SIGKILL");
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Runs a short CLI command (inject, heal) to its end. */
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const childrenOf = (pid: number): number[] =>
  spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
    .stdout.split("\n")
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);

// Narration lines start with the time since the run's zero: `[ +12.3s] ...`.
const timeOf = (line: string): number | null => {
  const m = /^\[\s*\+(\d+\.\d)s\]/.exec(line);
  return m ? Number(m[1]) : null;
};

describe("watch, inject, heal on the local provider", () => {
  test("latency on the leader for 6 s: the takeover is narrated live, Ctrl-C ends in a report with the window, both terms and every check", async () => {
    const reportDir = path.join(scratch, "report");
    const child = spawn(
      process.execPath,
      [BIN, "watch", "--ttl-ms", "1500", "--seed", "11", "--report-dir", reportDir],
      {
        env,
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    watch = child;
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const seen = (re: RegExp, timeout = 30_000) =>
      expect.poll(() => re.test(out) || child.exitCode !== null, { timeout, interval: 100 }).toBe(true);

    // Up: the control API is published and a forwarder leads.
    await seen(/lease outbox-forwarder: \S+ acquires it, epoch \d+/);
    expect(child.exitCode, out).toBeNull();
    expect(fs.existsSync(env.LEASE_CHAOS_WATCH_FILE)).toBe(true);

    // Bad requests are refused before anything is touched: exit 2, the option named.
    const bad = cli("inject", "latency", "--target", "fwd-z");
    expect(bad.code, bad.err).toBe(2);
    expect(bad.err).toMatch(/--target "fwd-z" is not a watched worker; did you mean fwd-a\?/);
    expect(cli("inject", "pause", "--target", "leader", "--latency-ms", "5").code).toBe(2);

    const injected = cli(
      "inject",
      "latency",
      "--target",
      "leader",
      "--latency-ms",
      "1500",
      "--for",
      "6s",
      "--json",
    );
    expect(injected.code, injected.err).toBe(0);
    const answer = JSON.parse(injected.out) as { id: string; windows: { target: string; detail: string }[] };
    const leader = answer.windows[0]?.target as string;
    expect(answer.id).toBe("latency-1");
    // Verified: a round trip through the leader's proxy took both directions' latency.
    expect(answer.windows[0]?.detail).toMatch(/SELECT 1 through \S+ proxy took (\d{4}) ms/);

    // Tolerance: the standby takes over within ttl + ttl/2 of the last grant (the check's bound), here < 6 s.
    await seen(new RegExp(`lease outbox-forwarder: (\\S+) takes it over from ${leader}`), 15_000);
    child.stdin?.write("leases\n");
    await seen(/outbox-forwarder: holder \S+, epoch \d+, expires_at \d\d:\d\d:\d\d\.\d{3} UTC/);
    child.stdin?.write("checks\n");
    await seen(/checks over the \d+ events so far/);
    await seen(/heal latency-1: .* is off \(after 6000 ms\)/, 15_000);
    expect(cli("heal", "--all").out).toMatch(/nothing to heal/);

    const workers = childrenOf(child.pid ?? 0);
    expect(workers.length).toBeGreaterThanOrEqual(5); // four workers and the postmaster
    child.kill("SIGINT");
    const code = await exited;
    expect(code, out).toBe(0);
    expect(out).toMatch(/stopping \(SIGINT\)/);
    expect(fs.existsSync(env.LEASE_CHAOS_WATCH_FILE)).toBe(false);
    // Tolerance: backends of the postmaster exit on their own within a second or two.
    await expect.poll(() => workers.filter(isAlive), { timeout: 10_000, interval: 100 }).toEqual([]);

    // Lines came out in time order (a line that arrived past the buffer says so).
    const times = out
      .split("\n")
      .filter((l) => !l.endsWith("(late)"))
      .map(timeOf)
      .filter((t): t is number => t !== null);
    expect(times.length).toBeGreaterThan(8);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const verdict = JSON.parse(fs.readFileSync(path.join(reportDir, "verdict.json"), "utf8")) as VerdictFile;
    expect(verdict.verdict, JSON.stringify(verdict.checks, null, 1)).toBe("pass");
    expect(verdict.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        "single-leader",
        "takeover-within-ttl",
        "no-batch-after-local-expiry",
        "progress-after-heal",
      ]),
    );
    const events = fs
      .readFileSync(path.join(reportDir, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as EvidenceEvent);
    const window = events.find((e): e is FaultWindow => e.kind === "fault");
    expect(window).toMatchObject({ fault: "latency", target: leader, verified: true });
    expect((window?.end ?? 0) - (window?.start ?? 0)).toBeGreaterThanOrEqual(6_000);
    const holders = new Set(
      events
        .filter((e): e is LeaseChange => e.kind === "lease-change" && e.leaseName === "outbox-forwarder")
        .map((e) => e.holder)
        .filter((h) => h !== null),
    );
    expect(holders.size).toBe(2);
    const html = fs.readFileSync(path.join(reportDir, "timeline.html"), "utf8");
    expect(html).toContain("latency");
    for (const c of verdict.checks) expect(html).toContain(c.id);
  });
});
