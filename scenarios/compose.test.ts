// The compose stack engineers reproduce incidents with: brought up with docker-compose as the
// README says, the runbook's pause drill run on it by the harness (--provider compose), torn down.
// Like the docker scenarios, it skips where Docker is absent unless LEASE_CHAOS_REQUIRE_DOCKER=1.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dockerUnavailable } from "../harness/env/start-environment.ts";
import { runScenario } from "../harness/run/run-scenario.ts";
import { pauseDrill } from "./pause-drill.ts";
import { fixedPort, fixedPorts } from "./support/fixed-port.ts";
import "./support/matchers.ts";
import { latencyTakeover, WatchProcess } from "./support/watch-flow.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FILE = path.join(ROOT, "docker-compose.chaos.yml");
const TTL_MS = 2_000;
const required = process.env.LEASE_CHAOS_REQUIRE_DOCKER === "1";
const haveCompose = spawnSync("docker-compose", ["version"], { encoding: "utf8" }).status === 0;
const unavailable = (await dockerUnavailable()) ?? (haveCompose ? null : "docker-compose is not installed");
const hasImage = (tag: string) =>
  spawnSync("docker", ["image", "inspect", tag], { stdio: "ignore" }).status === 0;
const image = (name: string, offline: string) => (hasImage(name) ? name : offline);
const pgPort = await fixedPort();
const toxiproxyPort = await fixedPort([pgPort]);
const proxyPorts = await fixedPorts(4, [pgPort, toxiproxyPort]);
// A stack of this test session's own (vitest.config.ts gives it an id): its project, container
// names and ports, so that another session's stack on the same engine is never this one.
const stack = `lease-chaos-test-${(process.env.LEASE_CHAOS_SESSION ?? String(process.pid)).toLowerCase().replace(/[^a-z0-9-]/g, "-")}`;
const env = {
  ...process.env,
  LEASE_CHAOS_PG_PORT: String(pgPort),
  LEASE_CHAOS_TOXIPROXY_PORT: String(toxiproxyPort),
  LEASE_CHAOS_PROXY_PORTS: `${proxyPorts[0]}-${proxyPorts.at(-1)}`,
  LEASE_CHAOS_STACK: stack,
  COMPOSE_PROJECT_NAME: stack,
  LEASE_CHAOS_COMPOSE_PROJECT: stack,
  LEASE_TTL_MS: String(TTL_MS),
  LEASE_CHAOS_POSTGRES_IMAGE: image("postgres:16", "lease-chaos/postgres:15-offline"),
  LEASE_CHAOS_TOXIPROXY_IMAGE: image("ghcr.io/shopify/toxiproxy:2.12.0", "lease-chaos/toxiproxy:offline"),
};
// The in-process runs attach to this stack, not to another session's.
process.env.LEASE_CHAOS_COMPOSE_PROJECT = stack;
const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-compose-"));

function compose(...args: string[]) {
  const r = spawnSync("docker-compose", ["-f", FILE, ...args], { env, encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`docker-compose ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(unavailable !== null && !required)("docker-compose.chaos.yml", () => {
  beforeAll(() => {
    if (unavailable) throw new Error(`the compose stack cannot run here: ${unavailable}`);
    compose("up", "-d");
  }, 180_000);
  let watch: WatchProcess | null = null;
  afterAll(async () => {
    await watch?.kill();
    if (!unavailable) compose("down", "--timeout", "2");
    fs.rmSync(reportDir, { recursive: true, force: true });
  }, 60_000);

  test("lease-chaos run pause-drill --provider compose passes on the running stack", async () => {
    const result = await runScenario(pauseDrill, {
      ttlMs: TTL_MS,
      bug: null,
      seed: 5,
      provider: "compose",
      reportDir,
    });
    expect(result).toPassEveryCheck();
    // The harness attached: it neither stopped nor removed the stack.
    expect(compose("ps", "-q").trim().split("\n").length).toBeGreaterThanOrEqual(6);
  });

  test("watch --provider compose, inject latency on the leader for 8 s from another terminal: takeover, Ctrl-C, a report", async () => {
    const folder = path.join(reportDir, "watch");
    watch = new WatchProcess(["--provider", "compose", "--ttl-ms", String(TTL_MS), "--report-dir", folder], {
      ...env,
      LEASE_CHAOS_WATCH_FILE: path.join(reportDir, "watch.json"),
    });
    await watch.seen(/watching fwd-a, fwd-b, sweep-a, sweep-b on compose/, 60_000);
    await latencyTakeover(watch, folder, 1_500, 8_000);
    // The stack was attached to before (the test above): this watch's evidence starts at its own
    // attach, with the lease rows as found, never with the journal the earlier run left.
    const [meta, ...events] = fs
      .readFileSync(path.join(folder, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string; ts?: number; op?: string; startedAt?: number });
    const db = events.filter((e) => ["lease-change", "effect", "refused-effect"].includes(e.kind));
    expect(db.length).toBeGreaterThan(0);
    expect(db.filter((e) => (e.ts ?? 0) < (meta?.startedAt ?? 0))).toEqual([]);
    expect(db.find((e) => e.kind === "lease-change")?.op).toBe("SNAPSHOT");
    // Attached, not owned: the stack is still up.
    expect(compose("ps", "-q").trim().split("\n").length).toBeGreaterThanOrEqual(6);
  });
});
