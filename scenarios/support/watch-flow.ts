// The incident-review loop as an engineer does it in two terminals, shared by the local and the
// compose tests: `watch` holds the stack, `inject` puts latency on the leader's connection for a
// while, the takeover shows up in the narration, Ctrl-C stops the watch, and its report has the
// fault window, both terms and every check's verdict.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { EvidenceEvent, FaultWindow, LeaseChange } from "../../harness/observe/evidence.ts";
import type { VerdictFile } from "../../harness/report/write.ts";

const BIN = fileURLToPath(new URL("../../bin/lease-chaos.js", import.meta.url));

/** A short CLI command (inject, heal) run to its end. */
export function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A running `lease-chaos watch`, its output collected. */
export class WatchProcess {
  out = "";
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(
    args: string[],
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(process.execPath, [BIN, "watch", ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    const collect = (d: Buffer) => {
      this.out += d.toString();
    };
    this.child.stdout?.on("data", collect);
    this.child.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  /** Waits for the output to match (or the watch to end, which the caller's next expect shows). */
  async seen(re: RegExp, timeout = 30_000): Promise<void> {
    await expect
      .poll(() => re.test(this.out) || this.child.exitCode !== null, { timeout, interval: 100 })
      .toBe(true);
    expect(this.child.exitCode, this.out).toBeNull();
    expect(this.out).toMatch(re);
  }

  type(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** After a failed test: Ctrl-C twice (its exit handlers stop Postgres and the workers), SIGKILL if it hangs. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill("SIGINT");
    this.child.kill("SIGINT");
    const gone = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
    ]);
    if (!gone) this.child.kill("SIGKILL");
  }
}

// Narration lines start with the time since the run's zero: `[ +12.3s] ...`.
function timeOf(line: string): number | null {
  const m = /^\[\s*\+(\d+\.\d)s\]/.exec(line);
  return m ? Number(m[1]) : null;
}

/**
 * Injects `latencyMs` each way on the leader for `forMs` through the running watch, waits for the
 * takeover and the heal, stops the watch with Ctrl-C and reads its report.
 */
export async function latencyTakeover(
  watch: WatchProcess,
  reportDir: string,
  latencyMs: number,
  forMs: number,
) {
  // Tolerance: a cold start on a loaded machine takes some seconds; a lease has a holder within 60 s.
  await watch.seen(/lease outbox-forwarder: \S+ (acquires it, epoch|holds it \(epoch) \d+/, 60_000);
  const injected = cli(
    watch.env,
    "inject",
    "latency",
    "--target",
    "leader",
    "--latency-ms",
    String(latencyMs),
    "--for",
    `${forMs}ms`,
    "--json",
  );
  expect(injected.code, injected.err).toBe(0);
  const answer = JSON.parse(injected.out) as { id: string; windows: { target: string; detail: string }[] };
  const leader = answer.windows[0]?.target as string;
  // Verified: a round trip through the leader's proxy took both directions' latency.
  expect(answer.windows[0]?.detail).toMatch(/SELECT 1 through \S+ proxy took \d+ ms/);

  // Tolerance: the standby takes over within ttl + ttl/2 of the last grant (the check's bound), well inside forMs + 10 s.
  await watch.seen(new RegExp(`lease outbox-forwarder: (\\S+) takes it over from ${leader}`), forMs + 10_000);
  watch.type("leases");
  await watch.seen(/outbox-forwarder: holder \S+, epoch \d+, expires_at \d\d:\d\d:\d\d\.\d{3} UTC/);
  watch.type("checks");
  await watch.seen(/checks over the \d+ events so far/);
  await watch.seen(new RegExp(`heal ${answer.id}: .* is off \\(after ${forMs} ms\\)`), forMs + 10_000);
  expect(cli(watch.env, "heal", "--all").out).toMatch(/nothing to heal/);

  watch.child.kill("SIGINT");
  const code = await watch.exited;
  expect(code, watch.out).toBe(0);
  expect(watch.out).toMatch(/stopping \(SIGINT\)/);

  // Lines came out in time order (a line that arrived past the buffer says so).
  const times = watch.out
    .split("\n")
    .filter((l) => !l.endsWith("(late)"))
    .map(timeOf)
    .filter((t): t is number => t !== null);
  expect(times.length).toBeGreaterThan(8);
  expect(times).toEqual([...times].sort((a, b) => a - b));

  const verdict = JSON.parse(fs.readFileSync(path.join(reportDir, "verdict.json"), "utf8")) as VerdictFile;
  expect(verdict.verdict, JSON.stringify(verdict.checks, null, 1)).toBe("pass");
  // The reproduce line repeats the watch and its injection, at its time (the watch prints it too).
  expect(verdict.reproduce).toMatch(
    new RegExp(
      `^(\\S+=\\S+ )*npx lease-chaos watch .*, then from another terminal: at \\+\\d+\\.\\ds npx lease-chaos inject latency --target leader --latency-ms ${latencyMs} --for ${forMs % 1000 === 0 ? `${forMs / 1000}s` : `${forMs}ms`}$`,
    ),
  );
  expect(watch.out).toContain(`reproduce with: ${verdict.reproduce}`);
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
  expect((window?.end ?? 0) - (window?.start ?? 0)).toBeGreaterThanOrEqual(forMs);
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
  return { leader, verdict };
}
