import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/lease-chaos.js", import.meta.url));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("lease-chaos run / list / matrix: bad input exits 2 before anything starts", () => {
  test("list prints every scenario with one line each", () => {
    const r = cli("list");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(12);
    expect(lines[0]).toMatch(/^pause-drill\s+F1: /);
  });

  test("list ends with the profile's variants, each with what catches it", () => {
    const r = cli("list");
    expect(r.stdout).toMatch(/\nvariants of profile reference \(--bug NAME[^\n]*\n/);
    expect(r.stdout).toMatch(
      /\ncached-leader +gates on the cached LEADER state only.*; caught by pause-drill \/ no-batch-after-local-expiry/,
    );
    // Every variant of the reference worker is a negative control: each line names what catches it.
    const variants = r.stdout.split("variants of profile reference")[1]?.trim().split("\n").slice(1) ?? [];
    expect(variants.length).toBeGreaterThanOrEqual(17);
    for (const line of variants) expect(line).toMatch(/^[a-z-]+ +.+; caught by [a-z@-]+ \/ [a-z-]+/);
  });

  test("an unknown scenario lists the valid ones, with a did-you-mean (a typo, or the start of a name)", () => {
    const r = cli("run", "pause-dril");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'unknown scenario "pause-dril"; did you mean pause-drill? (valid: pause-drill, lease-lost-mid-batch',
    );
    const h = cli("help", "scenario", "slow-replica");
    expect(h.code).toBe(2);
    expect(h.stderr).toContain('unknown scenario "slow-replica"; did you mean slow-replica-on-leader?');
  });

  test("an unknown --bug lists the variants", () => {
    const r = cli("run", "pause-drill", "--bug", "sometimes");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--bug "sometimes" is not a variant of profile reference; valid: cached-leader',
    );
  });

  test("--skip names a scenario of the catalogue (did you mean), and may not leave nothing", () => {
    const r = cli("run", "--all", "--skip", "pause-dril");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--skip "pause-dril": no such scenario; did you mean pause-drill?');
    const none = cli("run", "pause-drill", "--skip", "pause-drill");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--skip leaves no scenario to run");
  });

  test("no scenario, or names with --all, is a usage error", () => {
    expect(cli("run").stderr).toContain("name a scenario or give --all");
    expect(cli("run", "pause-drill", "--all").code).toBe(2);
  });

  test("a malformed --toxiproxy-url and --repeat 0 name the option", () => {
    const url = cli("run", "pause-drill", "--toxiproxy-url", "localhost:8474");
    expect(url.code).toBe(2);
    expect(url.stderr).toContain("--toxiproxy-url must be an http URL");
    const repeat = cli("run", "--all", "--repeat", "0");
    expect(repeat.stderr).toContain("--repeat must be between 1 and 1000, got 0");
  });

  test("matrix rejects an unknown scenario", () => {
    const r = cli("matrix", "--scenarios", "pause-drill,nope");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown scenario "nope"');
  });
});
