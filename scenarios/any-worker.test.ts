// A worker unlike ours never breaks a command: what cannot apply is skipped and named, what its
// runtime cannot survive is that run's unknown, and what made the run what it was (its stderr, the
// profile's environment switches) is in the report. Built on the example Python worker, changed
// into other shapes through its profile alone.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { parseProfile } from "../harness/profile/load.ts";
import { runScenario } from "../harness/run/run-scenario.ts";
import { clockRateSkew } from "./clock-rate-skew.ts";
import { TTL_MS } from "./support/suite.ts";

const BIN = fileURLToPath(new URL("../bin/lease-chaos.js", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("../examples/python-worker/", import.meta.url));
const ready = spawnSync("/usr/bin/python3", ["-c", "import psycopg2"]).status === 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-any-worker-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * The example's profile with some keys changed, written to the test's temp folder: its schema file
 * and its working directory point back at the example, so the copy runs the same worker.
 */
function variantProfile(change: (p: Record<string, unknown>) => void): string {
  const p = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "lease-chaos.config.json"), "utf8"));
  const schema = p.schema as { files: string[] };
  schema.files = schema.files.map((f) => path.join(EXAMPLE, f));
  const role = (p.roles as Record<string, Record<string, unknown>>)["job-runner"] as Record<string, unknown>;
  role.local = { ...(role.local as object), cwd: EXAMPLE };
  change(p);
  const file = path.join(dir, `profile-${Math.random().toString(36).slice(2)}.config.json`);
  fs.writeFileSync(file, JSON.stringify(p));
  return file;
}

describe.skipIf(!ready && !process.env.CI)("any worker, the whole catalogue", () => {
  test("an item-less shape: the item scenario is skipped and named, the rest judged; stderr and env switches reach the report", () => {
    const config = variantProfile((p) => {
      const lines = p.lines as Record<string, unknown>;
      lines.itemStarted = null;
      const role = (p.roles as Record<string, Record<string, unknown>>)["job-runner"] as Record<
        string,
        unknown
      >;
      // A wrapper that warns on stderr before it starts the worker, and a switch from the environment.
      role.local = {
        command: "/bin/sh",
        args: ["-c", "echo 'boot: cache cold' >&2; exec /usr/bin/python3 worker.py"],
        cwd: EXAMPLE,
      };
      (role.env as Record<string, string>).JOBS_TEST_SWITCH = "{{env.LC_TEST_SWITCH:-off}}";
    });
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        "run",
        "pause-drill",
        "lease-lost-mid-batch",
        "--config",
        config,
        "--seed",
        "3",
        "--json",
        "--report-dir",
        path.join(dir, "itemless"),
      ],
      { encoding: "utf8", timeout: 120_000, env: { ...process.env, LC_TEST_SWITCH: "on" } },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      verdict: string;
      judged: number;
      skipped: number;
      runs: {
        scenario: string;
        verdict: string;
        reasons: string[];
        wallMs: number;
        reproduce: string;
        reportDir: string;
      }[];
    };
    expect(out).toMatchObject({ verdict: "pass", judged: 1, skipped: 1 });
    const [drill, item] = out.runs;
    expect(item).toMatchObject({ scenario: "lease-lost-mid-batch", verdict: "skipped" });
    expect(item?.reasons[0]).toMatch(/^needs lines\.itemStarted/);
    expect(drill?.verdict).toBe("pass");
    expect(drill?.wallMs).toBeGreaterThan(0);
    expect(drill?.reproduce).toMatch(/^LC_TEST_SWITCH=on /);
    const events = fs
      .readFileSync(path.join(drill?.reportDir as string, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events[0].environment["env.LC_TEST_SWITCH"]).toBe("on");
    expect(
      events.some((e) => e.kind === "output" && e.stream === "stderr" && e.text === "boot: cache cold"),
    ).toBe(true);
  });

  test("a runtime that wedges under libfaketime makes that run unknown, with the reason, never bad input", async () => {
    // The example's threads wait on absolute monotonic deadlines: with every clock faked it wedges.
    const file = variantProfile((p) => {
      const role = (p.roles as Record<string, Record<string, unknown>>)["job-runner"] as Record<
        string,
        unknown
      >;
      role.clockFaults = "all";
    });
    const profile = parseProfile(JSON.parse(fs.readFileSync(file, "utf8")), file, dir);
    const result = await runScenario(clockRateSkew, {
      ttlMs: TTL_MS,
      bug: null,
      seed: 5,
      profile,
      reportDir: path.join(dir, "wedged"),
    });
    expect(result.verdict).toBe("unknown");
    expect(result.reasons.join("\n")).toMatch(/under libfaketime \(clocks: all\).*clockFaults/s);
  });
});
