import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/lease-chaos.js", import.meta.url));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("lease-chaos drill: bad input exits 2 naming the option, before anything starts", () => {
  test("an unknown --bug lists the valid variants", () => {
    const r = cli("drill", "--bug", "nope");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--bug "nope" is not a variant of profile reference; valid: cached-leader, response-anchored-deadline',
    );
    expect(r.stdout).not.toContain("postgres ready");
  });

  test("a non-numeric --ttl-ms names the value", () => {
    const r = cli("drill", "--ttl-ms", "2s");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--ttl-ms must be an integer, got "2s"');
  });

  test("an out-of-range --ttl-ms gives the bounds", () => {
    const r = cli("drill", "--ttl-ms", "10");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--ttl-ms must be between 500 and 600000, got 10");
  });

  test("an unknown option and an unknown command are usage errors, with a did-you-mean", () => {
    const o = cli("drill", "--tll-ms", "2000");
    expect(o.code).toBe(2);
    expect(o.stderr).toContain("unknown option --tll-ms; did you mean --ttl-ms?");
    const r = cli("dril");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "dril"; did you mean drill?');
  });

  test("--version, help COMMAND and COMMAND --help", () => {
    expect(cli("--version").stdout).toMatch(/^lease-chaos \d+\.\d+\.\d+ \(node v\d+/);
    const help = cli("help", "drill");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: lease-chaos drill");
    expect(help.stdout).toContain("--ttl-ms");
    expect(cli("drill", "--help").stdout).toBe(help.stdout);
  });

  test("a --report-dir that cannot hold reports is refused at once", () => {
    const r = cli("drill", "--report-dir", "/proc/nope");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--report-dir "/proc/nope" lies in proc');
    const f = cli("run", "pause-drill", "--report-dir", "/etc/hostname/x");
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('--report-dir "/etc/hostname/x" cannot be written: ENOTDIR');
  });

  test("a --junit file whose folder cannot be written is named as --junit, not --report-dir", () => {
    const r = cli("drill", "--junit", "/etc/hostname/junit.xml");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'the folder of --junit "/etc/hostname/junit.xml" cannot be written: ENOTDIR (/etc/hostname is a file)',
    );
    expect(r.stderr).not.toContain("--report-dir");
  });

  test("a command refused after its report folder was made leaves no empty folder behind", () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-refused-"));
    try {
      for (const args of [
        ["run", "--all", "--jobs", "99"],
        ["matrix", "--jobs", "0"],
        ["run", "pause-drill", "--report-dir", "deep/er/folder", "--set", "nope=1"],
        ["drill", "--junit", "out/junit.xml", "--bug", "nope"],
      ]) {
        const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 20_000 });
        expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(2);
        expect(fs.readdirSync(cwd), args.join(" ")).toEqual([]);
      }
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  test("--help prints the options and exits 0", () => {
    const r = cli("drill", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--ttl-ms");
    expect(r.stdout).toContain("--report-dir");
  });
});
