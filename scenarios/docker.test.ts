// The catalogue on the docker provider: Postgres, Toxiproxy and the reference workers as containers.
// Where Docker cannot run these tests skip with the reason, unless LEASE_CHAOS_REQUIRE_DOCKER=1 (CI):
// then they fail, so a CI that lost its engine or images cannot pass by skipping.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { connectEngine } from "../harness/env/docker/engine.ts";
import { resolveImages } from "../harness/env/docker/images.ts";
import { SESSION_LABEL } from "../harness/env/docker/labels.ts";
import { dockerUnavailable } from "../harness/env/start-environment.ts";
import { runScenario } from "../harness/run/run-scenario.ts";
import { leaseRowLocked } from "./lease-row-locked.ts";
import { pauseDrill } from "./pause-drill.ts";
import { sameIdentitySuccessorScenario } from "./same-identity-successor.ts";
import { slowReplicaOnLeader } from "./slow-replica-on-leader.ts";
import "./support/matchers.ts";

const TTL_MS = 2_000;
const SEED = 20261128;
const BIN = fileURLToPath(new URL("../bin/lease-chaos.js", import.meta.url));
const required = process.env.LEASE_CHAOS_REQUIRE_DOCKER === "1";
const unavailable = await dockerUnavailable();
const reportRoot = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-docker-reports-"));
afterAll(() => fs.rmSync(reportRoot, { recursive: true, force: true }));

if (unavailable && !required) console.warn(`docker scenarios skipped: ${unavailable}`);

// This test session's id (vitest.config.ts gives every test process one): what its runs label.
const SESSION = process.env.LEASE_CHAOS_SESSION as string;
if (!SESSION) throw new Error("LEASE_CHAOS_SESSION is not set: run this file through vitest.config.ts");

/**
 * Containers and networks this session's runs labelled that are still on the engine. Another
 * lease-chaos job on the same engine labels its own with its own session: they are not counted.
 */
function leftovers(): string[] {
  const filter = `label=${SESSION_LABEL}=${SESSION}`;
  const list = (args: string[]) =>
    spawnSync("docker", args, { encoding: "utf8" })
      .stdout.split("\n")
      .map((s) => s.trim())
      .filter(Boolean);
  return [
    ...list(["ps", "-a", "--filter", filter, "--format", "container {{.Names}}"]),
    ...list(["network", "ls", "--filter", filter, "--format", "network {{.Name}}"]),
  ];
}

function runOnDocker(scenario: typeof pauseDrill, bug: string | null) {
  return runScenario(scenario, {
    ttlMs: TTL_MS,
    bug,
    seed: SEED,
    provider: "docker",
    reportDir: path.join(reportRoot, `${scenario.name}-${bug ?? "reference"}`),
  });
}

/** Runs the CLI; resolves with its exit code and output. */
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.once("exit", (code) => resolve({ code, out }));
  });
}

describe("without a Docker engine", () => {
  test("--provider docker says so, points to --provider local, and exits 3 (an environment failure)", async () => {
    const { code, out } = await cli(["drill", "--provider", "docker", "--report-dir", reportRoot], {
      DOCKER_HOST: "unix:///nonexistent/docker.sock",
    });
    expect(out).toMatch(/no Docker engine answers at unix:\/\/\/nonexistent\/docker.sock .*--provider local/);
    expect(code).toBe(3);
  });
});

describe.skipIf(unavailable !== null && !required)(
  `docker provider${unavailable ? ` (cannot run here: ${unavailable})` : ""}`,
  () => {
    test.runIf(required && unavailable !== null)(
      "Docker is required here (LEASE_CHAOS_REQUIRE_DOCKER=1)",
      () => {
        expect.fail(`LEASE_CHAOS_REQUIRE_DOCKER=1 but the docker provider cannot run: ${unavailable}`);
      },
    );

    afterEach(() => {
      expect(leftovers()).toEqual([]);
    });

    // Another lease-chaos job on the same engine, alive (its owner is this process): its container
    // must be neither counted by this session's leak checks nor reaped by this session's runs.
    const neighbour = `lease-chaos-neighbour-${process.pid}`;
    beforeAll(async () => {
      if (unavailable) return;
      const { images } = await resolveImages(await connectEngine());
      const labels = {
        "lease-chaos": `neighbour-${process.pid}`,
        [SESSION_LABEL]: `another-session-${process.pid}`,
        "lease-chaos.owner-pid": String(process.pid),
        "lease-chaos.owner-host": os.hostname(),
      };
      const started = spawnSync(
        "docker",
        [
          "run",
          "-d",
          "--name",
          neighbour,
          ...Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]),
          "--entrypoint",
          "sleep",
          images.postgres,
          "600",
        ],
        { encoding: "utf8" },
      );
      expect(started.status, started.stderr).toBe(0);
    }, 60_000);
    afterAll(() => {
      if (unavailable) return;
      const still = spawnSync("docker", ["ps", "-q", "--filter", `name=${neighbour}`], { encoding: "utf8" });
      spawnSync("docker", ["rm", "-f", neighbour], { stdio: "ignore" });
      expect(still.stdout.trim(), "the neighbour's container was removed by this session").not.toBe("");
    });

    test("pause drill: the reference worker logs 'lease expired locally' first; every invariant holds", async () => {
      const result = await runOnDocker(pauseDrill, null);
      expect(result).toPassEveryCheck();
      const logs = result.evidence.events.filter((e) => e.kind === "worker-log");
      expect(logs.some((e) => e.msg === "lease expired locally; skip batch until renewed")).toBe(true);
      const pause = result.evidence.events.find((e) => e.kind === "fault");
      expect(pause?.kind === "fault" && pause.detail).toMatch(/is paused/);
    });

    test("slow replica on the leader: it steps down at its local deadline; every invariant holds", async () => {
      expect(await runOnDocker(slowReplicaOnLeader, null)).toPassEveryCheck();
    });

    test("lease-row-locked: the harness's lock in the Postgres container stalls the leader's renewal; it steps down at its deadline", async () => {
      const result = await runOnDocker(leaseRowLocked, null);
      expect(result).toPassEveryCheck();
      const lock = result.evidence.events.find((e) => e.kind === "fault");
      expect(lock?.kind === "fault" && lock.detail).toMatch(/waits on it \(wait_event_type Lock/);
    });

    test("same-identity-successor: a second container with the leader's identity takes the next term; the old one, unpaused, keeps off it", async () => {
      const result = await runOnDocker(sameIdentitySuccessorScenario, null);
      expect(result).toPassEveryCheck();
      expect(result.premises).toEqual([expect.objectContaining({ id: "successor-took-term", held: true })]);
    });

    test("pause drill with bug cached-leader fails no-batch-after-local-expiry", async () => {
      const result = await runOnDocker(pauseDrill, "cached-leader");
      expect(result).toHaveCheckVerdict("no-batch-after-local-expiry", "fail");
      expect(result.verdict).toBe("fail");
    });

    test("a missing image: its name and how to build it, exit 2", async () => {
      const { code, out } = await cli(["drill", "--provider", "docker", "--report-dir", reportRoot], {
        LEASE_CHAOS_WORKER_IMAGE: "lease-chaos/no-such-worker:1",
      });
      expect(out).toContain("lease-chaos/no-such-worker:1 is not on this Docker engine");
      expect(out).toContain("npm run images:offline");
      expect(code).toBe(2);
    });

    test("a worker image that exits at start: its logs in the error, exit 2", async () => {
      // The Postgres image as a 'worker': without POSTGRES_PASSWORD its entrypoint refuses and exits 1.
      const { images } = await resolveImages(await connectEngine());
      const { code, out } = await cli(["drill", "--provider", "docker", "--report-dir", reportRoot], {
        LEASE_CHAOS_WORKER_IMAGE: images.postgres,
        // testcontainers' own log: how it found the host, and whether it pulled anything for that.
        DEBUG: "testcontainers",
      });
      // No registry pull for its host detection (it once ran an alpine:3.14 helper to find a gateway).
      expect(out).toMatch(/Resolving host/);
      expect(out).not.toMatch(/Pulling image|Checking default gateway/);
      expect(out).toMatch(/worker \S+ \(.*\) exited with code 1 \d+ ms after its start; its logs:\n/);
      expect(out).toMatch(/POSTGRES_PASSWORD/);
      expect(code).toBe(2);
    });

    test("a Toxiproxy image that exits at start: its logs in the error, exit 3, nothing left", async () => {
      // The Postgres image as the proxy: without POSTGRES_PASSWORD its entrypoint exits 1 at once.
      const { images } = await resolveImages(await connectEngine());
      const { code, out } = await cli(["drill", "--provider", "docker", "--report-dir", reportRoot], {
        LEASE_CHAOS_TOXIPROXY_IMAGE: images.postgres,
      });
      // Named as Toxiproxy with its image, at whichever check saw it die: the start (container
      // name) or, on a loaded engine where it lived a moment longer, the readiness wait (its URL).
      expect(out).toMatch(/Toxiproxy \([^)]*\)( at \S+)? exited during start: exit code 1; its logs:\n/);
      expect(out).toMatch(/POSTGRES_PASSWORD/);
      expect(code).toBe(3);
      expect(leftovers()).toEqual([]);
    });

    test("Ctrl-C in the middle of the drill: no labelled container or network remains", async () => {
      // Its own TMPDIR, to see that the workers' bind-mounted scratch folder goes too.
      const tmp = fs.mkdtempSync(path.join(reportRoot, "tmp-"));
      const child = spawn(
        process.execPath,
        [BIN, "drill", "--provider", "docker", "--ttl-ms", String(TTL_MS), "--report-dir", reportRoot],
        { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TMPDIR: tmp } },
      );
      const lines = readline.createInterface({ input: child.stdout });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      // Evidence that the environment is fully up: the leader is being paused.
      await new Promise<void>((resolve, reject) => {
        lines.on("line", (line) => line.includes("(docker pause) between batches") && resolve());
        void exited.then(() => reject(new Error("drill exited before pausing")));
      });
      const running = leftovers();
      expect(running.filter((r) => r.startsWith("container"))).toHaveLength(6); // postgres, toxiproxy, 4 workers
      expect(running.filter((r) => r.startsWith("network"))).toHaveLength(1);
      expect(fs.readdirSync(tmp).filter((f) => f.startsWith("lease-chaos-docker-"))).toHaveLength(1);
      child.kill("SIGINT");
      expect(await exited).toBe(130);
      expect(leftovers()).toEqual([]);
      expect(fs.readdirSync(tmp).filter((f) => f.startsWith("lease-chaos-docker-"))).toEqual([]);
    });
  },
);
